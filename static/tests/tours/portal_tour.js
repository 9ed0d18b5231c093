/** @odoo-module **/
// A customer disputes an invoice from the signed portal link.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_ai_collections_portal_tour", {
    steps: () => [
        {
            content: "The customer's open invoice is listed",
            trigger: ".o_ai_collections_portal td.o_ai_move_name:contains('INV/')",
        },
        {
            content: "The invoice PDF is served behind the signed link itself",
            trigger: ".o_ai_collections_portal a.o_ai_pdf_link[href^='/ai_collections/portal/']",
        },
        {
            content: "Open the dispute form",
            trigger: ".o_ai_collections_portal .o_ai_dispute_btn",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".o_ai_dispute_form.show select[name=category]",
            run: "select goods_damaged",
        },
        {
            content: "Describe the problem",
            trigger: ".o_ai_dispute_form.show textarea[name=message]",
            run: "edit Two boxes arrived crushed.",
        },
        {
            content: "Send the dispute",
            trigger: ".o_ai_dispute_form.show button[type=submit]",
            run: "click",
        },
        {
            content: "The dispute is acknowledged",
            trigger: ".o_ai_collections_portal .o_ai_done_dispute",
        },
    ],
});
