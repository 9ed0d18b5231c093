"""The prediction log: what every scoring run answered for each open invoice.

A row per invoice and scoring day (a second run on the same day replaces the
first): the risk model's P(late), the time-to-payment model's P(paid within 30
days), the expected payment date and the band shown on the invoice, with the
models that gave them. The monthly monitoring judges each invoice's first answer
(its answer at issue) once the outcome is known, as production gave it rather
than re-scored by today's model.

Compact: written and pruned in set-based SQL, without Odoo's create/write
columns, two indexes besides the key; past :data:`DAILY_DAYS` a day's rows are
kept only where they are an invoice's first answer or their month's last run.
"""

import numpy as np
import pandas as pd

from odoo import fields, models
from odoo.tools.sql import create_index

from .account_move import RISK_BAND_SELECTION

#: Days of daily answers kept whole; older ones are thinned by the monthly job.
DAILY_DAYS = 35
#: Rows written per INSERT statement.
WRITE_BATCH = 20000

# An invoice's first answer, for the invoices issued in the window judged.
_FIRST_ANSWERS_SQL = """
    SELECT DISTINCT ON (p.move_id)
           p.move_id, p.snapshot_date, p.risk_model_version, p.ttp_model_version,
           p.p_late / 100.0, p.p_paid_30 / 100.0, p.expected_date, p.band
      FROM ai_risk_prediction p
      JOIN account_move m ON m.id = p.move_id
     WHERE p.company_id = %(company_id)s
       AND m.invoice_date BETWEEN %(start)s AND %(end)s
       AND p.snapshot_date <= %(end)s
     ORDER BY p.move_id, p.snapshot_date
"""


class AiRiskPrediction(models.Model):
    _name = "ai.risk.prediction"
    _description = "Payment Prediction Log"
    _order = "snapshot_date desc, move_id"
    _rec_name = "move_id"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, ondelete="cascade"
    )
    snapshot_date = fields.Date(string="Scored On", required=True, readonly=True)
    risk_model_id = fields.Many2one(
        "ai.risk.model",
        readonly=True,
        ondelete="set null",
        help="Empty: the bundled default model.",
    )
    risk_model_version = fields.Char(readonly=True)
    ttp_model_id = fields.Many2one(
        "ai.risk.model",
        string="Time-to-Payment Model",
        readonly=True,
        ondelete="set null",
        help="Empty: the bundled default model.",
    )
    ttp_model_version = fields.Char(string="Time-to-Payment Model Version", readonly=True)
    p_late = fields.Float(string="Late Risk (%)", readonly=True, aggregator="avg")
    p_paid_30 = fields.Float(
        string="Paid in 30 Days (%)",
        readonly=True,
        aggregator="avg",
        help="P(paid within 30 days of the scoring day), as shown on the invoice.",
    )
    expected_date = fields.Date(string="Expected Payment", readonly=True)
    band = fields.Selection(RISK_BAND_SELECTION, readonly=True)

    _sql_constraints = [
        (
            "move_day_unique",
            "unique(move_id, snapshot_date)",
            "An invoice has one logged answer per scoring day.",
        ),
    ]

    def init(self):
        # Two indexes besides the key, for a compact log: an invoice's answers
        # (the unique constraint on move and day) and a company's days (pruning,
        # the list's date filters).
        create_index(
            self.env.cr,
            "ai_risk_prediction_company_day_idx",
            self._table,
            ["company_id", "snapshot_date"],
        )

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _log_run(self, company, as_of, invoice_ids, partner_ids, shown, models):
        """Log the answers of a scoring run of ``company`` on ``as_of``.

        ``shown`` holds the answers as written on the invoices (percentages as
        rounded there, dates, bands), aligned with ``invoice_ids`` and their
        commercial ``partner_ids`` (all from the company's own history);
        ``models`` is ``((risk record, version), (time-to-payment record,
        version))``, a record empty for a bundled model. A run repeated on the
        same day replaces that day's answers.
        """
        (risk_record, risk_version), (ttp_record, ttp_version) = models
        for start in range(0, len(invoice_ids), WRITE_BATCH):
            chunk = slice(start, start + WRITE_BATCH)
            self.env.cr.execute(
                """
                INSERT INTO ai_risk_prediction AS p
                       (company_id, move_id, partner_id, snapshot_date, risk_model_id,
                        risk_model_version, ttp_model_id, ttp_model_version, p_late,
                        p_paid_30, expected_date, band)
                SELECT %s, v.id, v.partner_id, %s, %s, %s, %s, %s, v.p_late, v.p30,
                       v.expected, v.band
                  FROM unnest(%s::int[], %s::int[], %s::float8[], %s::float8[], %s::date[],
                              %s::varchar[]) AS v(id, partner_id, p_late, p30, expected, band)
                    ON CONFLICT (move_id, snapshot_date) DO UPDATE
                   SET partner_id = EXCLUDED.partner_id,
                       risk_model_id = EXCLUDED.risk_model_id,
                       risk_model_version = EXCLUDED.risk_model_version,
                       ttp_model_id = EXCLUDED.ttp_model_id,
                       ttp_model_version = EXCLUDED.ttp_model_version,
                       p_late = EXCLUDED.p_late, p_paid_30 = EXCLUDED.p_paid_30,
                       expected_date = EXCLUDED.expected_date, band = EXCLUDED.band
                """,
                [
                    company.id,
                    as_of,
                    risk_record.id or None,
                    risk_version,
                    ttp_record.id or None,
                    ttp_version,
                    invoice_ids[chunk].tolist(),
                    partner_ids[chunk].tolist(),
                    shown["p_late"][chunk].tolist(),
                    shown["p_paid_30"][chunk].tolist(),
                    shown["expected_date"][chunk],
                    shown["band"][chunk],
                ],
            )
        self.invalidate_model()

    def _first_answers(self, company, start, end):
        """Each invoice's first logged answer, for the invoices of ``company``
        issued in ``[start, end]`` (the engine's logged-answer frame)."""
        from ..ar_ai_collections.prediction_log import LOGGED_COLUMNS

        self.env.flush_all()
        self.env.cr.execute(
            _FIRST_ANSWERS_SQL,
            {
                "company_id": company.id,
                "start": pd.Timestamp(start).date(),
                "end": pd.Timestamp(end).date(),
            },
        )
        frame = pd.DataFrame(self.env.cr.fetchall(), columns=list(LOGGED_COLUMNS))
        frame["p_late"] = frame["p_late"].astype(np.float64)
        frame["p_paid_30"] = frame["p_paid_30"].astype(np.float64)
        return frame

    def _prune(self, company, run):
        """Thin the log of ``company`` older than :data:`DAILY_DAYS` before ``run``
        to each invoice's first answer and each month's last run."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH month_last AS (
                SELECT max(snapshot_date) AS day
                  FROM ai_risk_prediction
                 WHERE company_id = %(company_id)s
                 GROUP BY date_trunc('month', snapshot_date)
            ), first_answer AS (
                SELECT DISTINCT ON (move_id) id
                  FROM ai_risk_prediction
                 WHERE company_id = %(company_id)s
                 ORDER BY move_id, snapshot_date
            )
            DELETE FROM ai_risk_prediction p
             WHERE p.company_id = %(company_id)s
               AND p.snapshot_date < %(cutoff)s
               AND p.snapshot_date NOT IN (SELECT day FROM month_last)
               AND p.id NOT IN (SELECT id FROM first_answer)
            """,
            {
                "company_id": company.id,
                "cutoff": (pd.Timestamp(run) - pd.Timedelta(days=DAILY_DAYS)).date(),
            },
        )
        self.invalidate_model()
        return self.env.cr.rowcount
