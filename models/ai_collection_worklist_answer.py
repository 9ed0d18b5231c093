from odoo import api, fields, models

from ..ar_ai_collections.constants import STANDING_CASE_STATES
from .ai_collection_payment_plan import PLAN_ACTIVE_STATES
from .payment_answer import payment_answer_text, recent_payment_domain

#: The customer answers a worklist line shows, with the states in which they stand.
ANSWER_MODELS = (
    ("ai.collection.payment.plan", PLAN_ACTIVE_STATES),
    ("ai.collection.promise", STANDING_CASE_STATES),
    ("ai.collection.dispute", STANDING_CASE_STATES),
)


class AiCollectionWorklist(models.Model):
    """The customer's answers on its worklist line ("promised for 15/12", "plan 2/4
    paid", "disputed") and the collector's "Offer a Plan" button (kept apart from the
    line's stored figures, which the refresh rebuilds in SQL)."""

    _inherit = "ai.collection.worklist"

    answer = fields.Char(
        string="Customer Answer",
        compute="_compute_answer",
        help="Promises, payment plans and disputes of the customer still standing, and "
        "its recent payments.",
    )

    def _compute_answer(self):
        answers = self._customer_answers(self.partner_id, self.company_id)
        for line in self:
            line.answer = ", ".join(answers.get((line.partner_id.id, line.company_id.id), []))

    @api.model
    def _customer_answers(self, partners, companies):
        """``{(customer id, company id): [answer, ...]}``: the promises, plans and
        disputes still standing, and the payments recorded within the engagement
        window (the worklist line, the dunning preview)."""
        answers = {}

        def add(partner, company, text):
            texts = answers.setdefault((partner.id, company.id), [])
            if text not in texts:
                texts.append(text)

        for model, states in ANSWER_MODELS:
            records = self.env[model].search(
                [
                    ("partner_id", "in", partners.ids),
                    ("company_id", "in", companies.ids),
                    ("state", "in", states),
                ],
                order="id",
            )
            for record in records:
                add(record.partner_id, record.company_id, record._answer_text())
        for company in companies:
            paid = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    *recent_payment_domain(company),
                ],
                order="ai_last_payment_date desc, id desc",
            )
            for invoice in paid:
                add(invoice.commercial_partner_id, company, payment_answer_text(invoice))
        return answers

    def action_offer_plan(self):
        """A draft payment plan for this customer's overdue invoices, to adjust and approve."""
        self.ensure_one()
        self.check_access("write")
        moves = self._open_invoices()
        Plan = self.env["ai.collection.payment.plan"].with_company(self.company_id)
        values = Plan._offer_values(self.partner_id, self.company_id, moves) if moves else {}
        context = {f"default_{key}": value for key, value in values.items()}
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment Plan"),
            "res_model": "ai.collection.payment.plan",
            "view_mode": "form",
            "target": "current",
            "context": {
                **context,
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_source": "call",
            },
        }
