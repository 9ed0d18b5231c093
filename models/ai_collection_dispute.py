from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ar_ai_collections.constants import DISPUTE_CATEGORIES, DISPUTE_CATEGORY_LABELS
from .ai_collection_answer_mixin import fallback_collector

CATEGORY_SELECTION = [(key, DISPUTE_CATEGORY_LABELS[key]) for key in DISPUTE_CATEGORIES]
DISPUTE_STATE_SELECTION = [
    ("draft", "Draft"),
    ("open", "Open"),
    ("resolved", "Resolved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]


class AiCollectionDispute(models.Model):
    """A customer's dispute on some invoices.

    While open, its invoices are flagged ``ai_in_dispute`` (dunning pauses them) and
    its collector (``user_id``) gets an activity. The flag is cleared as soon as no open
    dispute remains on the invoice. ``resolve_days`` (time to resolve) feeds the
    reporting and the risk features.
    """

    _name = "ai.collection.dispute"
    _description = "Invoice Dispute"
    _inherit = ["ai.collection.case.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_opened desc, id desc"
    _check_company_auto = True
    _case_move_flag = "ai_in_dispute"
    _case_sequence = "ai.collection.dispute"

    move_ids = fields.Many2many(
        "account.move",
        "ai_collection_dispute_move_rel",
        "dispute_id",
        "move_id",
        string="Invoices",
        check_company=True,
        # Any posted customer invoice, not only open ones: a paid invoice can be
        # disputed too (already paid, duplicate, see _case_amount_bound).
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('commercial_partner_id', '=', partner_id)]",
    )
    amount = fields.Monetary(string="Disputed Amount")
    category = fields.Selection(CATEGORY_SELECTION, required=True, default="other", tracking=True)
    description = fields.Text()
    state = fields.Selection(
        DISPUTE_STATE_SELECTION,
        required=True,
        default="draft",
        index=True,
        tracking=True,
        copy=False,
    )
    resolution = fields.Text(tracking=True)
    date_opened = fields.Date(readonly=True, copy=False, index=True)
    date_resolved = fields.Date(readonly=True, copy=False)
    resolve_days = fields.Integer(
        string="Days to Resolve",
        compute="_compute_resolve_days",
        store=True,
        aggregator="avg",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("date_opened", "date_resolved")
    def _compute_resolve_days(self):
        for dispute in self:
            if dispute.date_opened and dispute.date_resolved:
                dispute.resolve_days = (dispute.date_resolved - dispute.date_opened).days
            else:
                dispute.resolve_days = 0

    def _case_amount_bound(self):
        # A paid invoice can be disputed too (already paid, duplicate): its total counts.
        self.ensure_one()
        return (
            sum(self.move_ids.mapped("amount_total_signed")),
            self.env._("the total of its invoices"),
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        res = super().write(vals)
        if vals.get("user_id"):
            # Re-route the open disputes' pending activities to the new collector.
            self.filtered(lambda d: d.state == "open").activity_ids.write(
                {"user_id": vals["user_id"]}
            )
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_open(self):
        if any(dispute.state not in ("draft", "cancelled") for dispute in self):
            raise UserError(self.env._("Only draft or cancelled disputes can be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Open the dispute: pause dunning on its invoices and route it to its collector."""
        self.check_access("write")
        if any(dispute.state != "draft" for dispute in self):
            raise UserError(self.env._("Only draft disputes can be opened."))
        if any(not dispute.move_ids for dispute in self):
            raise UserError(self.env._("Select the disputed invoices."))
        self.write({"state": "open", "date_opened": fields.Date.context_today(self)})
        self._sync_move_flags(self.move_ids)
        self._refresh_worklist()
        for dispute in self:
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "Resolve dispute %(name)s (%(category)s)",
                    name=dispute.name,
                    category=DISPUTE_CATEGORY_LABELS[dispute.category],
                ),
                note=dispute.description or "",
                user_id=(dispute.user_id or fallback_collector(self.env, dispute.company_id)).id,
            )
            body = self.env._(
                "Invoice disputed (%(name)s): reminders are paused until it is resolved.",
                name=dispute.name,
            )
            for move in dispute.move_ids:
                move.message_post(body=body)
        return True

    def action_resolve(self):
        """Resolved (e.g. credit note issued, copy sent): dunning resumes."""
        self.check_access("write")
        return self._close("resolved")

    def action_reject(self):
        """Rejected (the claim is not founded): dunning resumes."""
        self.check_access("write")
        return self._close("rejected")

    def action_cancel(self):
        """Cancelled (raised by mistake)."""
        self.check_access("write")
        return self._close("cancelled")

    def action_draft(self):
        """Back to draft (cancelled disputes only)."""
        self.check_access("write")
        if any(dispute.state != "cancelled" for dispute in self):
            raise UserError(self.env._("Only cancelled disputes can be reset to draft."))
        self.write({"state": "draft", "date_opened": False, "date_resolved": False})
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _answer_text(self):
        """What the customer answered, for the worklist and the portal page."""
        return self.env._("disputed")

    def _close(self, state):
        if state in ("resolved", "rejected") and any(d.state != "open" for d in self):
            raise UserError(self.env._("Only open disputes can be resolved or rejected."))
        self.write({"state": state, "date_resolved": fields.Date.context_today(self)})
        self._sync_move_flags(self.move_ids)
        self._refresh_worklist()
        self.activity_feedback(["mail.mail_activity_data_todo"])
        return True
