/** @odoo-module **/
// A connector user follows an Amazon order through its life: opens it, follows it to its
// routed order, sends it to Lightspeed, marks it shipped from Shipments with a tracking
// number; then voids another order that no store could fulfil. Data:
// test_order_lifecycle_tour.py. Selectors are field and button names (no translated texts).
import { registry } from "@web/core/registry";

const SENT = "111-0000011-0000011";
const VOIDED = "111-0000012-0000012";
const TRACKING = "1Z999AA10123456784";
const ACTIONS = "/odoo/action-amazon_lightspeed_connector";

registry.category("web_tour.tours").add("amazon_lightspeed_order_lifecycle", {
    url: `${ACTIONS}.amazon_order_action`,
    steps: () => [
        {
            content: "open the imported Amazon order, routed",
            trigger: `.o_list_view .o_data_row:contains('${SENT}') td[name=name]`,
            run: "click",
        },
        {
            content: "its routed order is one click away",
            trigger: `.o_form_view:has(.o_field_widget[name=routing_state]) .oe_stat_button:has(.o_field_widget[name=routed_order_count])`,
            run: "click",
        },
        {
            content: "open the routed order",
            trigger: `.o_list_view .o_data_row:contains('${SENT}') td[name=name]`,
            run: "click",
        },
        {
            content: "it waits to be sent, to its store",
            trigger: ".o_form_view .o_statusbar_status button[data-value=to_send].o_arrow_button_current",
        },
        {
            content: "send it to Lightspeed now",
            trigger: ".o_form_view button[name=action_send_to_lightspeed]",
            run: "click",
        },
        {
            content: "it is sent, with its Lightspeed sale id",
            trigger: ".o_form_view:has(.o_statusbar_status button[data-value=sent].o_arrow_button_current) .o_field_widget[name=lightspeed_sale_id]:not(.o_field_empty)",
        },
        {
            content: "open Shipments",
            trigger: ".o_form_view .o_field_widget[name=lightspeed_sale_id]:not(.o_field_empty)",
            run: `goToUrl ${ACTIONS}.amazon_routed_order_shipments_action`,
        },
        {
            content: "the order waits to be shipped",
            trigger: `.o_list_view .o_data_row:contains('${SENT}') td[name=tracking_number]`,
            run: "click",
        },
        {
            content: "enter the tracking number",
            trigger: ".o_list_view .o_selected_row td[name=tracking_number] input",
            run: `edit ${TRACKING}`,
        },
        {
            content: "mark it shipped",
            trigger: ".o_list_view .o_selected_row button[name=action_mark_shipped]",
            run: "click",
        },
        {
            content: "shipped: it leaves the orders to ship",
            trigger: `.o_list_view:not(:has(.o_data_row:contains('${SENT}')))`,
        },
        {
            content: "open the Held Queue",
            trigger: ".o_list_view",
            run: `goToUrl ${ACTIONS}.amazon_routed_order_held_action`,
        },
        {
            content: "void the order no store can fulfil",
            trigger: `.o_kanban_record:contains('${VOIDED}') button[name=action_open_void_wizard]`,
            run: "click",
        },
        {
            content: "say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Cancelled by the buyer",
        },
        {
            content: "void",
            trigger: ".modal button[name=action_void]",
            run: "click",
        },
        {
            content: "the queue no longer holds it",
            trigger: `.o_kanban_view:not(:has(.o_kanban_record:contains('${VOIDED}')))`,
        },
    ],
});
