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
from odoo.tools import SQL

from ..ar_ai_collections import history as engine_history
from ..ar_ai_collections.constants import DATE_COLUMNS
from . import risk_score_writes as writes
from .cron_isolation import report_skipped
from .risk_history_sql import DETAIL_DATE_COLUMNS, FLOAT_COLUMNS, HISTORY_DTYPES, HISTORY_SQL

_logger = logging.getLogger(__name__)

#: Invoices refused by the engine reported to a manager per run (the others are logged).
MAX_REPORTED_ROWS = 50
#: precommit data key gathering the commercial partners to rescore.
RESCORE_KEY = "ar_ai_collections.rescore_partner_ids"

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
        """Return the canonical history frame of ``company`` (engine dtypes), with
        the payment detail the KPIs read (``first_payment_amount``,
        ``credit_note_amount``, ``credit_note_date``).

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
        # COPY through Odoo's cursor (it hands psycopg2's methods over)
        cursor = self.env.cr
        query = cursor.mogrify(HISTORY_SQL, params).decode()
        buffer = io.BytesIO()  # bytes as they come: no decoding for read_csv to encode again
        # Enough memory for the aggregate and the sort not to spill to disk; no
        # JIT: compiling this plan costs more than running it (0.8 s of 1 s on
        # 50,000 invoices) and the row estimates of the joins overshoot.
        self.env.cr.execute("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off")
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
        self.env.cr.execute("SET LOCAL work_mem TO DEFAULT; SET LOCAL jit TO DEFAULT")
        buffer.seek(0)
        dates = [*DATE_COLUMNS, *DETAIL_DATE_COLUMNS]
        frame = pd.read_csv(
            buffer,
            dtype=HISTORY_DTYPES,
            parse_dates=dates,
            keep_default_na=False,
            na_values={column: [""] for column in (*dates, *FLOAT_COLUMNS)},
            true_values=["t"],
            false_values=["f"],
        )
        if frame.empty:
            return None  # header only: the company has no posted customer invoice
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
    def score_company(self, company, as_of=None, with_forecast=False):
        """Score every open customer invoice and customer of ``company``.

        Idempotent: running it twice writes the same values. Invoices that are no
        longer open lose their band, so lists and filters only show live risk.

        :param as_of: scoring date (default: today in the user's timezone)
        :param with_forecast: also write the cash forecast from the run's curves
            (the daily job: the forecast's own job then skips the company that day)
        :return: dict with the counts and the duration of the run
        """
        started = time.perf_counter()
        # sudo: scoring reads and writes the whole company's ledger, whoever triggers it
        company = company.sudo()
        if not company.ai_risk_enabled:
            return {"company_id": company.id, "invoices": 0, "partners": 0, "skipped": True}
        history = self._extract_history(company)
        stats = self._score_history(
            company, history, partner_ids=None, as_of=as_of, with_forecast=with_forecast
        )
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
                    stats = self.score_company(company, with_forecast=True)
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
    def _get_ttp_model(self, company):
        """Return ``(TTPModel, ai.risk.model record or empty)``: the company's
        time-to-payment champion (with its calibration), else the bundled model."""
        # sudo: every scoring and forecast uses the champion, which only managers may read
        champion = self.env["ai.risk.model"].sudo()._get_champion(company, "ttp")
        return (champion._load_risk_model() if champion else default_ttp_model()), champion

    @api.model
    def _score_history(self, company, history, partner_ids=None, as_of=None, with_forecast=False):
        """Score the invoices open today in ``history`` and write the results (and
        the cash forecast from the same curves ``with_forecast``, full runs only)."""
        from ..ar_ai_collections import features as engine_features
        from ..ar_ai_collections import scoring as engine_scoring

        model, record, is_default = self._get_scoring_model(company)
        if history is None:
            # No posted customer invoice (left): nothing to score, no live risk.
            writes.clear_closed_invoices(
                self.env, company, np.array([], dtype=np.int64), partner_ids
            )
            writes.clear_partners(self.env, company, [], partner_ids)
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
            # The time-to-payment model (the company's champion, else the bundled
            # one) answers when each invoice gets paid: dates, P(paid within
            # 7/30/90 days), P(default), the invoice band and its own reasons.
            ttp_model, ttp_record = self._get_ttp_model(company)
            ttp_scores = ttp_model.score(history, as_of)
            ttp = ttp_scores.frame.assign(reasons=self._ttp_reasons(ttp_model, ttp_scores))
            scores = writes.with_time_to_payment(
                scores,
                ttp,
                company._ai_ttp_band_thresholds(),
                self.env._("Nothing delays the payment more than usual for this company."),
            )
            invoice_ids = scores["invoice_id"].astype(np.int64).to_numpy()
            shown = writes.shown_answers(scores)
            writes.write_invoice_scores(
                self.env, company, shown, invoice_ids, record, version, is_default, now
            )
            self.env["ai.risk.prediction"]._log_run(
                company,
                as_of.date(),
                invoice_ids,
                scores["customer_id"].astype(np.int64).to_numpy(),
                shown,
                ((record, version), (ttp_record, ttp_model.metadata.version)),
            )
            if with_forecast and partner_ids is None:
                self._forecast_from_run(company, as_of.date(), ttp_scores)
        else:
            scores = pd.DataFrame(columns=list(engine_scoring.SCORE_COLUMNS))
            invoice_ids = np.array([], dtype=np.int64)
        writes.clear_closed_invoices(self.env, company, invoice_ids, partner_ids)
        partners = writes.write_partner_scores(
            self.env,
            company=company,
            history=history,
            matrix=matrix,
            scores=scores,
            model=model,
            thresholds=thresholds,
            as_of=as_of,
            now=now,
            partner_ids=partner_ids,
            is_default=is_default,
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
    def _forecast_from_run(self, company, as_of, ttp_scores):
        """Write the cash forecast of ``company`` from the run's time-to-payment curves.

        A failure leaves the scoring written: the forecast's own daily job, finding
        no forecast of the day, refreshes it.
        """
        try:
            with self.env.cr.savepoint():
                self.env["ai.cash.forecast"]._refresh_from_scoring(company, as_of, ttp_scores)
        except Exception:  # whatever it is, the scores stand
            _logger.exception("Cash forecast from the scoring run of company %s failed", company.id)

    @api.model
    def _ttp_reasons(self, ttp_model, ttp_scores):
        """Reasons of the time-to-payment answers ("; "-joined, aligned with the frame).

        Explained only where the answer shown changed since the invoice's last
        scoring (P(paid within 7, 30, 90 days) as stored, 2 decimals) or no
        reason is stored; the others keep their stored reasons. The attribution
        reruns the model once per feature (0.7 ms per invoice, 65 of the 220 s
        of a 100,000-invoice run) while day to day most answers do not move.
        """
        from ..ar_ai_collections.reasons import explain_ttp

        frame = ttp_scores.frame
        self.env["account.move"].flush_model(
            ["ai_p_paid_7d", "ai_p_paid_30d", "ai_p_paid_90d", "ai_risk_reasons"]
        )
        self.env.cr.execute(
            SQL(
                "SELECT id, ai_p_paid_7d, ai_p_paid_30d, ai_p_paid_90d, ai_risk_reasons"
                " FROM account_move WHERE id = ANY(%s)",
                frame["invoice_id"].astype(np.int64).tolist(),
            )
        )
        stored = (
            pd.DataFrame(self.env.cr.fetchall(), columns=["id", "p7", "p30", "p90", "reasons"])
            .set_index("id")
            .reindex(frame["invoice_id"].astype(np.int64).to_numpy())
        )
        same = stored["reasons"].fillna("").astype(bool).to_numpy()
        for days in (7, 30, 90):
            shown = np.round(frame[f"p_paid_{days}d"].to_numpy(dtype=float) * 100.0, 2)
            same &= np.abs(stored[f"p{days}"].to_numpy(dtype=float) - shown) < 1e-6
        reasons = stored["reasons"].fillna("").str.replace("\n", "; ").to_numpy(dtype=object)
        changed = np.flatnonzero(~same)
        for row, texts in zip(changed, explain_ttp(ttp_model, ttp_scores.X[changed]), strict=True):
            reasons[row] = "; ".join(texts)
        return reasons

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
