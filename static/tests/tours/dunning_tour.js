/** @odoo-module */

import { registry } from "@web/core/registry";

// Settings -> "Configure dunning levels" -> edit the "First reminder" level.
registry.category("web_tour.tours").add("ar_ai_collections_dunning_settings_tour", {
    url: "/odoo/settings#account",
    steps: () => [
        {
            content: "The dunning settings sit in the Collections AI block",
            trigger: "#ai_dunning_guards",
        },
        {
            content: "The collections manager who takes the activities nobody else has",
            trigger: "#ai_dunning_guards div[name='ai_dunning_manager_id']",
        },
        {
            content: "Open the dunning levels",
            trigger: "button[name='action_ai_dunning_levels']",
            run: "click",
        },
        {
            content: "Open the first reminder level",
            trigger: ".o_list_view .o_data_row .o_data_cell[name='name']:contains('First reminder')",
            run: "click",
        },
        {
            content: "Send it ten days after the due date",
            trigger: ".o_form_view div[name='days'] input",
            run: "edit 10",
        },
        {
            content: "Wait five days after the previous level",
            trigger: ".o_form_view div[name='spacing_days'] input",
            run: "edit 5",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});

// Customer form -> Dunning tab -> "Preview dunning" shows the next run's decision.
registry.category("web_tour.tours").add("ar_ai_collections_dunning_preview_tour", {
    steps: () => [
        {
            content: "Open the Dunning tab",
            trigger: ".o_form_view .o_notebook a.nav-link[name='ai_dunning']",
            run: "click",
        },
        {
            content: "Preview the next dunning run for this customer",
            trigger: "button[name='action_ai_dunning_preview']",
            run: "click",
        },
        {
            content: "The preview lists the invoice at the first reminder level",
            trigger: ".modal .o_data_row .o_data_cell[name='level_id']:contains('First reminder')",
        },
        {
            content: "The customer gets one reminder, sent (not a skip code)",
            trigger: ".modal .o_data_row .o_data_cell[name='action']:contains('Send')",
        },
        {
            content: "Close the preview",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
