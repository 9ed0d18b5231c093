/** @odoo-module */

import { registry } from "@web/core/registry";

// Collections > Reporting > Cash forecast: the graph by week, the pivot by customer.
registry.category("web_tour.tours").add("ar_ai_collections_cash_forecast_tour", {
    url: "/odoo/action-ar_ai_collections.ai_cash_forecast_action",
    steps: () => [
        {
            content: "The cash forecast opens on its graph by week",
            trigger: ".o_graph_view .o_graph_renderer canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot has a row for the customer",
            trigger: ".o_pivot th:contains('Overdue Customer')",
        },
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Weekly rows of the customer with their expected amount",
            trigger: ".o_list_view .o_data_row .o_data_cell[name='partner_id']:contains('Overdue Customer')",
        },
    ],
});

// An overdue invoice's "Payment risk" panel: P(paid in 30 days), the expected date and
// its interval; no "probability of paying late" once the due date has passed.
registry.category("web_tour.tours").add("ar_ai_collections_overdue_invoice_tour", {
    steps: () => [
        {
            content: "Open the Payment risk panel",
            trigger: ".o_form_view .o_notebook a.nav-link[name='ai_payment_risk']",
            run: "click",
        },
        {
            content: "P(paid in 30 days) is shown",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_p_paid_30d']",
        },
        {
            content: "The expected payment date and its interval are shown",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_predicted_pay_date']",
        },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_pay_date_low']",
        },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_pay_date_high']",
        },
        {
            content: "No probability of paying late on an overdue invoice",
            trigger: ".o_notebook .tab-pane.active:not(:has(.o_field_widget[name='ai_risk_score']))",
        },
    ],
});
