from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

# Mail failures about the address, not the server: retrying will not help.
ADDRESS_FAILURES = ("mail_email_invalid", "mail_email_missing", "mail_bounce")

# Reads each followed reminder's mail: its state, why it failed, whether a bounce
# came back for its recipient after it was queued (Odoo's bounce handling raises the
# recipient's counter; the line keeps the counter as it was when the mail was queued,
# so that an older bounce never marks a newer mail; lines without it are not judged).
MAIL_STATUS_SQL = """
    SELECT l.id, l.outcome, l.mail_retry_count, mm.id, mm.state, mm.failure_type,
           mm.failure_reason, rcp.message_bounce > l.recipient_bounce_count
      FROM ai_dunning_log l
      LEFT JOIN mail_mail mm ON mm.id = l.mail_id
      LEFT JOIN res_partner rcp ON rcp.id = l.recipient_id
     WHERE l.outcome IN ('queued', 'sent')
       AND l.action LIKE '%%email%%'
       AND l.date >= %(since)s
"""

OUTCOME_SELECTION = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("bounced", "Bounced"),
    ("failed", "Failed"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("queued_review", "Waiting for Review"),
    ("rejected", "Rejected"),
]
# Outcomes that count as a contact for the rolling 7-day frequency cap.
CONTACT_OUTCOMES = ("queued", "sent", "bounced", "failed", "done")

# Why a customer was not contacted (``DUNNING_REASONS``, in the guards' order).
SKIP_REASON_SELECTION = [
    ("excluded", "Customer excluded"),
    ("do_not_contact", "Do not contact"),
    ("manual_mode", "Manual follow-up"),
    ("already_contacted_today", "Already contacted today"),
    ("engaged", "Customer engaged (payment, reply or call)"),
    ("unreconciled_payment", "Unreconciled payment on account"),
    ("no_followup", "No follow-up on invoice"),
    ("dispute_open", "Invoice in dispute"),
    ("plan_active", "Payment plan running"),
    ("promise_open", "Open promise to pay"),
    ("spacing", "Too soon after the previous level"),
    ("nothing_due", "No level due"),
    ("below_min_amount", "Below minimum overdue amount"),
    ("frequency_cap", "Contact limit reached (7 days)"),
    ("outside_business_hours", "Outside business hours"),
    ("review", "Waiting for review"),
]


class AiDunningLog(models.Model):
    """Audit trail: one line per decision of the dunning run for one invoice and level.

    Executed decisions are unique per (invoice, level) (partial unique index, see
    ``init``): the run claims a customer's levels with ``INSERT ... ON CONFLICT DO
    NOTHING`` before acting and drops the customer if one was recorded meanwhile,
    so a level is never executed twice for the same invoice, even by two
    concurrent runs. Skips are recorded once per (invoice, level, reason).

    ``outcome`` says what really happened: ``queued`` (the email waits in the mail
    queue), ``sent`` / ``bounced`` / ``failed`` (read back from the ``mail.mail``
    by ``_cron_follow_mails``), ``done`` (a level without email: activity, letter).

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
    recipient_bounce_count = fields.Integer(
        readonly=True,
        help="Bounces of the recipient when the email was queued: one counted later is "
        "this email's.",
    )
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
            CREATE INDEX IF NOT EXISTS ai_dunning_log_partner_date_idx
                ON ai_dunning_log (partner_id, date)
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
               AND l.outcome = ANY(%s)
               AND l.date >= NOW() - INTERVAL '400 days'
            """,
            [list(CONTACT_OUTCOMES)],
        )
        self.invalidate_model(["paid_within_window", "paid_date"])

    @api.model
    def _cron_follow_mails(self, since_days=30):
        """Read the reminders' mails back and record what happened to them.

        ``queued`` becomes ``sent`` once the ``mail.mail`` is sent (or deleted after
        sending), ``failed`` when it is in exception for good (an address problem at
        once, a server problem after the company's retries: it is put back in the
        queue meanwhile), ``bounced`` when the address bounced since. A failed or
        bounced reminder gives the customer's collector a "fix contact" activity.

        :return: ``{outcome: count}`` of the lines changed
        """
        self.env.flush_all()
        self.env.cr.execute(
            MAIL_STATUS_SQL, {"since": fields.Datetime.now() - timedelta(days=since_days)}
        )
        changes = defaultdict(list)  # (outcome, note) -> log ids
        retry = defaultdict(list)  # retry count -> log ids
        retry_mails = []
        for (
            log_id,
            outcome,
            retries,
            mail_id,
            state,
            failure,
            reason,
            bounced,
        ) in self.env.cr.fetchall():
            new, note = outcome, None
            if mail_id is None or state == "sent":
                new = "bounced" if bounced else "sent"
            elif state in ("exception", "cancel"):
                note = reason or failure or self.env._("Unknown error")
                if failure == "mail_bounce":
                    new = "bounced"
                elif failure in ADDRESS_FAILURES or state == "cancel":
                    new = "failed"
                elif retries < self.browse(log_id).company_id.ai_dunning_mail_max_retries:
                    retry[retries + 1].append(log_id)
                    retry_mails.append(mail_id)
                    continue
                else:
                    new = "failed"
            if new != outcome:
                changes[new, note].append(log_id)
        if retry_mails:
            # sudo: the queue's reminders are requeued whoever runs the follow-up
            self.env["mail.mail"].sudo().browse(set(retry_mails)).mark_outgoing()
        for count, log_ids in retry.items():
            self.browse(log_ids).write({"mail_retry_count": count})
        stats = defaultdict(int)
        for (outcome, note), log_ids in changes.items():
            logs = self.browse(log_ids)
            values = {"outcome": outcome}
            if note:
                values["note"] = self.env._("Email failed: %(reason)s", reason=note)
            logs.write(values)
            stats[outcome] += len(logs)
            if outcome in ("failed", "bounced"):
                self.env["ai.dunning.run"]._fix_contact_activities(logs, note or outcome)
        return dict(stats)
