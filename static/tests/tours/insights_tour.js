/** @odoo-module */

import { registry } from "@web/core/registry";

// Collections > Reporting: the KPI overview (this month, last month, last year),
// an experiment's results and verdict, then the scoring run's prediction log.
registry.category("web_tour.tours").add("ar_ai_collections_insights_tour", {
    url: "/odoo/action-ar_ai_collections.ai_collection_kpi_action_overview",
    steps: () => [
        {
            content: "The overview shows a month tile with its DSO",
            trigger: ".o_kanban_record .o_ai_kpi_tiles td:contains('DSO')",
        },
        {
            content: "The tile compares with last month and last year",
            trigger: ".o_kanban_record .o_ai_kpi_tiles th:contains('Last year')",
        },
        {
            content: "Open the Collections menu",
            trigger: ".o_menu_sections .dropdown-toggle:contains('Collections')",
            run: "click",
        },
        {
            content: "Open the experiments (Collections > Reporting)",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Experiments')",
            run: "click",
        },
        {
            content: "Open the tour's experiment",
            trigger: ".o_list_view .o_data_row td:contains('Tour experiment')",
            run: "click",
        },
        {
            content: "Its verdict is shown",
            trigger: ".o_form_view .o_ai_experiment_verdict:contains('customer')",
        },
        {
            content: "Its arms are listed with their results",
            trigger: ".o_form_view .o_field_widget[name='arm_ids'] .o_data_row td:contains('Risk-aware')",
        },
        {
            content: "Open the Collections menu again",
            trigger: ".o_menu_sections .dropdown-toggle:contains('Collections')",
            run: "click",
        },
        {
            content: "Open the prediction log (Collections > Reporting)",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Prediction log')",
            run: "click",
        },
        {
            content: "The scoring run's answer for the customer's invoice is logged",
            trigger: ".o_list_view .o_data_row td:contains('Insights Customer') ~ td .badge",
        },
    ],
});
