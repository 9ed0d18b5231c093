from odoo import api, fields, models

from .ai_collection_answer_mixin import notify_answer
from .cron_isolation import run_isolated


class AiCollectionPaymentPlan(models.Model):
    """The payment plans' daily follow-up: each instalment paid or late against the
    payments received since the approval, the plan kept or broken, the customer
    reminded before each instalment. The check also runs at once on the plans of the
    invoices a payment settles (payment_answer.py)."""

    _inherit = "ai.collection.payment.plan"

    @api.model
    def _cron_check_plans(self):
        """Daily: measure the active plans' instalments, then send the reminders."""
        run_isolated(
            self.search([("state", "=", "active")]),
            self.env._("Payment plan check"),
            lambda plans: plans._check_instalments(),
        )
        run_isolated(
            self.search([("state", "=", "active")]),
            self.env._("Payment plan reminders"),
            lambda plans: plans._send_reminders(),
        )
        return True

    def _check_instalments(self):
        """Each instalment is paid once the payments since the approval reach the sum
        of the instalments up to it, else late past its date; a plan is kept when all
        are paid (or its invoices are), broken when one is late beyond the grace days."""
        today = fields.Date.context_today(self)
        # Active ones only: a payment may have closed a plan since the cron read them.
        for plan in self.filtered(lambda p: p.state == "active"):
            currency = plan.currency_id
            residual = sum(plan.invoice_ids.mapped("amount_residual"))
            paid = max(plan.residual_at_approval - residual, 0.0)
            grace = plan._plan_settings().ai_plan_grace_days
            cumulative, broken = 0.0, False
            for line in plan.line_ids.sorted(lambda line: (line.date_due, line.id)):
                covered = min(max(paid - cumulative, 0.0), line.amount)
                cumulative += line.amount
                if currency.is_zero(residual) or currency.compare_amounts(paid, cumulative) >= 0:
                    state = "paid"
                else:
                    state = "late" if line.date_due < today else "pending"
                    broken |= fields.Date.add(line.date_due, days=grace) < today
                line.write({"state": state, "amount_covered": currency.round(covered)})
            vals = {"amount_paid": paid}
            if all(line.state == "paid" for line in plan.line_ids):
                vals.update(state="kept", date_closed=today)
            elif broken:
                vals.update(state="broken", date_closed=today)
            plan.write(vals)
            if plan.state == "kept":
                plan.message_post(body=self.env._("Payment plan kept: every instalment is paid."))
            elif plan.state == "broken":
                plan._escalate_broken()
        self._refresh_worklist()

    def _escalate_broken(self):
        self.ensure_one()
        body = self.env._(
            "Payment plan broken: %(progress)s, an instalment is late beyond the grace days. "
            "The invoices are released to the next dunning level.",
            progress=self.progress,
        )
        self.message_post(body=body)
        self.partner_id.message_post(body=body)
        notify_answer(
            self, self.user_id, self.env._("Broken payment plan: %(name)s", name=self.name), body
        )

    def _send_reminders(self):
        """Mail the customer its next instalment, ``ai_plan_reminder_days`` before it."""
        today = fields.Date.context_today(self)
        for plan in self:
            line = plan.next_instalment_id
            days = plan._plan_settings().ai_plan_reminder_days
            if line and not line.reminder_date and (line.date_due - today).days <= days:
                plan._mail_customer("ar_ai_collections.mail_template_ai_plan_reminder")
                line.reminder_date = today
