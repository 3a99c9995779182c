/** @odoo-module **/
// A connector user opens the app on the Overview, follows the card "At risk of shipping late"
// to the Held Queue filtered to those orders, comes back, follows a channel's Orders Today
// figure to the orders it counts, comes back, follows the Held figure of the card to its held
// orders, comes back and opens the Routing Analysis pivot, then its graph.
// Data: test_reporting_tour.py.
import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Tour channel')";
const RISK_CARD = ".o_amazon_late_risk_card";

registry.category("web_tour.tours").add("amazon_lightspeed_overview", {
    url: "/odoo/action-amazon_lightspeed_connector.amazon_account_dashboard_action",
    steps: () => [
        {
            content: "a card of its own counts the held orders at risk of shipping late",
            trigger: `${RISK_CARD}:contains('At risk of shipping late') .o_amazon_late_risk_count:contains('1')`,
        },
        {
            content: "open them",
            trigger: `${RISK_CARD} button[name=open_late_risk]`,
            run: "click",
        },
        {
            content: "the Held Queue, filtered to the orders at risk",
            trigger: ".o_searchview_facet:contains('At Risk of Shipping Late')",
        },
        {
            content: "the order due in 5 h is there, the held order without a date is not",
            trigger: ".o_kanban_renderer:has(.o_kanban_record:contains('111-0000004-0000004')):not(:has(.o_kanban_record:contains('111-0000003-0000003')))",
        },
        {
            content: "back to the Overview",
            trigger: ".o_breadcrumb a:contains('Overview')",
            run: "click",
        },
        {
            content: "the channel's card counts today's orders",
            trigger: `${CARD} button[name=action_open_dashboard_figure]:contains('2'):contains('Orders Today')`,
        },
        {
            content: "open them",
            trigger: `${CARD} button[name=action_open_dashboard_figure]:contains('Orders Today')`,
            run: "click",
        },
        {
            content: "the list is titled with the figure",
            trigger: ".o_breadcrumb .active:contains('Tour channel: Orders Today')",
        },
        {
            content: "and lists the two orders bought today, not yesterday's",
            trigger: ".o_list_renderer:has(.o_data_row:contains('111-0000001-0000001')):has(.o_data_row:contains('111-0000002-0000002')):not(:has(.o_data_row:contains('111-0000004-0000004')))",
        },
        {
            content: "back to the Overview",
            trigger: ".o_breadcrumb a:contains('Overview')",
            run: "click",
        },
        {
            content: "and says how old the oldest held order is",
            trigger: `${CARD} a[name=action_dashboard_held]:contains('oldest 4 d')`,
        },
        {
            content: "open the held orders",
            trigger: `${CARD} a[name=action_dashboard_held]`,
            run: "click",
        },
        {
            content: "the held orders of the channel are listed",
            trigger: ".o_kanban_record:contains('111-0000003-0000003')",
        },
        {
            content: "back to the Overview",
            trigger: ".o_breadcrumb a:contains('Overview')",
            run: "click",
        },
        {
            content: "open the routing analysis",
            trigger: `${CARD} a[name=action_dashboard_analysis]`,
            run: "click",
        },
        {
            content: "the pivot crosses routing modes and states",
            trigger: ".o_pivot th:contains('Best store, else hold')",
        },
        {
            content: "the held column is there",
            trigger: ".o_pivot th:contains('Held')",
        },
        {
            content: "switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "the graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
    ],
});
