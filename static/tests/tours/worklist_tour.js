/** @odoo-module */

import { registry } from "@web/core/registry";

const { DateTime } = luxon;
// Within the promise horizon (Settings, 365 days by default).
const PROMISED_DATE = DateTime.now().plus({ days: 30 }).toFormat("MM/dd/yyyy");

// Collections > Worklist: log a call on the top customer, whose outcome is a
// promise to pay, then record and confirm the promise.
registry.category("web_tour.tours").add("ar_ai_collections_worklist_tour", {
    steps: () => [
        {
            content: "Refresh the worklist",
            trigger: ".o_list_view button[name='action_refresh']",
            run: "click",
        },
        {
            content: "The customer is in 'Call now'",
            trigger:
                ".o_data_row:has(.o_data_cell[name='partner_id']:contains('Tour Worklist Customer')) .o_data_cell[name='tier']:contains('Call now')",
        },
        {
            content: "Switch to the kanban by tier",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The customer's card is in the 'Call now' column",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains('Call now')) .o_kanban_record:contains('Tour Worklist Customer')",
        },
        {
            content: "Back to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Log a call",
            trigger:
                ".o_data_row:has(.o_data_cell[name='partner_id']:contains('Tour Worklist Customer')) button[name='action_log_call']",
            run: "click",
        },
        {
            content: "The customer promised to pay",
            trigger: ".modal div[name='outcome'] select",
            run: "selectByLabel Promise to pay",
        },
        {
            content: "Take notes",
            trigger: ".modal div[name='note'] textarea",
            run: "edit Will pay the whole balance next week.",
        },
        {
            content: "Log the call",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The promise form opens with the overdue invoice",
            trigger: ".o_form_view div[name='move_ids'] .o_tag",
        },
        {
            content: "Promised date",
            trigger: ".o_form_view div[name='promised_date'] input",
            run: `edit ${PROMISED_DATE}`,
        },
        {
            content: "Confirm the promise",
            trigger: ".o_form_view button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The promise is open",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Open')",
        },
    ],
});
