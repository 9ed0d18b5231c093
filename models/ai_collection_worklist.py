from datetime import date

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..ar_ai_collections import worklist_policy
from ..ar_ai_collections.constants import WORKLIST_TIER_LABELS, WORKLIST_TIERS
from .account_move import OPEN_INVOICE_DOMAIN, RISK_BAND_SELECTION, open_customer_invoice_sql
from .ai_collection_experiment_assignment import running_arm_join
from .ai_dunning_log import CONTACT_OUTCOMES
from .cron_isolation import report_skipped, run_isolated
from .res_company import MAX_DATE_OFFSET_DAYS

TIER_SELECTION = [(key, WORKLIST_TIER_LABELS[key]) for key in WORKLIST_TIERS]
NEXT_ACTION_SELECTION = list(worklist_policy.NEXT_ACTION_LABELS.items())
# Closed promises a customer needs before its promise-kept rate discounts a new one.
MIN_PROMISE_HISTORY = 2
# Days a line is snoozed by the "Snooze" button.
DEFAULT_SNOOZE_DAYS = 7

# One row per open customer invoice that is overdue or at risk (high/critical band).
_INVOICES_SQL = """
SELECT m.commercial_partner_id AS customer_id,
       m.amount_residual_signed AS residual,
       (%(today)s::date - COALESCE(m.invoice_date_due, m.invoice_date)) AS days_overdue,
       COALESCE(m.ai_default_probability, 0.0) AS default_probability,
       COALESCE(m.ai_risk_score, 0.0) AS risk_score,
       COALESCE(m.ai_in_dispute, FALSE) AS in_dispute,
       COALESCE(m.ai_has_open_promise, FALSE) AS has_promise,
       CASE WHEN COALESCE(p.ai_promise_count, 0) >= %(min_promises)s
            THEN 1.0 - COALESCE(p.ai_promise_kept_rate, 0.0) / 100.0
            ELSE 0.0 END AS promise_break_rate,
       -- the time-to-payment answer (NULL where the model did not answer)
       CASE WHEN m.ai_predicted_pay_date IS NOT NULL THEN m.ai_p_paid_30d END AS p_paid_30d
  FROM account_move m
  JOIN res_partner p ON p.id = m.commercial_partner_id
 WHERE m.company_id = %(company_id)s
   AND %(open_invoice)s
   AND m.amount_residual_signed > 0
   AND m.commercial_partner_id IS NOT NULL
   AND (%(all_customers)s OR m.commercial_partner_id = ANY(%(customer_ids)s))
   AND (COALESCE(m.invoice_date_due, m.invoice_date) < %(today)s
        OR m.ai_risk_band IN ('high', 'critical'))
"""

# Per customer of the company: collector, band, last contact, open promise, disputes
# and the call tier of its experiment arm (NULL: the company's).
_CUSTOMERS_SQL = """
SELECT p.id AS customer_id,
       COALESCE(p.ai_collector_id, 0) AS collector_id,
       p.ai_risk_band AS risk_band,
       GREATEST(p.ai_last_contact_date, dl.last_date) AS last_contact_date,
       pr.id AS promise_id,
       pr.promised_date AS promise_date,
       COALESCE(ds.n, 0) AS dispute_count,
       COALESCE(ds.amount, 0.0) AS dispute_amount,
       w.snooze_until,
       COALESCE(w.escalated, FALSE) AS escalated,
       arm.call_tier
  FROM res_partner p
  LEFT JOIN LATERAL (
        SELECT MAX(l.date)::date AS last_date
          FROM ai_dunning_log l
         WHERE l.partner_id = p.id AND l.company_id = %(company_id)s
           AND l.outcome = ANY(%(contacts)s)
       ) dl ON TRUE
  LEFT JOIN LATERAL (
        SELECT o.id, o.promised_date
          FROM ai_collection_promise o
         WHERE o.partner_id = p.id AND o.company_id = %(company_id)s AND o.state = 'open'
         ORDER BY o.promised_date, o.id
         LIMIT 1
       ) pr ON TRUE
  LEFT JOIN LATERAL (
        SELECT COUNT(*) AS n, SUM(d.amount) AS amount
          FROM ai_collection_dispute d
         WHERE d.partner_id = p.id AND d.company_id = %(company_id)s AND d.state = 'open'
       ) ds ON TRUE
  LEFT JOIN ai_collection_worklist w
         ON w.partner_id = p.id AND w.company_id = %(company_id)s
  %(running_arm)s
 WHERE p.id = ANY(%(customer_ids)s)
"""

_UPSERT_COLUMNS = (
    "partner_id",
    "company_id",
    "user_id",
    "risk_band",
    # the policy's line figures, but its customer_id (partner_id here)
    *worklist_policy.LINE_COLUMNS[1:],
    "tier",
    "next_action",
    "next_action_date",
    "last_contact_date",
    "promise_id",
    "dispute_count",
    "dispute_amount",
)


class AiCollectionWorklist(models.Model):
    """The collector worklist: one line per customer with overdue or at-risk invoices.

    Lines are stored and rebuilt in bulk (SQL extraction + the pure policy of
    ``ar_ai_collections.worklist_policy``) by the nightly cron, the "Refresh"
    button and after a call is logged, so that the list opens instantly even for
    tens of thousands of customers. What a collector decides on a line (snooze,
    escalation) survives the refresh; the collector is the customer's
    ``ai_collector_id``.
    """

    _name = "ai.collection.worklist"
    _description = "Collections Worklist Line"
    _order = "priority desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    user_id = fields.Many2one("res.users", string="Collector", index=True)
    risk_band = fields.Selection(RISK_BAND_SELECTION, readonly=True)
    overdue_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    open_amount = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Residual of the overdue and at-risk invoices.",
    )
    at_risk_amount = fields.Monetary(
        string="Amount at Risk",
        readonly=True,
        currency_field="currency_id",
        help="Open amount not covered by an open dispute or promise to pay.",
    )
    expected_value = fields.Monetary(
        string="Value of Acting Now",
        readonly=True,
        currency_field="currency_id",
        help="Amount at risk x probability that it is not paid without a contact.",
    )
    no_pay_probability = fields.Float(
        string="No-Pay Probability (%)",
        digits=(5, 1),
        readonly=True,
        help="Amount-weighted probability that the amount at risk is not paid "
        "without a contact (model default probability, or an ageing prior).",
    )
    max_days_overdue = fields.Integer(string="Days Overdue", readonly=True)
    priority = fields.Float(
        digits=(16, 2),
        readonly=True,
        index=True,
        help="Value of acting now weighted by the age of the debt: the list is sorted on it.",
    )
    tier = fields.Selection(TIER_SELECTION, readonly=True, index=True, group_expand=True)
    next_action = fields.Selection(NEXT_ACTION_SELECTION, readonly=True)
    next_action_date = fields.Date(readonly=True)
    last_contact_date = fields.Date(string="Last Contact", readonly=True)
    promise_id = fields.Many2one("ai.collection.promise", string="Open Promise", readonly=True)
    promise_date = fields.Date(related="promise_id.promised_date", string="Promised Date")
    dispute_count = fields.Integer(string="Open Disputes", readonly=True)
    dispute_amount = fields.Monetary(
        string="Disputed Amount", readonly=True, currency_field="currency_id"
    )
    snooze_until = fields.Date(readonly=True, copy=False)
    escalated = fields.Boolean(readonly=True, copy=False)
    refreshed_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "One worklist line per customer and company.",
        ),
    ]

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("snooze_until")
    def _check_snooze_until(self):
        for line in self:
            line.company_id._ai_check_in_horizon(
                line.snooze_until, line._fields["snooze_until"]._description_string(self.env)
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        res = super().write(vals)
        if "user_id" in vals:
            # Reassigning a line reassigns the customer: the next refresh keeps it.
            for line in self:
                # sudo: a collector reassigns the customer through its line, not its form
                line.partner_id.sudo().ai_collector_id = line.user_id
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_refresh(self):
        """Rebuild the worklist of the user's companies, then reload the view.

        A list header button: called on the selected lines (possibly none).
        """
        self.check_access("write")
        # sudo: the rebuild reads the companies' worklist settings and upserts every line
        self.sudo()._refresh(self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_log_call(self):
        """Open the "Log a call" wizard for this line."""
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a Call"),
            "res_model": "ai.collection.call.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_worklist_id": self.id},
        }

    def action_record_promise(self):
        """New promise to pay for this customer, on its open invoices."""
        self.ensure_one()
        self.check_access("write")
        return self._open_new("ai.collection.promise", self.env._("Promise to Pay"))

    def action_raise_dispute(self):
        """New dispute for this customer, on its open invoices."""
        self.ensure_one()
        self.check_access("write")
        return self._open_new("ai.collection.dispute", self.env._("Dispute"))

    def action_snooze(self):
        """Snooze the lines (watch them, no call) for ``snooze_days`` (context) days."""
        self.check_access("write")
        days = int(self.env.context.get("snooze_days", DEFAULT_SNOOZE_DAYS))
        if not 0 < days <= MAX_DATE_OFFSET_DAYS:
            raise UserError(self.env._("Snooze for 1 to %s days.", MAX_DATE_OFFSET_DAYS))
        until = fields.Date.add(fields.Date.context_today(self), days=days)
        self.write({"snooze_until": until, "escalated": False})
        self._refresh_lines()
        return True

    def action_escalate(self):
        """Escalate: pin the lines in "Call now" and give the collector an activity."""
        self.check_access("write")
        for line in self:
            line.write({"escalated": True, "snooze_until": False})
            line.partner_id.activity_schedule(
                "mail.mail_activity_data_call",
                summary=self.env._(
                    "Escalated collection: call %(name)s", name=line.partner_id.name
                ),
                note=self.env._(
                    "Escalated from the worklist by %(user)s: %(amount)s overdue.",
                    user=self.env.user.name,
                    amount=line.currency_id.format(line.overdue_amount),
                ),
                user_id=(line.user_id or self.env.user).id,
            )
        self._refresh_lines()
        return True

    def _refresh_lines(self):
        for company in self.company_id:
            lines = self.filtered(lambda line, company=company: line.company_id == company)
            # sudo: after a write on the lines, their customers' lines are rebuilt in SQL
            self.sudo()._refresh_partners(lines.partner_id, company)

    def action_assign_to_me(self):
        """Reassign the lines (and their customers) to the current user."""
        self.check_access("write")
        self.write({"user_id": self.env.user.id})
        self._refresh_lines()
        return True

    def action_open_invoices(self):
        """The customer's open invoices."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.actions"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [
            *OPEN_INVOICE_DOMAIN,
            ("commercial_partner_id", "=", self.partner_id.id),
            ("company_id", "=", self.company_id.id),
        ]
        action["context"] = {"create": False}
        return action

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _open_invoices(self):
        return self.env["account.move"].search(
            [
                *OPEN_INVOICE_DOMAIN,
                ("commercial_partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ]
        )

    def _open_new(self, model, name):
        moves = self._open_invoices()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_move_ids": [(6, 0, moves.ids)],
                "default_source": "call",
            },
        }

    @api.private
    @api.model
    def refresh_company(self, company):
        """Rebuild the worklist of ``company`` (demo script, server actions).

        Requires write access on the worklist (collections users); the rebuild
        itself is set-based SQL.
        """
        self.check_access("write")
        company_id = company.id if isinstance(company, models.BaseModel) else company
        company = self.env["res.company"].browse(company_id or self.env.company.id)
        if company not in self.env.companies and not self.env.su:
            company = self.env.company
        # sudo: the rebuild reads the company's worklist settings and upserts every line
        self.sudo()._refresh(company)
        return True

    @api.model
    def _cron_refresh(self):
        """Nightly: rebuild the worklist of every company (a company whose rebuild
        fails is reported to its managers, the others are rebuilt)."""
        run_isolated(
            self.env["res.company"].search([]), self.env._("Worklist refresh"), self._refresh
        )
        return True

    @api.model
    def _refresh(self, companies):
        """Rebuild the lines of ``companies`` in bulk (SQL + policy)."""
        for company in companies:
            self._refresh_company(company)
        self.env.invalidate_all()
        return True

    @api.model
    def _refresh_partners(self, partners, companies=None):
        """Recompute the lines of these customers only (after a call, a promise, a dispute).

        Cheap (a few indexed queries): the other lines keep their tiers; these
        customers compete for the call slots their collector has left.
        """
        partner_ids = set(partners.commercial_partner_id.ids)
        if not partner_ids:
            return True
        for company in companies or self.env.companies:
            self._refresh_company(company, partner_ids=partner_ids)
        self.env.invalidate_all()
        return True

    @api.model
    def _policy_params(self, company):
        return worklist_policy.WorklistParams(
            min_call_value=company.ai_worklist_min_call_value,
            likely_pay=company.ai_worklist_likely_pay,
            default_capacity=company.ai_worklist_call_capacity,
            call_tier=company.ai_worklist_call_tier,
        )

    @api.model
    def _compute_company_lines(self, company, today=None, partner_ids=None):
        """Worklist lines of ``company`` as a DataFrame (no write).

        With ``partner_ids``, only these customers' lines, their tiers filling the
        call slots their collectors have left beside the other lines.
        """
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                _INVOICES_SQL,
                open_invoice=open_customer_invoice_sql("m"),
                today=today,
                company_id=company.id,
                all_customers=partner_ids is None,
                min_promises=MIN_PROMISE_HISTORY,
                customer_ids=list(partner_ids or []),
            )
        )
        invoices = pd.DataFrame(
            cr.fetchall(),
            columns=[
                *worklist_policy.INVOICE_COLUMNS,
                "promise_break_rate",
                worklist_policy.P_PAID_30D_COLUMN,
            ],
        )
        lines = worklist_policy.customer_lines(invoices)
        if lines.empty:
            return lines
        lines["customer_id"] = lines["customer_id"].astype(int)
        cr.execute(
            SQL(
                _CUSTOMERS_SQL,
                company_id=company.id,
                customer_ids=lines["customer_id"].tolist(),
                running_arm=running_arm_join(company.id),
                contacts=list(CONTACT_OUTCOMES),
            )
        )
        columns = [desc[0] for desc in cr.description]
        customers = pd.DataFrame(cr.fetchall(), columns=columns)
        lines = lines.merge(customers, on="customer_id", how="left")
        self._ignore_corrupt_dates(lines, today, company)
        lines["snoozed"] = pd.to_datetime(lines["snooze_until"]) > pd.Timestamp(today)
        lines["escalated"] = lines["escalated"].fillna(False).astype(bool) & ~lines["snoozed"]
        lines["collector_id"] = lines["collector_id"].fillna(0).astype(int)
        cooldown = pd.Timestamp(today) - pd.Timedelta(days=worklist_policy.CONTACT_COOLDOWN_DAYS)
        lines["contacted"] = (pd.to_datetime(lines["last_contact_date"]) > cooldown).to_numpy(
            dtype=bool
        )
        cr.execute(
            SQL(
                "SELECT id, ai_weekly_call_capacity FROM res_users WHERE id = ANY(%s)",
                [int(c) for c in lines["collector_id"].unique() if c],
            )
        )
        params = self._policy_params(company)
        capacity = {uid: cap or params.default_capacity for uid, cap in cr.fetchall()}
        if partner_ids is not None:
            # Slots already used by the other customers' lines.
            cr.execute(
                SQL(
                    """
                    SELECT COALESCE(user_id, 0), COUNT(*)
                      FROM ai_collection_worklist
                     WHERE company_id = %s AND tier = 'call_now' AND NOT (partner_id = ANY(%s))
                     GROUP BY 1
                    """,
                    company.id,
                    list(partner_ids),
                )
            )
            for collector_id, used in cr.fetchall():
                total = capacity.get(collector_id, params.default_capacity)
                capacity[collector_id] = max(total - used, 0)
        lines["tier"] = worklist_policy.assign_tiers(lines, capacity, params)
        actions = worklist_policy.next_actions(
            lines["tier"],
            pd.Timestamp(today),
            promise_dates=lines["promise_date"],
            snooze_dates=lines["snooze_until"],
            grace_days=company.ai_promise_grace_days,
        )
        lines["next_action"] = actions["next_action"]
        lines["next_action_date"] = actions["next_action_date"]
        return lines

    @api.model
    def _ignore_corrupt_dates(self, lines, today, company):
        """Blank, in ``lines``, the promise and snooze dates no form accepts (further
        from today than the longest promise horizon, e.g. written in SQL) and report
        their records: the customers keep their lines, computed without them."""
        for column, model, id_column in (
            ("promise_date", "ai.collection.promise", "promise_id"),
            ("snooze_until", "res.partner", "customer_id"),
        ):
            corrupt = lines[column].map(
                lambda value: (
                    isinstance(value, date) and abs((value - today).days) > MAX_DATE_OFFSET_DAYS
                )
            )
            if not corrupt.any():
                continue
            records = self.env[model].browse(lines.loc[corrupt, id_column].astype(int).tolist())
            report_skipped(
                records,
                self.env._("Worklist refresh"),
                self.env._(
                    "%(field)s is out of range; the worklist ignores it until it is corrected.",
                    field=self._fields[column]._description_string(self.env),
                ),
                company=company,
            )
            lines.loc[corrupt, column] = None

    @api.model
    def _refresh_company(self, company, today=None, partner_ids=None):
        lines = self._compute_company_lines(company, today=today, partner_ids=partner_ids)
        cr = self.env.cr
        now = fields.Datetime.now()
        uid = self.env.uid
        scope = list(partner_ids) if partner_ids is not None else None
        if lines.empty:
            cr.execute(
                SQL(
                    "DELETE FROM ai_collection_worklist"
                    " WHERE company_id = %s AND (%s OR partner_id = ANY(%s))",
                    company.id,
                    scope is None,
                    scope or [],
                )
            )
            return 0
        rows = list(
            zip(
                lines["customer_id"].tolist(),
                [company.id] * len(lines),
                [c or None for c in lines["collector_id"].tolist()],
                lines["risk_band"].where(lines["risk_band"].notna(), None).tolist(),
                lines["overdue_amount"].round(2).tolist(),
                lines["open_amount"].round(2).tolist(),
                lines["at_risk_amount"].round(2).tolist(),
                lines["expected_value"].round(2).tolist(),
                lines["no_pay_probability"].round(1).tolist(),
                lines["max_days_overdue"].astype(int).tolist(),
                lines["priority"].round(2).tolist(),
                lines["tier"].tolist(),
                lines["next_action"].tolist(),
                [d.date() for d in lines["next_action_date"]],
                [_date_or_none(d) for d in lines["last_contact_date"]],
                [int(p) if pd.notna(p) else None for p in lines["promise_id"]],
                lines["dispute_count"].astype(int).tolist(),
                lines["dispute_amount"].astype(float).round(2).tolist(),
                strict=True,
            )
        )
        columns = SQL(", ").join(SQL.identifier(col) for col in _UPSERT_COLUMNS)
        updates = SQL(", ").join(
            SQL("%s = EXCLUDED.%s", SQL.identifier(col), SQL.identifier(col))
            for col in _UPSERT_COLUMNS
            if col not in ("partner_id", "company_id")
        )
        placeholders = ", ".join(["%s"] * (len(_UPSERT_COLUMNS) + 5))
        values = SQL(", ").join(
            SQL(f"({placeholders})", *row, now, uid, now, uid, now) for row in rows
        )
        cr.execute(
            SQL(
                """
                INSERT INTO ai_collection_worklist
                       (%s, refreshed_at, create_uid, create_date, write_uid, write_date)
                VALUES %s
                ON CONFLICT (partner_id, company_id) DO UPDATE
                   SET %s, refreshed_at = EXCLUDED.refreshed_at,
                       write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                """,
                columns,
                values,
                updates,
            )
        )
        cr.execute(
            SQL(
                """
                DELETE FROM ai_collection_worklist
                 WHERE company_id = %s AND NOT (partner_id = ANY(%s))
                   AND (%s OR partner_id = ANY(%s))
                """,
                company.id,
                lines["customer_id"].tolist(),
                scope is None,
                scope or [],
            )
        )
        return len(rows)


def _date_or_none(value):
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()
