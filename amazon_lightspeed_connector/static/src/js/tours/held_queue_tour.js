/** @odoo-module **/
// A connector user works the Held Queue: pushes one held order to a store (the wizard warns
// about the missing unit) and voids another with a reason. Data: test_held_queue_tour.py.
import { registry } from "@web/core/registry";

const PUSHED = "111-0000001-0000001";
const VOIDED = "111-0000002-0000002";

registry.category("web_tour.tours").add("amazon_lightspeed_held_queue", {
    url: "/odoo/action-amazon_lightspeed_connector.amazon_routed_order_held_action",
    steps: () => [
        {
            content: "the held order shows its reason",
            trigger: `.o_kanban_record:contains('${PUSHED}'):contains('Held')`,
        },
        {
            content: "push it to a store",
            trigger: `.o_kanban_record:contains('${PUSHED}') button[name=action_open_push_wizard]`,
            run: "click",
        },
        {
            content: "search the store",
            trigger: ".modal .o_field_widget[name=warehouse_id] input",
            run: "edit Tour Store B",
        },
        {
            content: "choose Tour Store B",
            trigger: ".modal .o_field_widget[name=warehouse_id] .o-autocomplete--dropdown-menu a:contains('Tour Store B')",
            run: "click",
        },
        {
            content: "the wizard warns about the missing unit",
            trigger: ".modal .o_field_widget[name=missing_warning]:contains('Tour Store B lacks 1 x')",
        },
        {
            content: "push",
            trigger: ".modal button[name=action_push]",
            run: "click",
        },
        {
            content: "the pushed order leaves the queue",
            trigger: `.o_kanban_view:not(:has(.o_kanban_record:contains('${PUSHED}')))`,
        },
        {
            content: "void the other one",
            trigger: `.o_kanban_record:contains('${VOIDED}') button[name=action_open_void_wizard]`,
            run: "click",
        },
        {
            content: "say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Refunded in Seller Central",
        },
        {
            content: "void",
            trigger: ".modal button[name=action_void]",
            run: "click",
        },
        {
            content: "the queue is empty",
            trigger: `.o_kanban_view:not(:has(.o_kanban_record:contains('${VOIDED}')))`,
        },
    ],
});
