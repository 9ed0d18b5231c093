"""The prediction log: every scoring run's answers, and the monitoring that judges them."""

import datetime as dt

from odoo.tests import tagged

from ..models.ai_risk_prediction import DAILY_DAYS
from .common import LEDGER_END as END
from .common import GeneratedLedgerCase

LOGGED = ("snapshot_date", "p_paid_30", "expected_date", "band", "p_late")


@tagged("post_install", "-at_install")
class TestPredictionLog(GeneratedLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scoring = cls.env["ai.risk.scoring"]
        cls.Prediction = cls.env["ai.risk.prediction"]

    def _log(self, **domain):
        return self.Prediction.search(
            [("company_id", "=", self.company.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def _rows(self, day):
        """``{invoice id: logged values}`` of the scoring day ``day``."""
        return {
            row.move_id.id: tuple(row[f] for f in LOGGED) for row in self._log(snapshot_date=day)
        }

    # ------------------------------------------------------------------
    def test_each_run_logs_what_the_invoices_show(self):
        """A run logs one row per open invoice with the answer written on it and the
        models that gave it; a second run the same day replaces that day's rows, a run
        the next day adds its own."""
        stats = self.scoring.score_company(self.company, as_of=END)
        scored = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("ai_risk_band", "!=", False)]
        )
        self.assertEqual(len(scored), stats["invoices"])
        rows = self._log(snapshot_date=END)
        self.assertEqual(rows.move_id, scored)
        for row in rows:
            move = row.move_id
            self.assertEqual(row.partner_id, move.commercial_partner_id)
            self.assertEqual(row.p_paid_30, move.ai_p_paid_30d)
            self.assertEqual(row.p_late, move.ai_risk_score)
            self.assertEqual(row.expected_date, move.ai_predicted_pay_date)
            self.assertEqual(row.band, move.ai_risk_band)
            self.assertEqual(row.risk_model_version, move.ai_risk_model_version)
            self.assertTrue(row.ttp_model_version)
            self.assertFalse(row.risk_model_id or row.ttp_model_id, "bundled models")
        first = self._rows(END)
        self.env.cr.execute(
            "UPDATE ai_risk_prediction SET p_paid_30 = -1 WHERE company_id = %s",
            [self.company.id],
        )
        self.scoring.score_company(self.company, as_of=END)
        self.assertEqual(self._rows(END), first, "the same day's rows are replaced")
        next_day = END + dt.timedelta(days=1)
        self.scoring.score_company(self.company, as_of=next_day)
        self.assertEqual(self._rows(END), first)
        self.assertEqual(set(self._rows(next_day)), set(first), "nothing was paid in between")
        self.assertFalse(self._log(p_paid_30=-1))

    def test_old_days_are_thinned_to_first_answers_and_month_ends(self):
        """Past DAILY_DAYS, a day's rows stay only as an invoice's first answer or
        as their month's last run."""
        days = [END - dt.timedelta(days=n) for n in (40, 20, 2, 1, 0)]
        for day in days:
            self.scoring.score_company(self.company, as_of=day)
        rows = self._log()
        first = {}
        for row in rows.sorted("snapshot_date"):
            first.setdefault(row.move_id, row)
        month_last = {days[0], END}  # May 21 and June 30
        kept = rows.filtered(lambda r: first[r.move_id] == r or r.snapshot_date in month_last)
        self.assertEqual(self.Prediction._prune(self.company, END), 0, "all recent or kept")
        self.assertLess(len(kept), len(rows), "the drill has rows to thin")
        later = END + dt.timedelta(days=DAILY_DAYS + 10)
        self.assertEqual(self.Prediction._prune(self.company, later), len(rows) - len(kept))
        self.assertEqual(self._log(), kept)
        self.assertEqual(
            kept.filtered(lambda r: r.snapshot_date == END), self._log(snapshot_date=END)
        )

    def test_monitoring_judges_the_answers_production_logged(self):
        """Weekly runs through May and June log most invoices within a week of issue.
        The monitoring a month later judges those answers (the ``n_logged`` of a
        month), from the log itself: answers changed in the log change the month's
        mean prediction, and the judged months keep their outcomes count."""
        monitoring = self.env["ai.model.monitoring"]
        day = dt.date(2025, 5, 1)
        while day <= END:
            self.scoring.score_company(self.company, as_of=day)
            day += dt.timedelta(days=7)
        history = self.scoring._extract_history(self.company)
        later = END + dt.timedelta(days=31)

        def month_rows(model_type):
            monitoring._refresh_company(self.company, history, later)
            rows = monitoring.search(
                [
                    ("company_id", "=", self.company.id),
                    ("kind", "=", "month"),
                    ("model_type", "=", model_type),
                ]
            )
            return {row.month: (row.n, row.n_logged, row.mean_score) for row in rows}

        ttp = month_rows("ttp")
        logged = {month: v for month, v in ttp.items() if v[1]}
        self.assertTrue(logged, ttp)
        for n, n_logged, _mean in ttp.values():
            self.assertLessEqual(n_logged, n)
        # The invoices of June, judged in July: most got an answer within a week of issue.
        july = ttp[dt.date(2025, 7, 1)]
        self.assertGreater(july[1], july[0] / 2, ttp)
        risk = month_rows("risk")
        self.assertTrue(any(v[1] for v in risk.values()), risk)

        def with_logged_answers(p_paid_30, p_late):
            self.env.cr.execute(
                "UPDATE ai_risk_prediction SET p_paid_30 = %s, p_late = %s WHERE company_id = %s",
                [p_paid_30, p_late, self.company.id],
            )
            return month_rows("ttp"), month_rows("risk")

        never, late = with_logged_answers(0.0, 100.0)
        surely, on_time = with_logged_answers(100.0, 0.0)
        for month, (n, n_logged, _mean) in logged.items():
            self.assertEqual(never[month][:2], (n, n_logged))
            # Only the logged answers moved, from 0% to 100%.
            self.assertAlmostEqual(
                surely[month][2] - never[month][2], 100.0 * n_logged / n, places=6, msg=month
            )
        for month, (n, n_logged, _mean) in risk.items():
            self.assertAlmostEqual(
                late[month][2] - on_time[month][2], 100.0 * n_logged / n, places=6, msg=month
            )
