"""Collections KPIs per company, currency and month (DSO, CEI, ADD, aging, recovery...).

The monthly job reads the receivables ledger of a company in SQL (the scoring's
history plus the ledger detail below), makes ONE engine call
(:func:`..ar_ai_collections.kpis.compute_kpis`) and replaces the company's rows:
one ``month`` row per month and invoice currency (and one for all currencies),
plus ``aging``, ``recovery``, ``collector`` and ``dispute`` rows for the graphs.
Amounts are in the company currency. The same job then runs the model
monitoring, the fairness audit and the measurement of the running experiments.
"""

import datetime as dt

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..ar_ai_collections import kpis as engine_kpis
from ..ar_ai_collections.constants import AGING_BUCKETS, RECOVERY_HORIZONS_DAYS
from .ai_collection_dispute import CATEGORY_SELECTION
from .ai_dunning_log import CONTACT_OUTCOMES
from .cron_isolation import run_isolated

KIND_SELECTION = [
    ("month", "Month"),
    ("aging", "Aging bucket"),
    ("recovery", "Recovery"),
    ("collector", "Collector"),
    ("dispute", "Dispute category"),
]
BUCKET_SELECTION = list(
    zip(
        AGING_BUCKETS,
        ("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"),
        strict=True,
    )
)
#: Figures of a ``month`` row stored under the engine's names; ``add`` is stored as
#: ``average_days_delinquent``, aging and recovery as rows of their own.
MONTH_FIGURES = tuple(
    column
    for column in engine_kpis.KPI_COLUMNS[engine_kpis.KPI_COLUMNS.index("invoiced") :]
    if not column.startswith(("aging_", "recovery_")) and column != "add"
)

# Ledger detail of the invoices of a company that have any (the history gives the
# payment detail, the customer's collector comes with the customers): the latest
# promise to pay, the latest dispute, the dunning emails and letters sent
# and the logged calls.
LEDGER_DETAIL_SQL = """
    WITH promise AS (
        SELECT rel.move_id, max(pr.promised_date) AS promise_date
          FROM ai_collection_promise_move_rel rel
          JOIN ai_collection_promise pr ON pr.id = rel.promise_id
         WHERE pr.state NOT IN ('draft', 'cancelled')
         GROUP BY rel.move_id
    ), dispute AS (
        SELECT DISTINCT ON (rel.move_id) rel.move_id, d.date_opened, d.date_resolved, d.category
          FROM ai_collection_dispute_move_rel rel
          JOIN ai_collection_dispute d ON d.id = rel.dispute_id
         WHERE d.date_opened IS NOT NULL AND d.state != 'cancelled'
         ORDER BY rel.move_id, d.date_opened DESC
    ), contacts AS (
        -- Dunning emails and letters, and logged calls: a call about n invoices
        -- counts 1/n on each, so that the costs sum up to one call.
        SELECT move_id,
               count(*) FILTER (WHERE action ILIKE '%%email%%') AS emails_sent,
               count(*) FILTER (WHERE action ILIKE '%%letter%%') AS letters_sent,
               sum(call_share) AS calls_made
          FROM (
              SELECT move_id, action, 0.0 AS call_share
                FROM ai_dunning_log
               WHERE company_id = %(company_id)s AND outcome = ANY(%(contacts)s)
               UNION ALL
              SELECT rel.move_id, '', 1.0 / count(*) OVER (PARTITION BY rel.call_id)
                FROM ai_collection_call_move_rel rel
                JOIN ai_collection_call c ON c.id = rel.call_id
               WHERE c.company_id = %(company_id)s
          ) contact
         GROUP BY move_id
    ), detailed AS (
        SELECT move_id FROM promise
         UNION SELECT move_id FROM dispute
         UNION SELECT move_id FROM contacts
    )
    SELECT inv.id::text AS invoice_id,
           promise.promise_date,
           -- GREATEST skips NULLs: CASE keeps a missing date missing
           CASE WHEN dispute.date_opened IS NOT NULL
                THEN GREATEST(dispute.date_opened, inv.invoice_date) END AS dispute_date,
           CASE WHEN dispute.date_resolved IS NOT NULL
                THEN GREATEST(dispute.date_resolved, dispute.date_opened, inv.invoice_date)
                END AS dispute_resolved_date,
           COALESCE(dispute.category, '') AS dispute_category,
           COALESCE(contacts.emails_sent, 0)::float8 AS emails_sent,
           COALESCE(contacts.letters_sent, 0)::float8 AS letters_sent,
           COALESCE(contacts.calls_made, 0)::float8 AS calls_made
      FROM detailed
      JOIN account_move inv ON inv.id = detailed.move_id
      LEFT JOIN promise ON promise.move_id = inv.id
      LEFT JOIN dispute ON dispute.move_id = inv.id
      LEFT JOIN contacts ON contacts.move_id = inv.id
     WHERE inv.company_id = %(company_id)s AND inv.invoice_date IS NOT NULL
"""
#: Detail of an invoice without any (no promise, dispute or contact).
NO_DETAIL = {
    "promise_date": pd.NaT,
    "dispute_date": pd.NaT,
    "dispute_resolved_date": pd.NaT,
    "dispute_category": "",
    "emails_sent": 0.0,
    "letters_sent": 0.0,
    "calls_made": 0.0,
}


class AiCollectionKpi(models.Model):
    _name = "ai.collection.kpi"
    _description = "Collections KPI"
    _order = "month desc, kind, invoice_currency_id, id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(
        "res.currency", required=True, readonly=True, help="The company currency."
    )
    invoice_currency_id = fields.Many2one(
        "res.currency",
        readonly=True,
        help="Invoices of this currency only (amounts in the company currency); "
        "empty: every currency.",
    )
    kind = fields.Selection(KIND_SELECTION, required=True, readonly=True, index=True)
    month = fields.Date(required=True, readonly=True, index=True, help="First day of the month.")
    period_end = fields.Date(readonly=True, help="Month end, or the report date.")
    bucket = fields.Selection(BUCKET_SELECTION, string="Aging Bucket", readonly=True)
    horizon_days = fields.Integer(string="Within (days)", readonly=True, aggregator=None)
    collector_id = fields.Many2one("res.users", readonly=True)
    dispute_category = fields.Selection(CATEGORY_SELECTION, readonly=True)
    amount = fields.Monetary(readonly=True, help="Aging rows: receivables of the bucket.")
    recovery_rate = fields.Float(
        string="Recovery (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the bucket's amount at the month end collected within the horizon.",
    )
    invoiced = fields.Monetary(readonly=True)
    credit_notes = fields.Monetary(readonly=True)
    credit_sales = fields.Monetary(string="Net Credit Sales", readonly=True)
    collected = fields.Monetary(readonly=True)
    receivables_begin = fields.Monetary(string="Receivables (Begin)", readonly=True)
    receivables_end = fields.Monetary(string="Receivables (End)", readonly=True)
    pct_current = fields.Float(string="Current (%)", readonly=True, aggregator="avg")
    dso = fields.Float(string="DSO", readonly=True, aggregator="avg", digits=(16, 2))
    dso_countback = fields.Float(
        string="DSO (Countback)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    best_possible_dso = fields.Float(
        string="Best Possible DSO", readonly=True, aggregator="avg", digits=(16, 2)
    )
    average_days_delinquent = fields.Float(
        string="ADD", readonly=True, aggregator="avg", digits=(16, 2), help="DSO - best DSO."
    )
    cei = fields.Float(
        string="CEI (%)", readonly=True, aggregator="avg", digits=(16, 2), help="100 = all due."
    )
    promises_due = fields.Integer(readonly=True)
    promises_kept = fields.Integer(readonly=True)
    promise_kept_rate = fields.Float(string="Promises Kept (%)", readonly=True, aggregator="avg")
    disputes_opened = fields.Integer(readonly=True)
    disputes_resolved = fields.Integer(readonly=True)
    dispute_resolve_days = fields.Float(
        string="Days to Resolve", readonly=True, aggregator="avg", digits=(16, 2)
    )
    contact_cost = fields.Monetary(
        string="Contact Costs",
        readonly=True,
        help="Emails, letters and calls of the invoices settled in the month, at the "
        "costs of Settings.",
    )
    cost_per_unit_collected = fields.Float(
        string="Cost per Unit Collected",
        readonly=True,
        aggregator="avg",
        digits=(16, 4),
        help="Contact costs / collected.",
    )
    dso_last_month = fields.Float(
        string="DSO Last Month", compute="_compute_comparisons", digits=(16, 2)
    )
    dso_last_year = fields.Float(
        string="DSO Last Year", compute="_compute_comparisons", digits=(16, 2)
    )
    cei_last_month = fields.Float(
        string="CEI Last Month", compute="_compute_comparisons", digits=(16, 2)
    )
    cei_last_year = fields.Float(
        string="CEI Last Year", compute="_compute_comparisons", digits=(16, 2)
    )
    collected_last_month = fields.Monetary(compute="_compute_comparisons")
    collected_last_year = fields.Monetary(compute="_compute_comparisons")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_comparisons(self):
        """Same month row one month and one year earlier (the overview's tiles)."""
        months = {
            month
            for record in self
            for month in (record.month - relativedelta(months=1), _year_before(record.month))
        }
        earlier = self.search(
            [
                ("kind", "=", "month"),
                ("company_id", "in", self.company_id.ids),
                ("month", "in", list(months)),
            ]
        )
        by_key = {(r.company_id, r.invoice_currency_id, r.month): r for r in earlier}
        for record in self:
            key = (record.company_id, record.invoice_currency_id)
            before = by_key.get((*key, record.month - relativedelta(months=1)))
            year = by_key.get((*key, _year_before(record.month)))
            for name in ("dso", "cei", "collected"):
                record[f"{name}_last_month"] = before[name] if before else 0.0
                record[f"{name}_last_year"] = year[name] if year else 0.0

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_refresh(self):
        """ "Refresh now" (managers): recompute the insights of the user's companies."""
        self.check_access("create")
        # sudo: the rows are replaced for the companies the user works in; the
        # ledger read covers invoices a manager may read anyway.
        self.sudo()._refresh(self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _cron_monthly(self):
        """Monthly: KPIs, model monitoring, fairness audit and experiment results of
        every company with scoring enabled (a failing company is reported, the
        others go on)."""
        companies = self.env["res.company"].search([("ai_risk_enabled", "=", True)])
        run_isolated(companies, self.env._("Collections insights"), self._refresh)
        return True

    @api.model
    def _refresh(self, companies, today=None):
        """Every insight of ``companies`` as of ``today`` (default: each one's today)."""
        for company in companies:
            as_of = today or fields.Date.context_today(self.with_company(company))
            history = self.env["ai.risk.scoring"]._extract_history(company)
            self._refresh_company(company, history, as_of)
            log = self.env["ai.model.monitoring"]._refresh_company(company, history, as_of)
            self.env["ai.fairness.report"]._refresh_company(company, history, log, as_of)
            self.env["ai.collection.experiment"].search(
                [("company_id", "=", company.id), ("state", "in", ("running", "done"))]
            )._measure(as_of)
        return True

    @api.model
    def _refresh_company(self, company, history, as_of):
        """Replace the KPI rows of ``company`` by the engine's, computed at ``as_of``."""
        self.env.cr.execute("DELETE FROM ai_collection_kpi WHERE company_id = %s", [company.id])
        if history is None:
            return 0
        ledger = self._ledger(company, history)
        report = engine_kpis.compute_kpis(
            ledger, as_of=pd.Timestamp(as_of), costs=company._ai_contact_costs()
        )
        # The engine adds rows for all currencies only when there are several; with
        # one, its rows are those of all currencies (empty invoice currency).
        codes = ledger["currency"].unique().tolist()
        currencies = {
            currency.name: currency.id
            for currency in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", codes)])
            if len(codes) > 1
        }
        base = {"company_id": company.id, "currency_id": company.currency_id.id}

        def common(row):
            """Company, currency and month of an engine row."""
            return {
                **base,
                "invoice_currency_id": currencies.get(row["currency"], False),
                "month": dt.date.fromisoformat(f"{row['month']}-01"),
            }

        values = []
        for row in report.monthly.to_dict("records"):
            figures = {name: finite(row[name]) for name in MONTH_FIGURES}
            figures["promise_kept_rate"] *= 100.0
            values.append(
                {
                    **common(row),
                    **figures,
                    "kind": "month",
                    "period_end": pd.Timestamp(row["period_end"]).date(),
                    "average_days_delinquent": finite(row["add"]),
                }
            )
            for bucket in AGING_BUCKETS:
                values.append(
                    {
                        **common(row),
                        "kind": "aging",
                        "bucket": bucket,
                        "amount": finite(row[f"aging_{bucket}"]),
                    }
                )
                for days in RECOVERY_HORIZONS_DAYS:
                    rate = row[f"recovery_{bucket}_{days}d"]
                    if np.isfinite(rate):  # NaN: the horizon is not over yet
                        values.append(
                            {
                                **common(row),
                                "kind": "recovery",
                                "bucket": bucket,
                                "horizon_days": days,
                                "recovery_rate": 100.0 * rate,
                            }
                        )
        # The engine splits these by invoice currency; amounts being in the company
        # currency, they are stored for all currencies together.
        keys = ["company", "month"]
        collectors = report.collectors.groupby([*keys, "collector"], as_index=False)["collected"]
        for row in collectors.sum().to_dict("records"):
            collector = row["collector"]
            values.append(
                {
                    **common({**row, "currency": engine_kpis.ALL_CURRENCIES}),
                    "kind": "collector",
                    "collected": finite(row["collected"]),
                    "collector_id": int(collector) if collector.isdigit() else False,
                }
            )
        disputes = report.disputes.assign(
            resolve_days_total=report.disputes["dispute_resolve_days"].fillna(0.0)
            * report.disputes["disputes_resolved"]
        )
        disputes = disputes.groupby([*keys, "category"], as_index=False)[
            ["disputes_opened", "disputes_resolved", "resolve_days_total"]
        ].sum()
        categories = dict(CATEGORY_SELECTION)
        for row in disputes.to_dict("records"):
            if row["category"] in categories:
                resolved = int(row["disputes_resolved"])
                values.append(
                    {
                        **common({**row, "currency": engine_kpis.ALL_CURRENCIES}),
                        "kind": "dispute",
                        "dispute_category": row["category"],
                        "disputes_opened": int(row["disputes_opened"]),
                        "disputes_resolved": resolved,
                        "dispute_resolve_days": row["resolve_days_total"] / resolved
                        if resolved
                        else 0.0,
                    }
                )
        self.create(values)
        return len(values)

    @api.model
    def _ledger(self, company, history):
        """The KPI ledger of ``company``: its history (which has the payment detail)
        with the promises, disputes, contacts and collectors, in company currency
        (``amount_company_currency`` is the history's amount). ``history`` is shared
        with the monitoring and the fairness audit: it is not modified."""
        cr = self.env.cr
        cr.execute(
            LEDGER_DETAIL_SQL, {"company_id": company.id, "contacts": list(CONTACT_OUTCOMES)}
        )
        columns = [column.name for column in cr.description]
        # A few invoices have detail: position -1 (not found) takes the last row, none.
        detail = pd.DataFrame([*cr.fetchall(), (None, *NO_DETAIL.values())], columns=columns)
        for column in ("promise_date", "dispute_date", "dispute_resolved_date"):
            detail[column] = pd.to_datetime(detail[column])
        rows = pd.Index(detail["invoice_id"]).get_indexer(history["invoice_id"])
        picked = {column: detail[column].to_numpy()[rows] for column in NO_DETAIL}
        cr.execute(
            "SELECT id::text, ai_collector_id::text FROM res_partner"
            " WHERE ai_collector_id IS NOT NULL"
        )
        return history.assign(
            **picked,
            collector=history["customer_id"].map(dict(cr.fetchall())).fillna(""),
            company=str(company.id),
            amount_company_currency=history["amount"],
        )


def finite(value):
    """A finite float for the database (an undefined figure, NaN, is stored as 0)."""
    value = float(value)
    return value if np.isfinite(value) else 0.0


def _year_before(month):
    """The same month one year earlier (``month`` is a first day)."""
    return month.replace(year=month.year - 1)
