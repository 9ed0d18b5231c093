"""Dunning run, selection: what ``dunning_policy.plan_run`` needs, read in bulk SQL.

One query per frame and batch of customers (no ORM per invoice): every open
invoice of the customers (the invoices already at a level keep the customer's
tone), what was executed for them (from ``ai_dunning_log``), the customers'
settings and answers, and the company's levels.
"""

from datetime import UTC, timedelta

import numpy as np
import pandas as pd

from odoo import api, models
from odoo.tools import SQL

from ..ar_ai_collections import dunning_policy as policy
from ..ar_ai_collections.constants import RISK_BANDS
from .account_move import open_customer_invoice_sql
from .ai_collection_experiment_assignment import running_arm_join
from .ai_collection_payment_plan import PLAN_ACTIVE_STATES
from .ai_dunning_log import CONTACT_OUTCOMES

# Customers with an open posted invoice old enough for the company's first level.
CANDIDATES_SQL = """
    SELECT DISTINCT m.commercial_partner_id
      FROM account_move m
     WHERE m.company_id = %(company_id)s
       AND %(open_invoice)s
       AND m.invoice_date_due <= %(horizon)s
       AND m.commercial_partner_id > %(after)s
       AND (%(partner_ids)s::int[] IS NULL OR m.commercial_partner_id = ANY(%(partner_ids)s))
     ORDER BY m.commercial_partner_id
"""

# Every open invoice of the batch's customers. ``band`` is the time-to-payment band
# written by the scoring; ``plan_active`` comes from ``_plan_active_sql``.
INVOICES_SQL = """
    SELECT m.id AS invoice_id,
           m.commercial_partner_id AS customer_id,
           m.currency_id AS currency,
           m.amount_residual AS amount_residual,
           m.amount_residual_signed AS amount_company,
           (%(today)s::date - m.invoice_date_due) AS days_overdue,
           m.ai_risk_band AS band,
           m.invoice_user_id AS invoice_user_id,
           COALESCE(m.ai_dunning_blocked, FALSE) AS blocked,
           COALESCE(m.ai_in_dispute, FALSE) AS dispute_open,
           COALESCE(m.ai_has_open_promise, FALSE) AS promise_open,
           %(plan_active)s AS plan_active,
           -- A broken plan releases its invoices like a broken promise: one level on.
           GREATEST(
               (SELECT MAX(p.date_closed)
                  FROM ai_collection_promise_move_rel r
                  JOIN ai_collection_promise p ON p.id = r.promise_id
                 WHERE r.move_id = m.id AND p.state IN ('broken', 'partial')),
               (SELECT MAX(p.date_closed)
                  FROM ai_collection_payment_plan_move_rel r
                  JOIN ai_collection_payment_plan p ON p.id = r.plan_id
                 WHERE r.move_id = m.id AND p.state = 'broken')
           ) AS promise_broken_date,
           -- The day a payment was recorded (payment_answer.py) holds it even backdated.
           GREATEST(
               (SELECT MAX(pr.max_date)
                  FROM account_move_line aml
                  JOIN account_partial_reconcile pr ON pr.debit_move_id = aml.id
                 WHERE aml.move_id = m.id),
               m.ai_last_payment_date
           ) AS last_payment_date
      FROM account_move m
     WHERE m.company_id = %(company_id)s
       AND %(open_invoice)s
       AND m.invoice_date_due IS NOT NULL
       AND m.commercial_partner_id = ANY(%(partner_ids)s)
     ORDER BY m.commercial_partner_id, m.invoice_date_due, m.id
"""

# Levels executed per invoice (rejected reviews count: a human decided on that level).
EXECUTED_SQL = """
    SELECT move_id, level_id, date::date
      FROM ai_dunning_log
     WHERE move_id = ANY(%(invoice_ids)s)
       AND outcome <> 'skipped'
"""

CUSTOMERS_SQL = """
    SELECT p.id AS customer_id,
           p.tz AS tz,
           COALESCE(p.ai_dunning_excluded, FALSE) AS excluded,
           COALESCE(p.ai_dunning_do_not_contact, FALSE) AS do_not_contact,
           COALESCE(p.ai_followup_mode, 'automatic') = 'manual' AS manual_mode,
           COALESCE(p.ai_dunning_sensitive, FALSE) AS sensitive,
           p.ai_collector_id AS collector_id,
           contact.last_contact_date,
           contact.contacts_7d,
           GREATEST(reply.last_reply, email.last_email) AS last_reply_date,
           call.last_call AS last_call_date,
           arm.timing,
           arm.ladder,
           EXISTS (
               SELECT 1
                 FROM account_move_line aml
                 JOIN account_account acc ON acc.id = aml.account_id
                WHERE aml.company_id = %(company_id)s
                  AND aml.partner_id = p.id
                  AND aml.parent_state = 'posted'
                  AND acc.account_type = 'asset_receivable'
                  AND aml.reconciled IS NOT TRUE
                  AND aml.amount_residual < 0
           ) AS unreconciled_payment
      FROM res_partner p
      LEFT JOIN LATERAL (
           SELECT MAX(l.date)::date AS last_contact_date,
                  COUNT(DISTINCT l.run_uuid) FILTER (
                      WHERE l.date > %(week_ago)s AND l.outcome = ANY(%(contacts)s)
                  ) AS contacts_7d
             FROM ai_dunning_log l
            WHERE l.partner_id = p.id AND l.outcome NOT IN ('skipped', 'rejected')
      ) contact ON TRUE
      LEFT JOIN LATERAL (
           SELECT MAX(r.create_date)::date AS last_reply
             FROM ai_collection_reply r
            WHERE r.partner_id = p.id AND r.company_id = %(company_id)s
              AND r.create_date >= %(since)s
      ) reply ON TRUE
      -- Grouped once for the batch, not a lateral per customer: mail_message has no
      -- index on message_type or date, and where the planner finds them selective it
      -- scans the table; per customer, that scan made the run quadratic in the chatter.
      LEFT JOIN (
           SELECT author.commercial_partner_id AS customer_id, MAX(mm.date)::date AS last_email
             FROM res_partner author
             JOIN mail_message mm ON mm.author_id = author.id
            WHERE author.commercial_partner_id = ANY(%(partner_ids)s)
              AND mm.message_type = 'email'
              AND mm.date >= %(since)s
            GROUP BY author.commercial_partner_id
      ) email ON email.customer_id = p.id
      LEFT JOIN LATERAL (
           SELECT MAX(mm.date)::date AS last_call
             FROM mail_message mm
            WHERE mm.model = 'res.partner' AND mm.res_id = p.id
              AND mm.mail_activity_type_id = %(call_type)s
              AND mm.date >= %(since)s
      ) call ON TRUE
  %(running_arm)s
     WHERE p.id = ANY(%(partner_ids)s)
"""


class AiDunningRun(models.AbstractModel):
    _inherit = "ai.dunning.run"

    @api.model
    def _plan_active_sql(self):
        """SQL expression (on ``account_move m``): the invoice is covered by an active
        payment plan (``PLAN_ACTIVE_STATES``): the one place plans hold the ladder."""
        return SQL(
            """EXISTS (
                SELECT 1
                  FROM ai_collection_payment_plan_move_rel r
                  JOIN ai_collection_payment_plan p ON p.id = r.plan_id
                 WHERE r.move_id = m.id AND p.state = ANY(%s))""",
            list(PLAN_ACTIVE_STATES),
        )

    def _levels_frame(self, company):
        """The company's active levels in ladder order, as ``plan_run`` reads them."""
        levels = self.env["ai.dunning.level"].search(
            [("company_id", "=", company.id)], order="sequence, days, id"
        )
        columns = ["days", "spacing_days", "manual_review", *policy.LEVEL_CHANNELS]
        frame = pd.DataFrame(
            {
                "level_id": levels.ids,
                **{column: levels.mapped(column) for column in columns},
                **{f"band_{band}": levels.mapped(f"band_{band}") for band in RISK_BANDS},
            }
        )
        return levels, frame

    def _candidates(self, company, levels, today, partners=None, after=0):
        """Customers (ids, ascending) with an invoice old enough for a level."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                CANDIDATES_SQL,
                open_invoice=open_customer_invoice_sql("m"),
                company_id=company.id,
                horizon=today - timedelta(days=int(min(levels.mapped("days")))),
                after=after,
                partner_ids=partners.commercial_partner_id.ids if partners else None,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _select(self, company, levels, partner_ids, today):
        """Read the batch's frames: ``(invoices, customers)`` for ``plan_run``."""
        cr = self.env.cr
        self.env.flush_all()
        # A batch's queries run in a few hundred milliseconds, but their estimated cost
        # (thousands of invoices, a subquery each) sets off PostgreSQL's JIT, whose
        # compilation took 2 to 5 s per batch: off until the batch commits.
        cr.execute("SET LOCAL jit = off")
        cr.execute(
            SQL(
                INVOICES_SQL,
                open_invoice=open_customer_invoice_sql("m"),
                plan_active=self._plan_active_sql(),
                company_id=company.id,
                today=today,
                partner_ids=list(partner_ids),
            )
        )
        columns = [desc[0] for desc in cr.description]
        invoices = pd.DataFrame(cr.fetchall(), columns=columns)
        invoices = self._with_executed(invoices, levels)
        window = company.ai_dunning_payment_window_days or policy.DEFAULT_PAYMENT_WINDOW_DAYS
        cr.execute(
            SQL(
                CUSTOMERS_SQL,
                company_id=company.id,
                partner_ids=list(partner_ids),
                week_ago=today - timedelta(days=7),
                since=today - timedelta(days=window),
                contacts=list(CONTACT_OUTCOMES),
                call_type=self.env["ir.model.data"]._xmlid_to_res_id(
                    "mail.mail_activity_data_call"
                ),
                running_arm=running_arm_join(company.id),  # the customer's experiment arm
            )
        )
        columns = [desc[0] for desc in cr.description]
        customers = pd.DataFrame(cr.fetchall(), columns=columns)
        return invoices, customers

    def _with_executed(self, invoices, levels):
        """Add ``last_rank``/``last_date``: the highest level executed per invoice."""
        invoices["last_rank"] = policy.NO_LEVEL
        invoices["last_date"] = None
        if invoices.empty:
            return invoices
        self.env.cr.execute(EXECUTED_SQL, {"invoice_ids": invoices["invoice_id"].tolist()})
        done = pd.DataFrame(self.env.cr.fetchall(), columns=["invoice_id", "level_id", "date"])
        rank_of = {level_id: rank for rank, level_id in enumerate(levels.ids)}
        done["rank"] = done["level_id"].map(rank_of)
        done = done.dropna(subset=["rank"])
        if done.empty:
            return invoices
        last = done.sort_values(["rank", "date"]).groupby("invoice_id").last()
        invoices["last_rank"] = (
            invoices["invoice_id"].map(last["rank"]).fillna(policy.NO_LEVEL).astype(np.int64)
        )
        invoices["last_date"] = invoices["invoice_id"].map(last["date"])
        return invoices

    def _run_params(self, company, now, ignore_hours=False, force_manual=False):
        """The company's guards as ``plan_run`` reads them; ``now`` is naive UTC."""
        return policy.RunParams(
            today=now.date(),
            now_utc=None if ignore_hours else now.replace(tzinfo=UTC),
            max_contacts_7d=company.ai_dunning_max_contacts_7d,
            hour_start=company.ai_dunning_hour_start,
            hour_end=company.ai_dunning_hour_end,
            weekdays_only=company.ai_dunning_weekdays_only,
            default_tz=company.partner_id.tz or "UTC",
            min_overdue_amount=company.ai_dunning_min_amount,
            review_amount=company.ai_dunning_review_amount,
            engagement_window_days=company.ai_dunning_payment_window_days
            or policy.DEFAULT_PAYMENT_WINDOW_DAYS,
            force_manual=force_manual,
            timing=company.ai_dunning_timing,
        )

    def _plan(self, company, levels, level_frame, partner_ids, now, **options):
        """Select the batch and decide it: ``(plan, invoices, customers)``."""
        invoices, customers = self._select(company, levels, partner_ids, now.date())
        plan = policy.plan_run(
            invoices, customers, level_frame, self._run_params(company, now, **options)
        )
        return plan, invoices, customers
