from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from .account_move import OPEN_INVOICE_DOMAIN_TERMS
from .ai_collection_answer_mixin import CUSTOMER_SOURCES, fallback_collector
from .cron_isolation import run_isolated

PROMISE_STATE_SELECTION = [
    ("draft", "Draft"),
    ("open", "Open"),
    ("kept", "Kept"),
    ("partial", "Partly kept"),
    ("broken", "Broken"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]


class AiCollectionPromise(models.Model):
    """A customer's promise to pay an amount by a date, for some invoices.

    A confirmed (open) promise flags its invoices (``ai_has_open_promise``) so that
    dunning leaves them alone; so does a draft the customer made itself (portal,
    classified reply) until a collector confirms or rejects it in one click, the
    customer being told by mail either way. A broken promise keeps ``state`` and
    ``date_closed``: the dunning run resumes the ladder from that day.

    The daily check compares the payments received on the invoices since the promise
    was confirmed with the promised amount: the promise is kept, partly kept or
    broken; partly kept and broken promises clear the flag and escalate to the
    collector (activity + chatter message), and the customer's promise-kept rate is
    updated.
    """

    _name = "ai.collection.promise"
    _description = "Promise to Pay"
    _inherit = ["ai.collection.case.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "promised_date desc, id desc"
    _check_company_auto = True
    _case_move_flag = "ai_has_open_promise"
    _case_sequence = "ai.collection.promise"

    move_ids = fields.Many2many(
        "account.move",
        "ai_collection_promise_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain=f"[{OPEN_INVOICE_DOMAIN_TERMS}, ('commercial_partner_id', '=', partner_id)]",
    )
    amount = fields.Monetary(string="Promised Amount")
    promised_date = fields.Date(required=True, index=True, tracking=True)
    state = fields.Selection(
        PROMISE_STATE_SELECTION,
        required=True,
        default="draft",
        index=True,
        tracking=True,
        copy=False,
    )
    amount_paid = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Payments received on the invoices since the promise was confirmed, "
        "as of the last daily check.",
    )
    residual_at_confirm = fields.Monetary(
        string="Due at Confirmation",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Amount due on the invoices when the promise was confirmed: payments are "
        "measured against it.",
    )
    date_confirmed = fields.Date(readonly=True, copy=False)
    date_closed = fields.Date(readonly=True, copy=False)
    note = fields.Text()

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------
    @api.constrains("amount")
    def _check_amount(self):
        for promise in self:
            if promise.amount <= 0:
                raise ValidationError(self.env._("The promised amount must be positive."))

    @api.constrains("promised_date", "company_id")
    def _check_promised_date(self):
        for promise in self:
            promise.company_id._ai_check_in_horizon(
                promise.promised_date,
                promise._fields["promised_date"]._description_string(self.env),
            )

    def _case_amount_bound(self):
        # Once confirmed, the promise is measured against what was due then.
        self.ensure_one()
        if self.state != "draft" and self.residual_at_confirm:
            return (
                self.residual_at_confirm,
                self.env._("what was due on its invoices when it was confirmed"),
            )
        return super()._case_amount_bound()

    @api.constrains("partner_id", "move_ids")
    def _check_moves_partner(self):
        for promise in self:
            commercial = promise.partner_id.commercial_partner_id
            if any(move.commercial_partner_id != commercial for move in promise.move_ids):
                raise ValidationError(
                    self.env._("All invoices of a promise must belong to its customer.")
                )
            if any(not move.is_sale_document(include_receipts=True) for move in promise.move_ids):
                raise ValidationError(self.env._("A promise to pay covers customer invoices only."))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.ondelete(at_uninstall=False)
    def _unlink_except_open(self):
        if any(promise.state not in ("draft", "rejected", "cancelled") for promise in self):
            raise UserError(
                self.env._("Only draft, rejected or cancelled promises can be deleted.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Open the promise: flag its invoices so that dunning pauses them."""
        self.check_access("write")
        for promise in self:
            if promise.state != "draft":
                raise UserError(self.env._("Only draft promises can be confirmed."))
            if not promise.move_ids:
                raise UserError(self.env._("Select the invoices the customer promises to pay."))
        today = fields.Date.context_today(self)
        for promise in self:
            promise.write(
                {
                    "state": "open",
                    "date_confirmed": today,
                    "residual_at_confirm": sum(promise.move_ids.mapped("amount_residual_signed")),
                    "amount_paid": 0.0,
                }
            )
        self._sync_move_flags(self.move_ids)
        self._refresh_worklist()
        self._answer_customer("ar_ai_collections.mail_template_ai_promise_confirmed")
        return True

    def action_reject(self):
        """Reject the customer's promise (not credible, date too far): dunning resumes,
        the customer is told by mail."""
        self.check_access("write")
        if any(promise.state != "draft" for promise in self):
            raise UserError(self.env._("Only promises to confirm can be rejected."))
        self.write({"state": "rejected", "date_closed": fields.Date.context_today(self)})
        self._sync_move_flags(self.move_ids)
        self._refresh_worklist()
        self._answer_customer("ar_ai_collections.mail_template_ai_promise_rejected")
        return True

    def action_cancel(self):
        """Cancel the promise and release its invoices."""
        self.check_access("write")
        self.write({"state": "cancelled", "date_closed": fields.Date.context_today(self)})
        self._sync_move_flags(self.move_ids)
        self._refresh_worklist()
        return True

    def action_draft(self):
        """Back to draft (cancelled or rejected promises)."""
        self.check_access("write")
        if any(promise.state not in ("cancelled", "rejected") for promise in self):
            raise UserError(
                self.env._("Only cancelled or rejected promises can be reset to draft.")
            )
        self.write({"state": "draft", "date_closed": False})
        self._sync_move_flags(self.move_ids)
        return True

    def action_check_now(self):
        """Run the payment check on these promises now (same logic as the daily cron)."""
        self.check_access("write")
        self.filtered(lambda p: p.state == "open")._check_payments(force_due=False)
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_promises(self):
        """Daily: compare open promises with the payments received (kept/partial/broken).

        A promise that cannot be checked (a corrupt date or amount) is skipped and
        reported to a manager; the others are checked.
        """
        run_isolated(
            self.search([("state", "=", "open")]),
            self.env._("Promise check"),
            lambda promises: promises._check_payments(force_due=False),
        )
        return True

    def _check_payments(self, force_due=False):
        """Measure payments and close the promises that are kept or past their date.

        A promise is *kept* as soon as the payments reach the promised amount (minus
        the company currency rounding). Past ``promised_date`` plus the company's
        grace days, a promise with some payment is *partly kept*, without any is
        *broken*. ``force_due`` treats every promise as past due (tests, manual check).
        """
        today = fields.Date.context_today(self)
        closed = self.browse()
        # Open ones only: a payment may have closed a promise since the cron read them.
        for promise in self.filtered(lambda p: p.state == "open"):
            residual = sum(promise.move_ids.mapped("amount_residual_signed"))
            paid = max(promise.residual_at_confirm - residual, 0.0)
            currency = promise.currency_id
            vals = {"amount_paid": paid}
            grace = promise.company_id.ai_promise_grace_days
            due = force_due or fields.Date.add(promise.promised_date, days=grace) < today
            if currency.compare_amounts(paid, promise.amount) >= 0 or currency.is_zero(residual):
                vals["state"] = "kept"
            elif due:
                vals["state"] = "partial" if not currency.is_zero(paid) else "broken"
            if vals.get("state"):
                vals["date_closed"] = today
                closed |= promise
            promise.write(vals)
        if closed:
            self._sync_move_flags(closed.move_ids)
            closed.filtered(lambda p: p.state in ("partial", "broken"))._escalate()
            for promise in closed.filtered(lambda p: p.state == "kept"):
                promise.message_post(
                    body=self.env._("Promise kept: the promised payment was received.")
                )
            closed.partner_id._ai_update_promise_stats()
            closed._refresh_worklist()
        return closed

    def _answer_text(self):
        """What the customer answered, for the worklist and the portal page."""
        self.ensure_one()
        when = format_date(self.env, self.promised_date, date_format="dd/MM")
        if self.state == "draft":
            return self.env._("promised for %(date)s (to confirm)", date=when)
        return self.env._("promised for %(date)s", date=when)

    def _answer_customer(self, template_xmlid):
        """The collector decided on the customer's own promises: mail the customer
        (kept in the chatter) and close the collector's to-do."""
        answers = self.filtered(lambda promise: promise.source in CUSTOMER_SOURCES)
        answers._mail_customer(template_xmlid)
        answers.activity_feedback(["mail.mail_activity_data_todo"])

    def _escalate(self):
        """Broken or partly kept promise: chatter message + activity for the collector."""
        for promise in self:
            if promise.state == "broken":
                summary = self.env._("Broken promise to pay: %(name)s", name=promise.name)
                body = self.env._(
                    "Promise broken: no payment received by %(date)s. The invoices are "
                    "released to the next dunning level.",
                    date=promise.promised_date,
                )
            else:
                summary = self.env._("Partly kept promise: %(name)s", name=promise.name)
                body = self.env._(
                    "Promise partly kept: %(paid)s received of %(amount)s promised. The "
                    "invoices are released to the next dunning level.",
                    paid=promise.currency_id.format(promise.amount_paid),
                    amount=promise.currency_id.format(promise.amount),
                )
            promise.message_post(body=body)
            promise.partner_id.message_post(body=body)
            promise.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=body,
                user_id=(
                    promise.user_id
                    or promise.partner_id.ai_collector_id
                    or fallback_collector(self.env, promise.company_id)
                ).id,
            )
