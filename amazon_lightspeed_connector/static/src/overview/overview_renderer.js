/** @odoo-module **/
// The Overview (a kanban of the Amazon channels) with a card of its own before the channels'
// cards: the held orders of every channel at risk of shipping late, which no channel's card
// shows whole. A click opens them in the Held Queue, the most urgent first.
import { onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";

export class OverviewRenderer extends KanbanRenderer {
    static template = "amazon_lightspeed_connector.OverviewRenderer";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.lateRisk = useState({ count: null });
        // read again whenever the channels' cards are (a search, coming back from a list)
        onWillStart(() => this.loadLateRisk());
        onWillUpdateProps(() => this.loadLateRisk());
    }

    async loadLateRisk() {
        this.lateRisk.count = await this.orm.call("amazon.account", "overview_late_risk_count", []);
    }

    async openLateRisk() {
        const action = await this.orm.call("amazon.account", "action_overview_late_risk", []);
        await this.actionService.doAction(action);
    }
}

registry.category("views").add("amazon_connector_overview", {
    ...kanbanView,
    Renderer: OverviewRenderer,
});
