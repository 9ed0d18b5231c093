/** @odoo-module */

import { registry } from "@web/core/registry";

const ROW = ".o_data_row:has(.o_data_cell[name='partner_id']:contains('Tour Roles Customer'))";
const COLLECTIONS = "[data-menu-xmlid='ar_ai_collections.collections_menu_root']";

// A collector (or a manager) clicks every action of a worklist line; none may end
// in an error (an access error dialog fails the tour).
registry.category("web_tour.tours").add("ar_ai_collections_roles_worklist_tour", {
    steps: () => [
        {
            content: "Collections is in the Invoicing menu",
            trigger: `.o_menu_sections ${COLLECTIONS}`,
        },
        {
            content: "Refresh the worklist",
            trigger: ".o_list_view button[name='action_refresh']",
            run: "click",
        },
        {
            content: "Escalate the customer",
            trigger: `${ROW} button[name='action_escalate']`,
            run: "click",
        },
        {
            content: "Escalated: the button is gone",
            trigger: `${ROW}:not(:has(button[name='action_escalate']))`,
        },
        {
            content: "Log a call",
            trigger: `${ROW} button[name='action_log_call']`,
            run: "click",
        },
        {
            content: "Nobody answered",
            trigger: ".modal div[name='outcome'] select",
            run: "selectByLabel No answer / voicemail",
        },
        {
            content: "Log the call",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "Record a promise",
            trigger: `body:not(:has(.modal)) ${ROW} button[name='action_record_promise']`,
            run: "click",
        },
        {
            content: "The promise form opens with the overdue invoice",
            trigger: ".o_form_view div[name='move_ids'] .o_tag",
        },
        {
            content: "Back to the worklist",
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        {
            content: "Raise a dispute",
            trigger: `.o_list_view ${ROW} button[name='action_raise_dispute']`,
            run: "click",
        },
        {
            content: "The dispute form opens with the overdue invoice",
            trigger: ".o_form_view div[name='move_ids'] .o_tag",
        },
        {
            content: "Back to the worklist",
            trigger: ".o_form_view .o_form_button_cancel",
            run: "click",
        },
        {
            content: "Select the line",
            trigger: `.o_list_view ${ROW} .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Assign it to me",
            trigger: ".o_list_view button[name='action_assign_to_me']",
            run: "click",
        },
        {
            content: "Assigned",
            trigger: `${ROW} .o_data_cell[name='user_id']:contains('Tour Roles')`,
        },
        {
            content: "Select the line again",
            trigger: `.o_list_view ${ROW} .o_list_record_selector input:not(:checked)`,
            run: "click",
        },
        {
            content: "Snooze it a week",
            trigger: ".o_list_view button[name='action_snooze']",
            run: "click",
        },
        {
            content: "Snoozed: watched, no call",
            trigger: `${ROW} .o_data_cell[name='tier']:contains('Watch')`,
        },
        {
            content: "Open the line in the kanban by tier",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "Log a call from the card",
            trigger: ".o_kanban_record:contains('Tour Roles Customer') button[name='action_log_call']",
            run: "click",
        },
        {
            content: "Close the call wizard",
            trigger: ".modal .modal-footer button:contains('Cancel')",
            run: "click",
        },
        {
            content: "No error on the way",
            trigger: "body:not(:has(.modal)):not(:has(.o_error_dialog)) .o_kanban_view",
        },
    ],
});

// A plain invoicing user works the invoices without any Collections menu.
registry.category("web_tour.tours").add("ar_ai_collections_roles_invoicing_tour", {
    steps: () => [
        {
            content: "The Invoicing menu is loaded",
            trigger: ".o_menu_sections [data-menu-xmlid='account.menu_finance_receivables']",
        },
        {
            content: "There is no Collections menu",
            trigger: `.o_menu_sections:not(:has(${COLLECTIONS}))`,
        },
        {
            content: "The invoices open",
            trigger: ".o_list_view .o_data_row:contains('Tour Roles Customer')",
        },
    ],
});
