from odoo import api, fields, models
from odoo.exceptions import UserError

OUTCOME_SELECTION = [
    ("sent", "Done"),
    ("skipped", "Skipped"),
    ("queued_review", "Waiting for Review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("error", "Error"),
]
# Outcomes that count as an execution of (invoice, level): at most one each.
EXECUTED_OUTCOMES = ("sent", "queued_review", "approved", "rejected", "error")
# Outcomes that count as a contact for the rolling 7-day frequency cap.
CONTACT_OUTCOMES = ("sent", "approved")

SKIP_REASON_SELECTION = [
    ("frequency_cap", "Contact limit reached (7 days)"),
    ("quiet_hours", "Outside business hours"),
    ("do_not_contact", "Do not contact"),
    ("excluded", "Customer excluded"),
    ("manual_mode", "Manual follow-up"),
    ("dispute", "Invoice in dispute"),
    ("promise", "Open promise to pay"),
    ("engaged", "Customer engaged (part payment or reply)"),
    ("no_followup", "No follow-up on invoice"),
    ("min_amount", "Below minimum overdue amount"),
    ("unreconciled_payment", "Unreconciled payment on account"),
]


class AiDunningLog(models.Model):
    """Audit trail: one line per decision of the dunning run for one invoice and level.

    Executed decisions are unique per (invoice, level) (partial unique index, see
    ``init``): the run records a batch's executed levels with ``INSERT ... ON
    CONFLICT DO NOTHING`` and rolls the batch's actions back if one was recorded
    meanwhile, so a level is never executed twice for the same invoice, even by
    two concurrent runs. Skips are recorded once per (invoice, level, reason).

    A run inserts up to one line per open invoice: only columns that queries
    filter on selectively are indexed (invoice, customer, date, outcome), and the
    user who ran it is ``create_uid``. Each index and foreign key costs every insert.
    """

    _name = "ai.dunning.log"
    _description = "Dunning Log"
    _order = "date desc, id desc"
    _rec_name = "move_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    date = fields.Datetime(required=True, index=True, readonly=True, default=fields.Datetime.now)
    run_uuid = fields.Char(string="Run", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    recipient_id = fields.Many2one("res.partner", readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    level_id = fields.Many2one(
        "ai.dunning.level",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    tone = fields.Selection(related="level_id.tone", store=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    risk_band = fields.Char(readonly=True)
    days_overdue = fields.Integer(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    action = fields.Char(readonly=True, help="Actions performed: email, letter, activity, stop.")
    outcome = fields.Selection(OUTCOME_SELECTION, required=True, index=True, readonly=True)
    reason = fields.Selection(SKIP_REASON_SELECTION, readonly=True)
    note = fields.Text(readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)
    approved_date = fields.Datetime(readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Email", readonly=True, ondelete="set null")
    mail_retry_count = fields.Integer(readonly=True)
    paid_within_window = fields.Boolean(
        readonly=True,
        help="Set by the outcome job: the invoice was paid within the company's payment "
        "window after this action.",
    )
    paid_date = fields.Date(readonly=True)

    def init(self):
        res = super().init()
        cr = self.env.cr
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS ai_dunning_log_move_level_exec_uniq
                ON ai_dunning_log (move_id, level_id)
                WHERE outcome <> 'skipped'
            """
        )
        cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS ai_dunning_log_move_level_skip_uniq
                ON ai_dunning_log (move_id, level_id, reason)
                WHERE outcome = 'skipped'
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS ai_dunning_log_partner_contact_idx
                ON ai_dunning_log (partner_id, date)
                WHERE outcome IN ('sent', 'approved')
            """
        )
        return res

    @api.depends("move_id", "level_id")
    def _compute_display_name(self):
        for log in self:
            log.display_name = f"{log.move_id.name or ''} - {log.level_id.name or ''}"

    def action_approve(self):
        """Approve queued reviews: execute their level now, as the approving manager."""
        # Write access on the log is the Collections Managers'; the record rules keep
        # each manager to the lines of their own companies.
        self.check_access("write")
        pending = self.filtered(lambda log: log.outcome == "queued_review")
        if not pending:
            raise UserError(self.env._("Select lines waiting for review."))
        self.env["ai.dunning.run"]._execute_reviewed(pending)
        return True

    def action_reject(self):
        """Reject queued reviews: the level is not executed for these invoices."""
        self.check_access("write")
        pending = self.filtered(lambda log: log.outcome == "queued_review")
        pending.write(
            {
                "outcome": "rejected",
                "approved_by_id": self.env.user.id,
                "approved_date": fields.Datetime.now(),
            }
        )
        return True

    @api.model
    def _cron_compute_outcomes(self):
        """Flag executed actions followed by full payment within the company's window."""
        self.env.cr.execute(
            """
            UPDATE ai_dunning_log l
               SET paid_within_window = (
                       m.payment_state IN ('paid', 'in_payment', 'reversed')
                       AND pay.paid_date <= (
                           l.date::date + COALESCE(c.ai_dunning_payment_window_days, 14))
                   ),
                   paid_date = pay.paid_date
              FROM account_move m
              JOIN res_company c ON c.id = m.company_id
              LEFT JOIN LATERAL (
                   SELECT MAX(pr.max_date) AS paid_date
                     FROM account_move_line aml
                     JOIN account_partial_reconcile pr ON pr.debit_move_id = aml.id
                    WHERE aml.move_id = m.id
              ) pay ON TRUE
             WHERE l.move_id = m.id
               AND l.outcome IN ('sent', 'approved')
               AND l.date >= NOW() - INTERVAL '400 days'
            """
        )
        self.invalidate_model(["paid_within_window", "paid_date"])
