/** @odoo-module */

import { registry } from "@web/core/registry";

// Invoice list -> "High risk" filter -> open the riskiest invoice -> "Payment risk" panel.
registry.category("web_tour.tours").add("ar_ai_collections_risk_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "The customer invoice list shows the risk badge column",
            trigger: ".o_list_view th[data-name='ai_risk_band']",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter on high risk",
            trigger: ".o_filter_menu .o-dropdown-item:contains('High risk')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('High risk')",
        },
        {
            content: "Only high-risk invoices are listed",
            trigger: ".o_data_row .o_data_cell[name='ai_risk_band']:contains('High')",
        },
        {
            content: "The low-risk invoice is filtered out",
            trigger: ".o_list_view:not(:has(.o_data_cell[name='ai_risk_band']:contains('Low')))",
        },
        {
            content: "Open the invoice",
            trigger: ".o_data_row:first .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "Open the Payment risk panel",
            trigger: ".o_form_view .o_notebook a.nav-link[name='ai_payment_risk']",
            run: "click",
        },
        {
            content: "The panel shows the band, the predicted date and the reasons",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_risk_band']:contains('High')",
        },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_predicted_pay_date']",
        },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_risk_reasons']:not(:empty)",
        },
    ],
});

// Customer form -> "Payment risk" panel -> smart button to the open invoices, riskiest first.
registry.category("web_tour.tours").add("ar_ai_collections_risk_partner_tour", {
    steps: () => [
        {
            content: "Open the Payment risk panel of the customer",
            trigger: ".o_form_view .o_notebook a.nav-link[name='ai_payment_risk']",
            run: "click",
        },
        {
            content: "The customer's band, amounts and reasons are shown",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_risk_band']:contains('High')",
        },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_open_amount']",
        },
        {
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='ai_risk_reasons']:not(:empty)",
        },
        {
            content: "Open the customer's invoices by risk",
            trigger: ".oe_stat_button[name='action_ai_open_invoices_by_risk']:contains('2')",
            run: "click",
        },
        {
            content: "The riskiest invoice comes first",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name='ai_risk_band']:contains('High')",
        },
        {
            trigger: ".o_list_view .o_data_row:last .o_data_cell[name='ai_risk_band']:contains('Low')",
        },
    ],
});
