from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .account_move import OPEN_INVOICE_DOMAIN_TERMS
from .ai_collection_answer_mixin import notify_answer

PLAN_STATE_SELECTION = [
    ("draft", "Draft"),
    ("proposed", "To Approve"),
    ("active", "Active"),
    ("kept", "Kept"),
    ("broken", "Broken"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
#: States in which a plan holds the dunning ladder of its invoices ("plan_active").
PLAN_ACTIVE_STATES = ("proposed", "active")
#: Highest number of instalments any company may allow (the setting's upper bound).
MAX_INSTALMENTS = 120


class AiCollectionPaymentPlan(models.Model):
    """A payment plan: the customer pays some invoices in instalments.

    **Active** (what the dunning run reads as ``plan_active``): ``state`` in
    :data:`PLAN_ACTIVE_STATES`, i.e. proposed by the customer and awaiting a
    collector, or approved and neither kept, broken, rejected nor cancelled. Its
    ``invoice_ids`` are off the ladder while it is active; a broken plan has
    ``state = 'broken'`` and ``date_closed`` (the day the ladder resumes).

    The customer proposes it from the portal (within the company's limits, see
    :meth:`_check_plan_limits`) or a collector offers it from the worklist; a
    collector approves it in one click, or it is approved at once when its total is
    at most the company's ``ai_plan_auto_approve_amount``. The daily check compares
    the payments received on its invoices since the approval with the cumulative
    instalments, like a promise: each instalment is paid, or late past its date; the
    plan is kept when all are paid and broken when one is late beyond the grace days.
    A reminder (mail template) goes to the customer a few days before each instalment.
    """

    _name = "ai.collection.payment.plan"
    _description = "Payment Plan"
    _inherit = ["ai.collection.answer.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_proposed desc, id desc"
    _check_company_auto = True
    _case_sequence = "ai.collection.payment.plan"

    invoice_ids = fields.Many2many(
        "account.move",
        "ai_collection_payment_plan_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain=f"[{OPEN_INVOICE_DOMAIN_TERMS}, ('commercial_partner_id', '=', partner_id)]",
    )
    line_ids = fields.One2many(
        "ai.collection.payment.plan.line", "plan_id", string="Instalments", copy=True
    )
    state = fields.Selection(
        PLAN_STATE_SELECTION, required=True, default="draft", index=True, tracking=True, copy=False
    )
    user_id = fields.Many2one("res.users", string="Collector", index=True, tracking=True)
    currency_id = fields.Many2one(
        "res.currency",
        related=False,  # not the mixin's company currency
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        help="Currency of its invoices: the plan is entered, paid and measured in it.",
    )
    amount_total = fields.Monetary(
        string="Plan Total", currency_field="currency_id", compute="_compute_amounts", store=True
    )
    instalment_count = fields.Integer(compute="_compute_amounts", store=True)
    paid_count = fields.Integer(string="Instalments Paid", compute="_compute_amounts", store=True)
    progress = fields.Char(compute="_compute_amounts", store=True, help="e.g. 2/4 paid")
    next_instalment_id = fields.Many2one(
        "ai.collection.payment.plan.line", compute="_compute_next_instalment"
    )
    residual_at_approval = fields.Monetary(
        string="Due at Approval",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        help="Amount due on the invoices when the plan was approved: payments are "
        "measured against it.",
    )
    amount_paid = fields.Monetary(currency_field="currency_id", readonly=True, copy=False)
    date_proposed = fields.Date(
        required=True, readonly=True, copy=False, default=fields.Date.context_today
    )
    date_approved = fields.Date(readonly=True, copy=False)
    date_closed = fields.Date(readonly=True, copy=False)
    note = fields.Text()

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------
    @api.depends("invoice_ids", "company_id")
    def _compute_currency_id(self):
        for plan in self:
            plan.currency_id = plan.invoice_ids.currency_id[:1] or plan.company_id.currency_id

    @api.depends("line_ids.amount", "line_ids.state")
    def _compute_amounts(self):
        for plan in self:
            plan.amount_total = sum(plan.line_ids.mapped("amount"))
            plan.instalment_count = len(plan.line_ids)
            plan.paid_count = len(plan.line_ids.filtered(lambda line: line.state == "paid"))
            plan.progress = self.env._(
                "%(paid)s/%(count)s paid", paid=plan.paid_count, count=plan.instalment_count
            )

    @api.depends("line_ids.state", "line_ids.date_due")
    def _compute_next_instalment(self):
        for plan in self:
            unpaid = plan.line_ids.filtered(lambda line: line.state != "paid")
            plan.next_instalment_id = unpaid.sorted("date_due")[:1]

    @api.constrains("partner_id", "invoice_ids", "line_ids")
    def _check_plan(self):
        for plan in self:
            commercial = plan.partner_id.commercial_partner_id
            if any(move.commercial_partner_id != commercial for move in plan.invoice_ids):
                raise ValidationError(
                    self.env._("All invoices of a payment plan must belong to its customer.")
                )
            if any(not move.is_sale_document() for move in plan.invoice_ids):
                raise ValidationError(self.env._("A payment plan covers customer invoices only."))
            if len(plan.invoice_ids.currency_id) > 1:
                raise ValidationError(
                    self.env._(
                        "A payment plan covers invoices in one currency (these are in "
                        "%(currencies)s): make one plan per currency.",
                        currencies=", ".join(plan.invoice_ids.currency_id.mapped("name")),
                    )
                )
        self._check_plan_limits()

    def _check_plan_limits(self, from_today=False):
        """Raise a ValidationError naming the limit (Settings > Payment Plans) a plan
        exceeds: number of instalments, smallest instalment (all but the last), dates
        (distinct, within the promise horizon, at most the longest plan after the
        proposal, and from today on when ``from_today``), total at most what is due."""
        for plan in self.filtered(lambda p: p.state in ("draft", "proposed", "active")):
            company, currency = plan.company_id, plan.currency_id
            lines = plan.line_ids.sorted(lambda line: (line.date_due, line.id))
            limits = plan._plan_settings()
            minimum = plan._from_company_currency(limits.ai_plan_min_instalment)
            if len(lines) > min(limits.ai_plan_max_instalments, MAX_INSTALMENTS):
                raise ValidationError(
                    self.env._(
                        "A payment plan has at most %(count)s instalments.",
                        count=limits.ai_plan_max_instalments,
                    )
                )
            first = fields.Date.context_today(self) if from_today else None
            last = fields.Date.add(plan.date_proposed, days=limits.ai_plan_max_days)
            for position, line in enumerate(lines, start=1):
                label = self.env._("Instalment %(position)s", position=position)
                company._ai_check_in_horizon(line.date_due, label)
                if (first and line.date_due < first) or line.date_due > last:
                    raise ValidationError(
                        self.env._(
                            "%(label)s is due on %(date)s: it must be between %(first)s and "
                            "%(last)s (longest plan: %(days)s days).",
                            label=label,
                            date=line.date_due,
                            first=first or plan.date_proposed,
                            last=last,
                            days=limits.ai_plan_max_days,
                        )
                    )
                if position < len(lines) and (currency.compare_amounts(line.amount, minimum) < 0):
                    raise ValidationError(
                        self.env._(
                            "%(label)s (%(amount)s) is below the smallest instalment "
                            "(%(minimum)s); only the last one may be smaller.",
                            label=label,
                            amount=currency.format(line.amount),
                            minimum=currency.format(minimum),
                        )
                    )
            if len(set(lines.mapped("date_due"))) < len(lines):
                raise ValidationError(self.env._("Two instalments cannot fall on the same day."))
            due = plan._amount_due()
            if plan.invoice_ids and currency.compare_amounts(plan.amount_total, due) > 0:
                raise ValidationError(
                    self.env._(
                        "The instalments (%(total)s) exceed what is due on the invoices (%(due)s).",
                        total=currency.format(plan.amount_total),
                        due=currency.format(due),
                    )
                )

    def _plan_settings(self):
        """The company, to read the Settings > Payment Plans of this plan."""
        self.ensure_one()
        # sudo: the limits bound what anyone proposes (portal visitor, mail gateway, cron).
        return self.company_id.sudo()

    def _from_company_currency(self, amount):
        """``amount`` of the company's Settings (its currency) in the plan's, at today's
        rate."""
        self.ensure_one()
        return self.company_id.currency_id._convert(
            amount, self.currency_id, self.company_id, fields.Date.context_today(self)
        )

    def _amount_due(self):
        """What the plan may cover (its currency): due on its invoices now, or when it
        was approved."""
        self.ensure_one()
        if self.state == "active" and self.residual_at_approval:
            return self.residual_at_approval
        return sum(self.invoice_ids.mapped("amount_residual"))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("partner_id") and "user_id" not in vals:
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["user_id"] = partner.commercial_partner_id.ai_collector_id.id
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_active(self):
        if any(plan.state not in ("draft", "rejected", "cancelled") for plan in self):
            raise UserError(
                self.env._("Only draft, rejected or cancelled payment plans can be deleted.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_approve(self):
        """Approve the plan: dunning pauses its invoices, the customer is told by mail."""
        self.check_access("write")
        if any(plan.state not in ("draft", "proposed") for plan in self):
            raise UserError(self.env._("Only draft or proposed payment plans can be approved."))
        if any(not plan.invoice_ids or not plan.line_ids for plan in self):
            raise UserError(self.env._("A payment plan needs invoices and instalments."))
        self._check_plan_limits(from_today=True)
        for plan in self:
            plan.write(
                {
                    "state": "active",
                    "date_approved": fields.Date.context_today(self),
                    "residual_at_approval": sum(plan.invoice_ids.mapped("amount_residual")),
                    "amount_paid": 0.0,
                }
            )
        self._close_answer_activities()
        self._mail_customer("ar_ai_collections.mail_template_ai_plan_approved")
        self._refresh_worklist()
        return True

    def action_reject(self):
        """Reject the customer's proposal: dunning resumes, the customer is told by mail."""
        self.check_access("write")
        if any(plan.state not in ("draft", "proposed") for plan in self):
            raise UserError(self.env._("Only draft or proposed payment plans can be rejected."))
        self.write({"state": "rejected", "date_closed": fields.Date.context_today(self)})
        self._close_answer_activities()
        self.filtered(lambda plan: plan.source == "portal")._mail_customer(
            "ar_ai_collections.mail_template_ai_plan_rejected"
        )
        self._refresh_worklist()
        return True

    def action_cancel(self):
        """Cancel the plan (agreed with the customer): dunning resumes."""
        self.check_access("write")
        if any(plan.state not in ("draft", "proposed", "active") for plan in self):
            raise UserError(self.env._("Only running payment plans can be cancelled."))
        self.write({"state": "cancelled", "date_closed": fields.Date.context_today(self)})
        self._close_answer_activities()
        self._refresh_worklist()
        return True

    def action_draft(self):
        """Back to draft (rejected or cancelled plans)."""
        self.check_access("write")
        if any(plan.state not in ("rejected", "cancelled") for plan in self):
            raise UserError(self.env._("Only rejected or cancelled plans can be reset to draft."))
        self.write({"state": "draft", "date_closed": False})
        return True

    def action_check_now(self):
        """Run the daily check on these plans now."""
        self.check_access("write")
        self.filtered(lambda plan: plan.state == "active")._check_instalments()
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _propose(self):
        """The customer's proposal (portal, reply) arrived: approved at once under the
        company's threshold, else waiting for a collector, who gets a to-do."""
        self.write({"state": "proposed"})
        for plan in self:
            threshold = plan._plan_settings().ai_plan_auto_approve_amount
            threshold = threshold and plan._from_company_currency(threshold)
            if threshold and plan.currency_id.compare_amounts(plan.amount_total, threshold) <= 0:
                # sudo: approval under the company's threshold needs no collector.
                plan.sudo().action_approve()
                plan.message_post(
                    body=self.env._("Approved automatically: under the approval threshold.")
                )
            body = self.env._(
                "Payment plan proposed by the customer: %(count)s instalments, %(total)s. "
                "Reminders are paused meanwhile.",
                count=plan.instalment_count,
                total=plan.currency_id.format(plan.amount_total),
            )
            summary = (
                self.env._("Follow payment plan %(name)s", name=plan.name)
                if plan.state == "active"
                else self.env._("Approve or reject payment plan %(name)s", name=plan.name)
            )
            notify_answer(plan, plan.user_id, summary, body)
        self._refresh_worklist()

    def _answer_text(self):
        """What the customer answered, for the worklist and the portal page."""
        self.ensure_one()
        if self.state == "proposed":
            return self.env._("plan proposed (to approve)")
        return self.env._("plan %(progress)s", progress=self.progress)

    def _close_answer_activities(self):
        self.activity_feedback(["mail.mail_activity_data_todo"])

    @api.model
    def _offer_values(self, partner, company, moves, count=3):
        """A plan of ``count`` equal instalments, monthly or closer (within the company's
        limits), covering ``moves`` in the currency of the first one (one plan per
        currency): what a collector offers, or a hardship reply."""
        # sudo: the limits are read whoever offers the plan (mail gateway included).
        limits = company.sudo()
        currency = moves[:1].currency_id
        moves = moves.filtered(lambda move: move.currency_id == currency)
        today = fields.Date.context_today(self)
        due = currency.round(sum(moves.mapped("amount_residual")))
        minimum = company.currency_id._convert(
            limits.ai_plan_min_instalment, currency, company, today
        )
        count = max(1, min(count, limits.ai_plan_max_instalments))
        if minimum > 0:
            count = max(1, min(count, int(due // minimum)))
        interval = max(1, min(30, limits.ai_plan_max_days // count))
        share = currency.round(due / count)
        last = currency.round(due - share * (count - 1))
        lines = [
            fields.Command.create(
                {
                    "date_due": fields.Date.add(today, days=interval * (position + 1)),
                    "amount": share if position < count - 1 else last,
                }
            )
            for position in range(count)
        ]
        return {
            "partner_id": partner.id,
            "company_id": company.id,
            "invoice_ids": [fields.Command.set(moves.ids)],
            "line_ids": lines,
        }
