/** @odoo-module **/
// A connector manager connects the Lightspeed account, reads its reference data, then picks
// the Amazon channel's defaults from the drop-downs the sync filled. Data: test_channel_tour.py.
import { registry } from "@web/core/registry";

function pick(field, search, label) {
    return [
        {
            content: `search ${search} in ${field}`,
            trigger: `.o_field_widget[name=${field}] input`,
            run: `edit ${search}`,
        },
        {
            content: `choose ${label}`,
            trigger: `.o_field_widget[name=${field}] .o-autocomplete--dropdown-menu a:contains("${label}")`,
            run: "click",
        },
        {
            content: `${label} is set`,
            trigger: `.o_field_widget[name=${field}] input:value("${label}")`,
        },
    ];
}

registry.category("web_tour.tours").add("amazon_lightspeed_channel_setup", {
    url: "/odoo/action-amazon_lightspeed_connector.lightspeed_account_action",
    steps: () => [
        {
            content: "open the Lightspeed account",
            trigger: ".o_data_row td:contains('Tour Lightspeed')",
            run: "click",
        },
        {
            content: "test the connection",
            trigger: ".o_form_view button[name=action_test_connection]",
            run: "click",
        },
        {
            content: "Lightspeed answered",
            trigger: ".o_notification:contains('Connected to Lightspeed account Demo Retail Account')",
        },
        {
            content: "read stores, registers, employees and payment types",
            trigger: ".o_form_view button[name=action_sync_reference_data]",
            run: "click",
        },
        {
            content: "the sync is done",
            trigger: ".o_notification:contains('Synchronised 3 stores')",
        },
        {
            content: "the stores are listed on the account",
            trigger: ".o_field_widget[name=warehouse_ids] .o_data_row:contains('Store C - Uptown')",
        },
        {
            content: "go to the Amazon accounts",
            trigger: ".o_main_navbar button:contains('Configuration')",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu a:contains('Amazon Accounts')",
            run: "click",
        },
        {
            content: "open the Amazon channel",
            trigger: ".o_data_row td:contains('Tour Amazon')",
            run: "click",
        },
        {
            content: "open the routing settings",
            trigger: ".o_notebook a.nav-link:contains('Stores and Routing')",
            run: "click",
        },
        ...pick("default_warehouse_id", "Store B", "Store B - Harbour"),
        ...pick("default_register_id", "Amazon Register", "Amazon Register"),
        ...pick("default_employee_id", "Amazon", "Amazon Orders"),
        ...pick("default_payment_type_id", "Amazon", "Amazon Payment"),
        {
            content: "save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
