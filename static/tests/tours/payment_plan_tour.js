/** @odoo-module **/
// A customer proposes a payment plan from the signed portal link; the collector then
// sees it on the worklist line.
import { registry } from "@web/core/registry";

const { DateTime } = luxon;
const day = (days) => DateTime.now().plus({ days }).toFormat("yyyy-MM-dd");
// A native date input: set its value (hoot's "edit" reads the empty date first).
const setDate = (days) =>
    function (helpers) {
        helpers.anchor.value = day(days);
    };

registry.category("web_tour.tours").add("ar_ai_collections_payment_plan_portal_tour", {
    steps: () => [
        {
            content: "Open the payment plan form",
            trigger: ".o_ai_collections_portal .o_ai_plan_btn",
            run: "click",
        },
        {
            content: "First instalment: date",
            trigger: ".o_ai_plan_form.show input[name=date_1]",
            run: setDate(10),
        },
        {
            content: "First instalment: amount",
            trigger: ".o_ai_plan_form.show input[name=amount_1]",
            run: "edit 400",
        },
        {
            content: "Second instalment: date",
            trigger: ".o_ai_plan_form.show input[name=date_2]",
            run: setDate(40),
        },
        {
            content: "Second instalment: amount",
            trigger: ".o_ai_plan_form.show input[name=amount_2]",
            run: "edit 400",
        },
        {
            content: "Send the plan",
            trigger: ".o_ai_plan_form.show button[type=submit]",
            run: "click",
        },
        {
            content: "The plan is acknowledged",
            trigger: ".o_ai_collections_portal .o_ai_done_plan",
        },
        {
            content: "The invoice shows the plan",
            trigger: ".o_ai_collections_portal .o_ai_answer:contains('plan proposed')",
        },
    ],
});

registry.category("web_tour.tours").add("ar_ai_collections_payment_plan_worklist_tour", {
    steps: () => [
        {
            content: "Refresh the worklist",
            trigger: ".o_list_view button[name='action_refresh']",
            run: "click",
        },
        {
            content: "The customer's line shows the proposed plan",
            trigger:
                ".o_data_row:has(.o_data_cell[name='partner_id']:contains('Tour Plan Customer')) .o_data_cell[name='answer']:contains('plan proposed')",
        },
    ],
});
