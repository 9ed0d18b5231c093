"""Bulk payment-risk scoring of customer invoices and customers.

The service extracts the canonical invoice history of a company straight from
``account_move``, ``account_move_line`` and ``account_partial_reconcile`` with
one SQL query (``COPY ... TO STDOUT`` into the engine's CSV loader), hands it to
the engine (point-in-time features, ONNX scoring, reasons) and writes the
results back with a few set-based ``UPDATE ... FROM unnest(...)`` statements.
No ORM call is made per invoice or per customer.
"""

import io
import logging
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from odoo import api, fields, models

from ..ar_ai_collections import history as engine_history
from ..ar_ai_collections.constants import DATE_COLUMNS
from .cron_isolation import report_skipped

_logger = logging.getLogger(__name__)

#: Invoices written per UPDATE statement.
WRITE_BATCH = 20000
#: Days back for the customer trend ("score 30 days ago").
TREND_DAYS = 30
#: Invoices refused by the engine reported to a manager per run (the others are logged).
MAX_REPORTED_ROWS = 50
#: precommit data key gathering the commercial partners to rescore.
RESCORE_KEY = "ar_ai_collections.rescore_partner_ids"

# One row per posted customer invoice of the company, in the engine's canonical
# columns. The receivable lines of an invoice are its ``payment_term`` lines;
# it is settled when all of them are reconciled, on the latest date of the
# partial reconciliations against them (payment, credit note...); its first
# payment is the earliest of those that is not a credit note. Amounts are
# ``amount_total_signed``, i.e. in the company currency. Dates are clamped to
# the invoice date (a due date typed before it, a payment reconciled on an
# earlier date) so that legal but odd entries never make the engine refuse the
# whole history. An invoice is ``disputed`` while in dispute and after a dispute
# was resolved or rejected: the model learns from the whole dispute history what
# an open dispute means for the invoices it scores. ``broken_promise``: a promise
# to pay covering the invoice was broken or only partly kept.
HISTORY_SQL = """
    WITH inv AS (
        SELECT m.id, m.commercial_partner_id, m.invoice_date, m.invoice_date_due,
               m.amount_total_signed, m.ai_in_dispute, m.currency_id
          FROM account_move m
         WHERE m.company_id = %(company_id)s
           AND m.move_type = 'out_invoice'
           AND m.state = 'posted'
           AND m.invoice_date IS NOT NULL
           AND m.amount_total_signed > 0
           AND (%(all_partners)s OR m.commercial_partner_id = ANY(%(partner_ids)s))
    ), recv AS (
        SELECT l.move_id,
               bool_and(l.reconciled) AS reconciled,
               min(p.max_date) FILTER (WHERE cm.move_type != 'out_refund')
                   AS first_payment_date,
               max(p.max_date) AS last_payment_date
          FROM inv
          JOIN account_move_line l ON l.move_id = inv.id AND l.display_type = 'payment_term'
          LEFT JOIN account_partial_reconcile p ON p.debit_move_id = l.id
          LEFT JOIN account_move_line cl ON cl.id = p.credit_move_id
          LEFT JOIN account_move cm ON cm.id = cl.move_id
         GROUP BY l.move_id
    )
    SELECT inv.id::text AS invoice_id,
           inv.commercial_partner_id::text AS customer_id,
           inv.invoice_date,
           GREATEST(inv.invoice_date_due, inv.invoice_date) AS due_date,
           inv.amount_total_signed AS amount,
           CASE WHEN recv.reconciled AND recv.last_payment_date IS NOT NULL
                THEN GREATEST(recv.last_payment_date, inv.invoice_date) END AS paid_date,
           CASE WHEN recv.first_payment_date IS NOT NULL
                THEN LEAST(GREATEST(recv.first_payment_date, inv.invoice_date),
                           CASE WHEN recv.reconciled
                                THEN GREATEST(recv.last_payment_date, inv.invoice_date) END)
                END AS first_payment_date,
           GREATEST(inv.invoice_date_due - inv.invoice_date, 0)::float8 AS payment_terms_days,
           (COALESCE(inv.ai_in_dispute, FALSE) OR EXISTS (
                SELECT 1
                  FROM ai_collection_dispute_move_rel rel
                  JOIN ai_collection_dispute d ON d.id = rel.dispute_id
                 WHERE rel.move_id = inv.id AND d.state IN ('open', 'resolved', 'rejected')
           )) AS disputed,
           EXISTS (
                SELECT 1
                  FROM ai_collection_promise_move_rel rel
                  JOIN ai_collection_promise pr ON pr.id = rel.promise_id
                 WHERE rel.move_id = inv.id AND pr.state IN ('broken', 'partial')
           ) AS broken_promise,
           cur.name AS currency,
           COALESCE(country.code, '') AS country,
           COALESCE(ind.name->>'en_US', '') AS industry,
           (partner.credit_limit->>%(company_key)s)::float8 AS credit_limit
      FROM inv
      JOIN res_currency cur ON cur.id = inv.currency_id
      JOIN res_partner partner ON partner.id = inv.commercial_partner_id
      LEFT JOIN recv ON recv.move_id = inv.id
      LEFT JOIN res_country country ON country.id = partner.country_id
      LEFT JOIN res_partner_industry ind ON ind.id = partner.industry_id
     ORDER BY inv.id
"""

# Parsing types of the COPY output (validate_history then checks the frame).
FLOAT_COLUMNS = ("amount", "payment_terms_days", "credit_limit")
HISTORY_DTYPES = {
    "invoice_id": str,
    "customer_id": str,
    "amount": "float64",
    "payment_terms_days": "float64",
    "credit_limit": "float64",
    "disputed": str,
    "broken_promise": str,
    "currency": str,
    "country": str,
    "industry": str,
}

_BUNDLED_MODELS = {}


def default_risk_model():
    """Return the bundled default risk model, loaded once per process."""
    if "risk" not in _BUNDLED_MODELS:
        from ..ar_ai_collections import scoring as engine_scoring

        _BUNDLED_MODELS["risk"] = engine_scoring.load_default_model()
    return _BUNDLED_MODELS["risk"]


def default_ttp_model():
    """Return the bundled time-to-payment model (checked by model_guard), loaded once."""
    if "ttp" not in _BUNDLED_MODELS:
        from ..ar_ai_collections import ttp_model as engine_ttp

        _BUNDLED_MODELS["ttp"] = engine_ttp.load_default_ttp_model()
    return _BUNDLED_MODELS["ttp"]


class AiRiskScoring(models.AbstractModel):
    _name = "ai.risk.scoring"
    _description = "Payment Risk Scoring Service"

    # ------------------------------------------------------------------
    # History extraction
    # ------------------------------------------------------------------
    @api.model
    def _extract_history(self, company, partner_ids=None):
        """Return the canonical history frame of ``company`` (engine dtypes).

        Returns None when the company has no posted customer invoice (the engine
        refuses an empty history).

        :param company: res.company record
        :param partner_ids: optional list of commercial partner ids to restrict to
        """
        self.env.flush_all()
        params = {
            "company_id": company.id,
            "company_key": str(company.id),
            "all_partners": partner_ids is None,
            "partner_ids": list(partner_ids or []),
        }
        cursor = self.env.cr._obj
        query = cursor.mogrify(HISTORY_SQL, params).decode()
        buffer = io.StringIO()
        # Enough memory for the aggregate and the sort not to spill to disk; no
        # JIT: compiling this plan costs more than running it (0.8 s of 1 s on
        # 50,000 invoices) and the row estimates of the joins overshoot.
        self.env.cr.execute("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off")
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
        self.env.cr.execute("SET LOCAL work_mem TO DEFAULT; SET LOCAL jit TO DEFAULT")
        if buffer.tell() and buffer.getvalue().count("\n") <= 1:
            return None  # header only: the company has no posted customer invoice
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            dtype=HISTORY_DTYPES,
            parse_dates=list(DATE_COLUMNS),
            keep_default_na=False,
            na_values={column: [""] for column in (*DATE_COLUMNS, *FLOAT_COLUMNS)},
        )
        return self._validate_history(frame)

    @api.model
    def _validate_history(self, frame):
        """The engine's canonical history of ``frame``, without the invoices it refuses.

        One odd invoice (a due date in year 9999) must not stop the scoring or the
        training of a whole company: the rows the engine names are dropped and their
        invoices reported to a manager (at most ``MAX_REPORTED_ROWS`` activities).
        Returns None when no valid row is left.
        """
        try:
            return engine_history.validate_history(frame)
        except engine_history.HistoryError as error:
            if any(row_error.row is None for row_error in error.errors):
                raise  # a problem with the whole history, not with some rows
            problems = defaultdict(list)
            for row_error in error.errors:
                problems[row_error.row - 2].append(f"{row_error.column}: {row_error.message}")
        _logger.warning("Payment risk history: %d invoices refused by the engine", len(problems))
        moves = self.env["account.move"]
        for position, messages in list(problems.items())[:MAX_REPORTED_ROWS]:
            report_skipped(
                moves.browse(int(frame["invoice_id"].iloc[position])),
                self.env._("Payment risk scoring"),
                "; ".join(messages),
            )
        valid = frame.drop(index=frame.index[list(problems)])
        return engine_history.validate_history(valid) if len(valid) else None

    # ------------------------------------------------------------------
    # Public API
    # ------------------------------------------------------------------
    @api.private
    @api.model
    def score_company(self, company, as_of=None):
        """Score every open customer invoice and customer of ``company``.

        Idempotent: running it twice writes the same values. Invoices that are no
        longer open lose their band, so lists and filters only show live risk.

        :param as_of: scoring date (default: today in the user's timezone)
        :return: dict with the counts and the duration of the run
        """
        started = time.perf_counter()
        # sudo: scoring reads and writes the whole company's ledger, whoever triggers it
        company = company.sudo()
        if not company.ai_risk_enabled:
            return {"company_id": company.id, "invoices": 0, "partners": 0, "skipped": True}
        history = self._extract_history(company)
        stats = self._score_history(company, history, partner_ids=None, as_of=as_of)
        stats["duration"] = time.perf_counter() - started
        _logger.info(
            "Payment risk: company %s scored %d open invoices and %d customers "
            "(history %d invoices, model %s) in %.2f s",
            company.id,
            stats["invoices"],
            stats["partners"],
            0 if history is None else len(history),
            stats["model_version"],
            stats["duration"],
        )
        return stats

    @api.private
    @api.model
    def rescore_partners(self, partners):
        """Rescore the open invoices of the given customers only (fast path).

        Used after posting an invoice or reconciling a payment: the history is
        extracted for these commercial partners only. The engine's population
        priors (what all customers did) are then computed on those customers
        only, so a fast-path score can differ slightly from the daily full run,
        which recomputes everything.
        """
        # sudo: rescoring at posting runs for customers the poster may not read
        commercial_ids = sorted(set(partners.sudo().commercial_partner_id.ids))
        if not commercial_ids:
            return []
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT DISTINCT company_id FROM account_move
             WHERE commercial_partner_id = ANY(%s)
               AND move_type = 'out_invoice' AND state = 'posted'
            """,
            [commercial_ids],
        )
        company_ids = [row[0] for row in self.env.cr.fetchall()]
        results = []
        # sudo: a customer's invoices may belong to companies the poster does not work in
        for company in self.env["res.company"].sudo().browse(company_ids):
            if not company.ai_risk_enabled:
                continue
            history = self._extract_history(company, commercial_ids)
            results.append(self._score_history(company, history, partner_ids=commercial_ids))
        return results

    @api.model
    def _cron_score_open_invoices(self):
        """Daily job: score the open invoices of every company with scoring enabled."""
        # sudo: the scheduled scoring covers every company
        companies = self.env["res.company"].sudo().search([("ai_risk_enabled", "=", True)])
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    stats = self.score_company(company)
            except Exception as error:  # whatever it is, the other companies go on
                report_skipped(company, self.env._("Payment risk scoring"), error)
                continue
            # Commit per company so a large multi-company run keeps its progress.
            if self.env["account.move"]._can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
            _logger.info("Payment risk cron: %s", stats)
        return True

    # ------------------------------------------------------------------
    # Fast rescoring after posting / reconciling
    # ------------------------------------------------------------------
    @api.model
    def _queue_rescore(self, partners):
        """Rescore ``partners`` once, just before the transaction commits."""
        if self.env.context.get("ai_risk_no_rescore") or not partners:
            return
        data = self.env.cr.precommit.data
        if RESCORE_KEY not in data:
            data[RESCORE_KEY] = set()
            self.env.cr.precommit.add(self._run_rescore_queue)
        data[RESCORE_KEY].update(partners.commercial_partner_id.ids)

    def _run_rescore_queue(self):
        partner_ids = self.env.cr.precommit.data.pop(RESCORE_KEY, set())
        if not partner_ids:
            return
        # sudo: the rescoring queued at posting runs whoever posted
        partners = self.env["res.partner"].sudo().browse(sorted(partner_ids)).exists()
        try:
            with self.env.cr.savepoint():
                self.rescore_partners(partners)
        except Exception:
            # Scoring must never block posting an invoice or registering a payment;
            # the daily job will catch up.
            _logger.exception("Payment risk: rescoring partners %s failed", partners.ids)

    # ------------------------------------------------------------------
    # Scoring core
    # ------------------------------------------------------------------
    @api.model
    def _get_scoring_model(self, company):
        """Return ``(RiskModel, ai.risk.model record or empty, is_default)``."""
        # sudo: every scoring uses the champion, which only managers may read
        champion = self.env["ai.risk.model"].sudo()._get_champion(company)
        if champion:
            return champion._load_risk_model(), champion, False
        return default_risk_model(), champion, True

    @api.model
    def _score_history(self, company, history, partner_ids=None, as_of=None):
        """Score the invoices open today in ``history`` and write the results."""
        from ..ar_ai_collections import features as engine_features
        from ..ar_ai_collections import scoring as engine_scoring

        model, record, is_default = self._get_scoring_model(company)
        if history is None:
            # No posted customer invoice (left): nothing to score, no live risk.
            self._clear_closed_invoices(company, np.array([], dtype=np.int64), partner_ids)
            self._clear_partners(company, [], partner_ids)
            return {
                "company_id": company.id,
                "invoices": 0,
                "partners": 0,
                "model_version": model.metadata.version,
                "default_model": is_default,
            }
        thresholds = company._ai_risk_band_thresholds()
        as_of = pd.Timestamp(as_of or fields.Date.context_today(self.with_company(company)))
        now = fields.Datetime.now()
        version = model.metadata.version
        matrix = engine_features.build_features(history, as_of)
        n_open = len(matrix.frame)
        if n_open:
            scores = model.score(matrix, band_thresholds=thresholds, reasons=False).to_frame()
            # The time-to-payment model (bundled; per-company training comes later)
            # answers when each invoice gets paid: dates, P(paid within 7/30/90
            # days), P(default), the invoice band and its own reasons.
            ttp = default_ttp_model().score(history, as_of, reasons=True).frame
            scores = _with_time_to_payment(
                scores,
                ttp,
                company._ai_ttp_band_thresholds(),
                self.env._("Nothing delays the payment more than usual for this company."),
            )
        else:
            scores = pd.DataFrame(columns=list(engine_scoring.SCORE_COLUMNS))
        invoice_ids = scores["invoice_id"].astype(np.int64).to_numpy()
        self._write_invoice_scores(company, scores, invoice_ids, record, version, is_default, now)
        self._clear_closed_invoices(company, invoice_ids, partner_ids)
        partners = self._write_partner_scores(
            company,
            history,
            matrix,
            scores,
            model,
            thresholds,
            as_of,
            now,
            partner_ids,
            is_default,
        )
        self.env["account.move"].invalidate_model(self._invoice_fields())
        self.env["res.partner"].invalidate_model(self._partner_fields())
        return {
            "company_id": company.id,
            "invoices": n_open,
            "partners": partners,
            "model_version": version,
            "default_model": is_default,
        }

    @api.model
    def _invoice_fields(self):
        return [
            "ai_risk_score",
            "ai_default_probability",
            "ai_risk_band",
            "ai_predicted_pay_date",
            "ai_pay_date_low",
            "ai_pay_date_high",
            "ai_expected_days_late",
            "ai_p_paid_7d",
            "ai_p_paid_30d",
            "ai_p_paid_90d",
            "ai_risk_reasons",
            "ai_scored_at",
            "ai_risk_model_id",
            "ai_risk_model_version",
            "ai_scored_by_default_model",
        ]

    @api.model
    def _partner_fields(self):
        return [
            "ai_risk_score",
            "ai_risk_band",
            "ai_risk_currency_id",
            "ai_p_paid_30d",
            "ai_avg_days_late",
            "ai_predicted_dso",
            "ai_open_amount",
            "ai_overdue_amount",
            "ai_risk_trend",
            "ai_risk_reasons",
            "ai_scored_at",
            "ai_scored_by_default_model",
        ]

    @api.model
    def _write_invoice_scores(self, company, scores, invoice_ids, record, version, is_default, now):
        if not len(scores):
            return
        p_late = np.round(scores["p_late"].to_numpy(dtype=float) * 100.0, 1)
        p_default = np.round(scores["p_default"].to_numpy(dtype=float) * 100.0, 1)
        days_late = np.round(scores["expected_days_late"].to_numpy(dtype=float), 1)
        pay_dates = _dates_to_iso(scores["predicted_pay_date"])
        pay_lows = _dates_to_iso(scores["pay_date_low"])
        pay_highs = _dates_to_iso(scores["pay_date_high"])
        p_paid = {
            # Two decimals: most overdue invoices are under 1%, and one decimal
            # would show many of them with the very same figure.
            days: np.round(scores[f"p_paid_{days}d"].to_numpy(dtype=float) * 100.0, 2)
            for days in (7, 30, 90)
        }
        bands = scores["risk_band"].astype(str).tolist()
        reasons = scores["reasons"].astype(str).tolist()
        for start in range(0, len(scores), WRITE_BATCH):
            chunk = slice(start, start + WRITE_BATCH)
            self.env.cr.execute(
                """
                UPDATE account_move AS m
                   SET ai_risk_score = v.score,
                       ai_default_probability = v.p_default,
                       ai_risk_band = v.band,
                       ai_predicted_pay_date = v.pay_date,
                       ai_pay_date_low = v.pay_low,
                       ai_pay_date_high = v.pay_high,
                       ai_expected_days_late = v.days_late,
                       ai_p_paid_7d = v.p7,
                       ai_p_paid_30d = v.p30,
                       ai_p_paid_90d = v.p90,
                       ai_risk_reasons = v.reasons,
                       ai_scored_at = %s,
                       ai_risk_model_id = %s,
                       ai_risk_model_version = %s,
                       ai_scored_by_default_model = %s
                  FROM unnest(%s::int[], %s::float8[], %s::float8[], %s::varchar[],
                              %s::date[], %s::date[], %s::date[], %s::float8[],
                              %s::float8[], %s::float8[], %s::float8[], %s::text[])
                       AS v(id, score, p_default, band, pay_date, pay_low, pay_high,
                            days_late, p7, p30, p90, reasons)
                 WHERE m.id = v.id AND m.company_id = %s
                """,
                [
                    now,
                    record.id or None,
                    version,
                    is_default,
                    invoice_ids[chunk].tolist(),
                    p_late[chunk].tolist(),
                    p_default[chunk].tolist(),
                    bands[chunk],
                    pay_dates[chunk],
                    pay_lows[chunk],
                    pay_highs[chunk],
                    days_late[chunk].tolist(),
                    p_paid[7][chunk].tolist(),
                    p_paid[30][chunk].tolist(),
                    p_paid[90][chunk].tolist(),
                    reasons[chunk],
                    company.id,
                ],
            )

    @api.model
    def _clear_closed_invoices(self, company, open_ids, partner_ids):
        """Drop the band of scored invoices that are no longer open."""
        assignments = """
               SET ai_risk_band = NULL, ai_risk_score = 0, ai_default_probability = 0,
                   ai_expected_days_late = 0, ai_predicted_pay_date = NULL,
                   ai_pay_date_low = NULL, ai_pay_date_high = NULL,
                   ai_p_paid_7d = 0, ai_p_paid_30d = 0, ai_p_paid_90d = 0
        """
        if partner_ids is None:
            self.env.cr.execute(
                f"""
                UPDATE account_move {assignments}
                 WHERE company_id = %s
                   AND move_type = 'out_invoice'
                   AND ai_risk_band IS NOT NULL
                   AND NOT (id = ANY(%s))
                """,
                [company.id, open_ids.tolist()],
            )
            return
        # Fast path: pick the customers' scored invoices through the partial index
        # on commercial_partner_id, then update by primary key; a single
        # statement lets stale statistics on ai_risk_band (right after the first
        # full run) send the planner through the band index (0.5 s at 1M rows).
        self.env.cr.execute(
            """
            SELECT id, ai_risk_band IS NOT NULL FROM account_move
             WHERE commercial_partner_id = ANY(%s)
               AND company_id = %s
               AND move_type = 'out_invoice'
            """,
            [list(partner_ids), company.id],
        )
        scored = np.array([row[0] for row in self.env.cr.fetchall() if row[1]], dtype=np.int64)
        closed = np.setdiff1d(scored, open_ids)
        if len(closed):
            self.env.cr.execute(
                f"UPDATE account_move {assignments} WHERE id = ANY(%s)",
                [closed.tolist()],
            )

    @api.model
    def _write_partner_scores(
        self,
        company,
        history,
        matrix,
        scores,
        model,
        thresholds,
        as_of,
        now,
        partner_ids,
        is_default=False,
    ):
        """Aggregate the invoice scores per customer and write them; return the count."""
        from ..ar_ai_collections import features as engine_features
        from ..ar_ai_collections import scoring as engine_scoring

        summary = engine_features.customer_summary(history, as_of).set_index("customer_id")
        current = _customer_risk(scores, matrix)
        past_as_of = as_of - pd.Timedelta(days=TREND_DAYS)
        past_matrix = engine_features.build_features(history, past_as_of)
        if len(past_matrix.frame):
            past_scores = model.score(past_matrix, band_thresholds=thresholds, reasons=False)
            past = _customer_risk(past_scores.to_frame(), past_matrix)
        else:
            past = pd.DataFrame({"score": pd.Series(dtype="float64")})
        customers = current.join(summary, how="left")
        past_score = past["score"].astype("float64").reindex(customers.index)
        trend = customers["score"].astype("float64") - past_score
        customers["trend"] = trend.fillna(0.0).round(1)
        customers["band"] = engine_scoring.risk_bands(
            customers["score"].to_numpy(dtype=float) / 100.0, thresholds
        )
        ids = customers.index.astype(np.int64).to_numpy()
        if len(customers):
            self.env.cr.execute(
                """
                UPDATE res_partner AS p
                   SET ai_risk_score = v.score,
                       ai_risk_band = v.band,
                       ai_p_paid_30d = v.p30,
                       ai_risk_currency_id = %s,
                       ai_avg_days_late = v.avg_days_late,
                       ai_predicted_dso = v.dso,
                       ai_risk_trend = v.trend,
                       ai_risk_reasons = v.reasons,
                       ai_scored_at = %s,
                       ai_scored_by_default_model = %s
                  FROM unnest(%s::int[], %s::float8[], %s::varchar[], %s::float8[],
                              %s::float8[], %s::float8[], %s::float8[], %s::text[])
                       AS v(id, score, band, p30, avg_days_late, dso, trend, reasons)
                 WHERE p.id = v.id
                """,
                [
                    company.currency_id.id,
                    now,
                    is_default,
                    ids.tolist(),
                    _floats(customers["score"].round(1)),
                    customers["band"].astype(str).tolist(),
                    _floats(customers["p_paid_30d"].round(2)),
                    _floats(customers["avg_days_late"]),
                    _floats(customers["dso"]),
                    _floats(customers["trend"]),
                    customers["reasons"].tolist(),
                ],
            )
            # Open and overdue amounts: what is left to pay, from the ledger itself
            # (the canonical history has no residual amounts), company currency.
            self.env.cr.execute(
                """
                UPDATE res_partner AS p
                   SET ai_open_amount = a.open_amount, ai_overdue_amount = a.overdue_amount
                  FROM (
                        SELECT commercial_partner_id AS partner_id,
                               sum(amount_residual_signed) AS open_amount,
                               COALESCE(sum(amount_residual_signed)
                                   FILTER (WHERE invoice_date_due < %s), 0) AS overdue_amount
                          FROM account_move
                         WHERE company_id = %s
                           AND move_type = 'out_invoice'
                           AND state = 'posted'
                           AND payment_state IN ('not_paid', 'partial')
                           AND commercial_partner_id = ANY(%s)
                         GROUP BY commercial_partner_id
                       ) AS a
                 WHERE p.id = a.partner_id
                """,
                [as_of.date(), company.id, ids.tolist()],
            )
        self._clear_partners(company, ids.tolist(), partner_ids)
        return len(customers)

    @api.model
    def _clear_partners(self, company, scored_ids, partner_ids):
        """Customers of the company without open invoices any more: no live risk.

        The customer fields are not per company: a customer that still has open
        invoices in another company keeps the scores that company's run wrote.
        """
        self.env.cr.execute(
            """
            UPDATE res_partner
               SET ai_risk_band = NULL, ai_risk_score = 0, ai_risk_trend = 0, ai_p_paid_30d = 0,
                   ai_open_amount = 0, ai_overdue_amount = 0, ai_predicted_dso = 0,
                   ai_risk_reasons = NULL
             WHERE ai_risk_band IS NOT NULL
               AND NOT (id = ANY(%(scored)s))
               AND id IN (
                    SELECT commercial_partner_id FROM account_move
                     WHERE company_id = %(company)s AND move_type = 'out_invoice'
                       AND (%(all)s OR commercial_partner_id = ANY(%(partners)s)))
               AND NOT EXISTS (
                    SELECT 1 FROM account_move other
                     WHERE other.commercial_partner_id = res_partner.id
                       AND other.company_id != %(company)s
                       AND other.move_type = 'out_invoice'
                       AND other.state = 'posted'
                       AND other.payment_state IN ('not_paid', 'partial'))
            """,
            {
                "scored": list(scored_ids),
                "company": company.id,
                "all": partner_ids is None,
                "partners": list(partner_ids or []),
            },
        )


def _customer_risk(scores, matrix):
    """Per customer: amount-weighted risk and P(paid in 30 days) (%), DSO, top reasons.

    The customer's score is the probability of paying late averaged over its open
    invoices weighted by amount; its reasons are those of its riskiest invoice.
    Scores without the time-to-payment columns (the trend's past run) give no
    ``p_paid_30d``.
    """
    if not len(scores):
        empty = pd.Index([], name="customer_id")
        return pd.DataFrame(columns=["score", "p_paid_30d", "dso", "reasons"], index=empty)
    frame = matrix.frame[["invoice_id", "invoice_date", "amount"]].merge(
        scores, on="invoice_id", how="inner"
    )
    weight = frame["amount"].clip(lower=0.0).to_numpy(dtype=float) + 1e-9
    frame["w"] = weight
    frame["w_late"] = weight * frame["p_late"].to_numpy(dtype=float)
    frame["w_paid_30d"] = weight * frame.get("p_paid_30d", np.nan)
    pay = pd.to_datetime(frame["predicted_pay_date"])
    frame["w_dso"] = weight * (pay - pd.to_datetime(frame["invoice_date"])).dt.days.clip(lower=0)
    grouped = frame.groupby("customer_id", sort=False)
    sums = grouped[["w", "w_late", "w_paid_30d", "w_dso"]].sum(min_count=1)
    result = pd.DataFrame(index=sums.index)
    # Unrounded: the band is computed from it; rounded when written.
    result["score"] = sums["w_late"] / sums["w"] * 100.0
    result["p_paid_30d"] = sums["w_paid_30d"] / sums["w"] * 100.0
    result["dso"] = (sums["w_dso"] / sums["w"]).round(1)
    if "reasons" in frame:
        riskiest = frame.loc[grouped["p_late"].idxmax()].set_index("customer_id")
        result["reasons"] = riskiest["reasons"].reindex(result.index)
    else:
        result["reasons"] = ""
    return result


def _with_time_to_payment(scores, ttp, thresholds, no_driver):
    """The risk scores with the time-to-payment model's answer, matched on invoice.

    Dates, days late, P(paid within 7/30/90 days) and P(default) come from the
    time-to-payment frame ``ttp``; the band is on P(not paid within 30 days)
    (``thresholds`` in %); the reasons are that model's, one per line.
    """
    from ..ar_ai_collections import ttp_model as engine_ttp

    ttp = ttp.set_index("invoice_id").reindex(scores["invoice_id"])
    out = scores.copy()
    columns = (*engine_ttp.TTP_SCORE_COLUMNS, *engine_ttp.TTP_REPLACED_COLUMNS)
    for column in (*columns, "p_default"):
        out[column] = ttp[column].to_numpy()
    p_not_paid_30d = 1.0 - out["p_paid_30d"].to_numpy(dtype=float)
    out["risk_band"] = engine_ttp.ttp_bands(p_not_paid_30d, thresholds)
    reasons = ttp["reasons"].fillna("").astype(str).str.split("; ")
    out["reasons"] = ["\n".join(r for r in items if r) or no_driver for items in reasons]
    return out


def _floats(series):
    """Return a list of Python floats with NaN as None (SQL NULL)."""
    values = series.to_numpy(dtype=float)
    return [None if np.isnan(v) else float(v) for v in values]


def _dates_to_iso(series):
    """Return a list of ``datetime.date`` (or None) from a date-like column."""
    stamps = pd.to_datetime(series)
    return [None if pd.isna(v) else v.date() for v in stamps]
