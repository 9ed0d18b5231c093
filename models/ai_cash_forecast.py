"""13-week cash forecast from the open customer invoices, and how it fared.

A refresh asks the engine (time-to-payment model, :mod:`..ar_ai_collections.forecast`)
for the expected collections of the next 13 weeks and stores them, one row per
company, invoice currency, week, band and named customer, the many smaller
customers summed in one "Other customers" row (empty customer) per currency,
band and week: the engine names the customers making up 95% of the expected
amount, at most 200 (:mod:`..ar_ai_collections.forecast` argues it). A book of
100,000 open invoices over 45,833 customers stores a few thousand rows instead
of ~600,000, so the refresh and the graph stay fast. Once a week the current
forecast is kept as a snapshot (the same groups, every week present; the first
week's row lists the invoices of its group): as its weeks pass, the payments
received on those invoices are added as "collected", next to what was expected,
so the collected cash splits by the band each invoice had when forecast. Rows
are written with set-based SQL.
"""

import datetime as dt

import numpy as np

from odoo import api, fields, models
from odoo.tools.sql import create_index

from ..ar_ai_collections.forecast import MAX_NAMED_CUSTOMERS, OTHER_CUSTOMERS
from .account_move import RISK_BAND_SELECTION
from .cron_isolation import run_isolated

#: Weeks forecast (a quarter).
FORECAST_WEEKS = 13
#: A new snapshot is kept when the latest one is at least this old (days).
SNAPSHOT_EVERY_DAYS = 7
#: Snapshots older than this (days) are deleted.
SNAPSHOT_KEEP_DAYS = 731
#: Snapshot weeks whose collected amount is recomputed: those ended less than
#: this many days ago (payments are usually registered within a few weeks).
ACTUALS_LOOKBACK_DAYS = 35

# Payments received in each snapshot week, credit notes excluded: collected cash,
# in the company currency. Snapshots with a band: on the invoices listed by the
# first week's row of their group (open at the forecast date, in that band).
# Snapshots kept before bands were (band NULL): on the customer's invoices
# issued by the forecast date (a payment after it means the invoice was open).
# Currencies are compared through COALESCE (hashable, unlike IS NOT DISTINCT
# FROM: a nested loop over 100,000 groups took minutes).
_ACTUALS_SQL = """
    WITH anchor AS (
        SELECT a.id, a.forecast_date, a.partner_id, a.invoice_currency_id, a.band
          FROM ai_cash_forecast a
         WHERE a.company_id = %(company_id)s
           AND a.is_snapshot
           AND a.week = 1
           AND a.band IS NOT NULL
           AND a.forecast_date <= %(today)s
           AND a.forecast_date + 7 * %(weeks)s >= %(since)s
    ), paid AS (
        SELECT a.id AS anchor_id, (p.max_date - a.forecast_date - 1) / 7 + 1 AS week,
               sum(p.amount) FILTER (WHERE cm.move_type IS DISTINCT FROM 'out_refund') AS amount
          FROM anchor a
          JOIN ai_cash_forecast_account_move_rel r ON r.forecast_id = a.id
          JOIN account_move_line l ON l.move_id = r.move_id AND l.display_type = 'payment_term'
          JOIN account_partial_reconcile p
            ON p.debit_move_id = l.id
           AND p.max_date > a.forecast_date
           AND p.max_date <= a.forecast_date + 7 * %(weeks)s
          LEFT JOIN account_move_line cl ON cl.id = p.credit_move_id
          LEFT JOIN account_move cm ON cm.id = cl.move_id
         GROUP BY 1, 2
    ), by_band AS (
        SELECT f.id, COALESCE(paid.amount, 0) AS amount
          FROM anchor a
          JOIN ai_cash_forecast f
            ON f.company_id = %(company_id)s
           AND f.is_snapshot
           AND f.forecast_date = a.forecast_date
           AND COALESCE(f.partner_id, 0) = COALESCE(a.partner_id, 0)
           AND COALESCE(f.invoice_currency_id, 0) = COALESCE(a.invoice_currency_id, 0)
           AND f.band = a.band
          LEFT JOIN paid ON paid.anchor_id = a.id AND paid.week = f.week
         WHERE f.date_start <= %(today)s AND f.date_end >= %(since)s
    ), before_bands AS (
        SELECT f.id, COALESCE(sum(p.amount) FILTER (
                   WHERE cm.move_type IS DISTINCT FROM 'out_refund'), 0) AS amount
          FROM ai_cash_forecast f
          LEFT JOIN account_move m
                 ON m.company_id = f.company_id
                AND m.commercial_partner_id = f.partner_id
                AND m.currency_id = f.invoice_currency_id
                AND m.move_type = 'out_invoice'
                AND m.state = 'posted'
                AND m.invoice_date <= f.forecast_date
          LEFT JOIN account_move_line l
                 ON l.move_id = m.id AND l.display_type = 'payment_term'
          LEFT JOIN account_partial_reconcile p
                 ON p.debit_move_id = l.id AND p.max_date BETWEEN f.date_start AND f.date_end
          LEFT JOIN account_move_line cl ON cl.id = p.credit_move_id
          LEFT JOIN account_move cm ON cm.id = cl.move_id
         WHERE f.is_snapshot
           AND f.band IS NULL
           AND f.company_id = %(company_id)s
           AND f.date_start <= %(today)s
           AND f.date_end >= %(since)s
         GROUP BY f.id
    ), collected AS (
        SELECT * FROM by_band UNION ALL SELECT * FROM before_bands
    )
    UPDATE ai_cash_forecast f
       SET actual_amount = c.amount,
           error_amount = c.amount - f.expected_amount,
           abs_error_amount = abs(c.amount - f.expected_amount),
           write_date = now() AT TIME ZONE 'UTC'
      FROM collected c
     WHERE f.id = c.id
"""


class AiCashForecast(models.Model):
    _name = "ai.cash.forecast"
    _description = "Cash Forecast"
    _order = "forecast_date desc, week, partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        readonly=True,
        help="The company currency: every amount is in it.",
    )
    invoice_currency_id = fields.Many2one(
        "res.currency",
        readonly=True,
        help="Currency of the invoices (amounts are converted to the company currency).",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        index=True,
        help="Empty: the other customers, summed (only the customers making up most of "
        "the expected amount are named).",
    )
    band = fields.Selection(
        RISK_BAND_SELECTION,
        readonly=True,
        help="Band of the invoices on P(not paid within 30 days) at the forecast date "
        "(empty on snapshots kept before 18.0.1.2.0).",
    )
    week = fields.Integer(readonly=True, aggregator=None, help="1 = the next 7 days.")
    date_start = fields.Date(string="Week From", readonly=True)
    date_end = fields.Date(string="Week To", readonly=True, index=True)
    forecast_date = fields.Date(string="Forecast On", readonly=True, index=True)
    is_snapshot = fields.Boolean(string="Snapshot", readonly=True, index=True)
    expected_amount = fields.Monetary(string="Expected", readonly=True)
    p10_amount = fields.Monetary(
        string="Low (P10)",
        readonly=True,
        help="90% chance of collecting at least this (independent invoices assumed).",
    )
    p90_amount = fields.Monetary(
        string="High (P90)",
        readonly=True,
        help="90% chance of collecting at most this (independent invoices assumed).",
    )
    actual_amount = fields.Monetary(
        string="Collected",
        readonly=True,
        help="Snapshots: payments received that week on the invoices open at the forecast.",
    )
    error_amount = fields.Monetary(string="Collected - Expected", readonly=True)
    abs_error_amount = fields.Monetary(string="Absolute Error", readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "ai_cash_forecast_account_move_rel",
        "forecast_id",
        "move_id",
        string="Invoices",
        readonly=True,
        help="Snapshots, first week's row: the invoices of this customer, currency and band "
        "at the forecast date, whose payments are the collected amounts of the group.",
    )

    def init(self):
        # The collected amounts find a snapshot group's week rows by date and
        # customer (100,000 groups: an index probe each, not a scan of the date).
        create_index(
            self.env.cr,
            "ai_cash_forecast_snapshot_group_idx",
            self._table,
            ["forecast_date", "partner_id"],
            where="is_snapshot",
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_refresh(self):
        """Recompute the forecast of the user's companies, then reload the view.

        A list header button (managers): called on the selected rows, possibly none.
        """
        self.check_access("create")
        # sudo: the rows are written in SQL for the companies the user works in;
        # the history read covers invoices a manager may read anyway.
        self.sudo()._refresh(self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _cron_refresh(self):
        """Daily: refresh the forecast of every company with scoring enabled, keep a
        weekly snapshot and fill in what was collected (a failing company is
        reported, the others go on). Companies whose forecast today's scoring run
        already wrote from its own curves are left as they are."""
        companies = self.env["res.company"].search([("ai_risk_enabled", "=", True)])
        self.env.cr.execute(
            """
            SELECT DISTINCT company_id FROM ai_cash_forecast
             WHERE NOT is_snapshot AND company_id = ANY(%s) AND forecast_date = %s
            """,
            [companies.ids, fields.Date.context_today(self)],
        )
        fresh = {row[0] for row in self.env.cr.fetchall()}
        companies = companies.filtered(lambda company: company.id not in fresh)
        run_isolated(companies, self.env._("Cash forecast"), self._refresh)
        return True

    @api.model
    def _refresh(self, companies, today=None, named_customers=MAX_NAMED_CUSTOMERS):
        """Forecast, snapshot (weekly) and collected amounts of ``companies`` on ``today``,
        at most ``named_customers`` customers by name (the rest: "Other customers")."""
        for company in companies:
            day = today or fields.Date.context_today(self.with_company(company))
            self._refresh_one(company, day, named_customers)
        self.env.invalidate_all()
        return True

    @api.model
    def _refresh_from_scoring(self, company, as_of, ttp_scores):
        """The forecast of ``company`` from the curves of its daily scoring run
        (``ttp_scores``, the time-to-payment answers on ``as_of``): the same rows as
        :meth:`_refresh`, without a second history extraction and scoring."""
        self._refresh_one(company, as_of, MAX_NAMED_CUSTOMERS, ttp_scores)
        self.invalidate_model()

    @api.model
    def _refresh_one(self, company, day, named_customers, ttp_scores=None):
        invoices = self._refresh_company(company, day, named_customers, ttp_scores)
        self._keep_snapshot(company, day, invoices)
        self._update_actuals(company, day)

    @api.model
    def _refresh_company(
        self, company, as_of, named_customers=MAX_NAMED_CUSTOMERS, ttp_scores=None
    ):
        """Replace the current forecast rows of ``company`` by the engine's, from
        ``ttp_scores`` when the scoring run hands them over, else scored here.

        :return: the band of each open invoice (engine ``CashForecast.invoices``),
            None when the company has no invoice
        """
        from ..ar_ai_collections import forecast as engine_forecast

        if ttp_scores is None:
            scoring = self.env["ai.risk.scoring"]
            history = scoring._extract_history(company)
            if history is not None:
                ttp_scores = scoring._get_ttp_model(company)[0].score(history, as_of)
        self.env.cr.execute(
            "DELETE FROM ai_cash_forecast WHERE company_id = %s AND NOT is_snapshot",
            [company.id],
        )
        if ttp_scores is None:
            return None
        forecast = engine_forecast.cash_forecast(
            ttp_scores,
            FORECAST_WEEKS,
            company._ai_ttp_band_thresholds(),
            named_customers,
        )
        detail = forecast.detail
        currencies = {
            currency.name: currency.id
            for currency in self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", forecast.invoices["currency"].unique().tolist())])
        }
        invoices = forecast.invoices.assign(
            invoice_currency_id=[currencies.get(code) for code in forecast.invoices["currency"]]
        )
        if not len(detail):
            return invoices
        self.env.cr.execute(
            """
            INSERT INTO ai_cash_forecast (
                company_id, currency_id, invoice_currency_id, partner_id, band, week,
                date_start, date_end, forecast_date, is_snapshot, expected_amount,
                p10_amount, p90_amount, actual_amount, error_amount, abs_error_amount,
                create_uid, write_uid, create_date, write_date)
            SELECT %(company)s, %(currency)s, v.invoice_currency, v.partner, v.band, v.week,
                   v.date_start, v.date_end, %(as_of)s, FALSE, v.expected, v.p10, v.p90,
                   0, 0, 0, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC',
                   now() AT TIME ZONE 'UTC'
              FROM unnest(%(invoice_currency)s::int[], %(partner)s::int[],
                          %(band)s::varchar[], %(week)s::int[], %(date_start)s::date[],
                          %(date_end)s::date[], %(expected)s::numeric[], %(p10)s::numeric[],
                          %(p90)s::numeric[])
                   AS v(invoice_currency, partner, band, week, date_start, date_end,
                        expected, p10, p90)
            """,
            {
                "company": company.id,
                "currency": company.currency_id.id,
                "as_of": as_of,
                "uid": self.env.uid,
                "invoice_currency": [currencies.get(code) for code in detail["currency"]],
                "partner": _partner_ids(detail["customer_id"]),
                "band": detail["band"].astype(str).tolist(),
                "week": detail["week"].astype(np.int64).tolist(),
                "date_start": [d.date() for d in detail["start"]],
                "date_end": [d.date() for d in detail["end"]],
                **{
                    key: np.round(detail[key].to_numpy(dtype=float), 2).tolist()
                    for key in ("expected", "p10", "p90")
                },
            },
        )
        return invoices

    @api.model
    def _keep_snapshot(self, company, today, invoices):
        """Keep the current forecast as a snapshot when the latest is a week old.

        One row per invoice currency, customer group, band and week (every week, zero
        where nothing was expected) and, on the first week's row, the invoices
        of the group (``invoices``: the engine's band of each open invoice), so
        that collected cash splits by the band the invoices had.
        """
        cr = self.env.cr
        cr.execute(
            "SELECT max(forecast_date) FROM ai_cash_forecast WHERE company_id = %s AND is_snapshot",
            [company.id],
        )
        latest = cr.fetchone()[0]
        if latest and latest > today - dt.timedelta(days=SNAPSHOT_EVERY_DAYS):
            return False
        cr.execute(
            "DELETE FROM ai_cash_forecast"
            " WHERE company_id = %s AND is_snapshot AND forecast_date < %s",
            [company.id, today - dt.timedelta(days=SNAPSHOT_KEEP_DAYS)],
        )
        # Invoice lists of snapshots whose weeks are all past the lookback: no
        # collected amount is recomputed from them any more.
        cr.execute(
            """
            DELETE FROM ai_cash_forecast_account_move_rel r
             USING ai_cash_forecast f
             WHERE f.id = r.forecast_id AND f.company_id = %s AND f.forecast_date < %s
            """,
            [company.id, today - dt.timedelta(days=7 * FORECAST_WEEKS + ACTUALS_LOOKBACK_DAYS)],
        )
        if invoices is None or not len(invoices):
            return False
        params = {
            "company": company.id,
            "currency": company.currency_id.id,
            "today": today,
            "weeks": FORECAST_WEEKS,
            "uid": self.env.uid,
            "move": invoices["invoice_id"].astype(np.int64).tolist(),
            "partner": _partner_ids(invoices["group_customer_id"]),
            "invoice_currency": invoices["invoice_currency_id"].tolist(),
            "band": invoices["band"].astype(str).tolist(),
        }
        cr.execute(
            """
            INSERT INTO ai_cash_forecast (
                company_id, currency_id, invoice_currency_id, partner_id, band, week,
                date_start, date_end, forecast_date, is_snapshot, expected_amount,
                p10_amount, p90_amount, actual_amount, error_amount, abs_error_amount,
                create_uid, write_uid, create_date, write_date)
            SELECT %(company)s, %(currency)s, g.invoice_currency, g.partner, g.band, w.week,
                   %(today)s::date + (7 * (w.week - 1) + 1), %(today)s::date + 7 * w.week,
                   %(today)s, TRUE, COALESCE(c.expected_amount, 0), NULL, NULL, 0,
                   -COALESCE(c.expected_amount, 0), COALESCE(c.expected_amount, 0),
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (SELECT DISTINCT invoice_currency, partner, band
                      FROM unnest(%(invoice_currency)s::int[], %(partner)s::int[],
                                  %(band)s::varchar[]) AS v(invoice_currency, partner, band)
                   ) AS g
             CROSS JOIN generate_series(1, %(weeks)s) AS w(week)
              LEFT JOIN ai_cash_forecast c
                     ON c.company_id = %(company)s
                    AND NOT c.is_snapshot
                    AND COALESCE(c.partner_id, 0) = COALESCE(g.partner, 0)
                    AND COALESCE(c.invoice_currency_id, 0) = COALESCE(g.invoice_currency, 0)
                    AND c.band = g.band
                    AND c.week = w.week
            """,
            params,
        )
        cr.execute(
            """
            INSERT INTO ai_cash_forecast_account_move_rel (forecast_id, move_id)
            SELECT f.id, v.move
              FROM unnest(%(move)s::int[], %(invoice_currency)s::int[], %(partner)s::int[],
                          %(band)s::varchar[]) AS v(move, invoice_currency, partner, band)
              JOIN ai_cash_forecast f
                ON f.company_id = %(company)s
               AND f.is_snapshot
               AND f.forecast_date = %(today)s
               AND f.week = 1
               AND COALESCE(f.partner_id, 0) = COALESCE(v.partner, 0)
               AND COALESCE(f.invoice_currency_id, 0) = COALESCE(v.invoice_currency, 0)
               AND f.band = v.band
            """,
            params,
        )
        # Fresh statistics (a weekly event) so that the collected amounts' joins
        # over the new rows are planned as hash joins and index probes.
        cr.execute("ANALYZE ai_cash_forecast, ai_cash_forecast_account_move_rel")
        return True

    @api.model
    def _update_actuals(self, company, today):
        """Collected amounts of the snapshot weeks started by ``today`` (recent ones)."""
        self.env.flush_all()
        self.env.cr.execute(
            _ACTUALS_SQL,
            {
                "company_id": company.id,
                "today": today,
                "weeks": FORECAST_WEEKS,
                "since": today - dt.timedelta(days=ACTUALS_LOOKBACK_DAYS),
            },
        )
        return self.env.cr.rowcount


def _partner_ids(customer_ids):
    """Engine customer ids as partner ids, None for the "Other customers" group."""
    return [None if c == OTHER_CUSTOMERS else c for c in customer_ids.astype(np.int64).tolist()]
