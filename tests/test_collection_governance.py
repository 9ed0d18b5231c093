"""Model monitoring, fairness audit and A/B experiments on a generated ledger."""

import datetime as dt

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..ar_ai_collections import experiments as engine_experiments
from ..ar_ai_collections.monitoring import CALENDAR_FEATURES
from ..models.ai_collection_experiment import DEMO_LOGGED_WEEKS
from ..models.ai_risk_prediction import DAILY_DAYS
from .common import LEDGER_END as END
from .common import GeneratedLedgerCase


@tagged("post_install", "-at_install")
class TestCollectionGovernance(GeneratedLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="gov_manager", groups="ar_ai_collections.group_collections_manager"
        )
        cls.collector = new_test_user(
            cls.env, login="gov_collector", groups="ar_ai_collections.group_collections_user"
        )
        cls.Monitoring = cls.env["ai.model.monitoring"]
        cls.Fairness = cls.env["ai.fairness.report"]
        cls.history = cls.env["ai.risk.scoring"]._extract_history(cls.company)

    def _monitor(self, day):
        return self.Monitoring._refresh_company(self.company, self.history, day)

    def _rows(self, model, **domain):
        return self.env[model].search(
            [("company_id", "=", self.company.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    @staticmethod
    def _judged_psi(rows):
        """The largest PSI of the features alerted on (calendar ones drift by design)."""
        return max(r.psi for r in rows if r.subject not in CALENDAR_FEATURES)

    # ------------------------------------------------------------------
    def test_monitoring_flags_customers_who_stopped_paying(self):
        """At the ledger's end the book looks like the months before; a month later,
        nobody having paid since, the open invoices are all older and overdue: the
        PSI flags it at that first run, a manager gets an activity, and a repeated
        run adds nothing."""
        log = self._monitor(END)
        self.assertTrue(len(log))
        self.company.ai_risk_retrain_required = False  # whatever the first run found
        months = self._rows("ai.model.monitoring", kind="month")
        self.assertTrue(months)
        measured = months.filtered(lambda r: r.n >= 20)
        self.assertTrue(measured)
        for row in measured:
            self.assertTrue(0.0 <= row.auc <= 1.0 and 0.0 <= row.ece <= 1.0, row.month)
            self.assertGreaterEqual(row.brier, 0.0)
        drift = self._rows("ai.model.monitoring", kind="drift", run_date=END)
        self.assertIn("score", drift.mapped("subject"))
        steady = self._judged_psi(drift)

        later = END + dt.timedelta(days=31)
        open_at_end = self.history["paid_date"].isna().sum()
        self.assertGreaterEqual(open_at_end, 50, "PSI is alerted on from 50 open invoices")
        self._monitor(later)
        shifted = self._rows("ai.model.monitoring", kind="drift", run_date=later)
        self.assertGreater(
            self._judged_psi(shifted),
            max(steady, 0.25),
            self._rows("ai.model.monitoring", kind="alert").mapped("message"),
        )
        alerts = self._rows(
            "ai.model.monitoring", kind="alert", model_type="risk", month=later.replace(day=1)
        )
        self.assertIn("psi", alerts.mapped("alert_kind"))
        for alert in alerts:
            if alert.alert_kind == "auc_drop":
                self.assertLess(alert.value, alert.threshold)
            else:
                self.assertGreater(alert.value, alert.threshold)
        # One activity for a manager lists the run's alerts.
        managers = self.env.ref("ar_ai_collections.group_collections_manager").users
        self.assertEqual(len(alerts.activity_ids), 1)
        self.assertIn(alerts.activity_ids.user_id, managers)
        shift = alerts.filtered(lambda a: a.alert_kind == "psi")[0]
        self.assertIn(f"{shift.subject} has shifted", alerts.activity_ids.note)
        self.assertIn("next monthly retraining is mandatory", alerts.activity_ids.note)
        self.assertTrue(self.company.ai_risk_retrain_required)
        self._monitor(later)
        again = self._rows(
            "ai.model.monitoring", kind="alert", model_type="risk", month=later.replace(day=1)
        )
        self.assertEqual(again, alerts, "a repeated run keeps the alerts and their activities")
        self.assertEqual(len(again.activity_ids), 1)
        self.assertEqual(
            len(self._rows("ai.model.monitoring", kind="drift", run_date=later)), len(shifted)
        )

    def test_monitoring_thresholds_come_from_the_settings(self):
        """The same run alerts or not with the company's thresholds: PSI and ECE
        limits, and the outcomes a month needs to be judged."""
        later = END + dt.timedelta(days=31)
        month = later.replace(day=1)

        def alert_kinds(**settings):
            self.company.write(settings)
            self._monitor(later)
            alerts = self._rows("ai.model.monitoring", kind="alert", model_type="risk", month=month)
            return set(alerts.mapped("alert_kind"))

        self.assertIn("psi", alert_kinds())
        self.assertNotIn("psi", alert_kinds(ai_monitor_psi_max=50.0))
        self.assertIn("psi", alert_kinds(ai_monitor_psi_max=0.25))
        judged = self._rows("ai.model.monitoring", kind="month", model_type="risk", month=month)
        self.assertTrue(judged and judged.n > 0, "the month has outcomes to judge")
        self.assertNotIn("ece", alert_kinds(ai_monitor_ece_max=1.0, ai_monitor_min_outcomes=1))
        self.assertIn("ece", alert_kinds(ai_monitor_ece_max=judged.ece / 2))
        self.assertNotIn("ece", alert_kinds(ai_monitor_min_outcomes=judged.n + 1))
        with self.assertRaises(ValidationError):
            self.company.ai_monitor_psi_max = -0.1
        # Settings are company fields behind the accounting groups.
        settings = self.env["res.config.settings"].create({"ai_monitor_auc_drop": 0.08})
        settings.execute()
        self.assertEqual(self.company.ai_monitor_auc_drop, 0.08)

    def test_time_to_payment_monitoring_sees_customers_stop_paying(self):
        """The TTP model's P(paid within 30 days) is judged per month and band
        against the payments within 30 days of the snapshot. A month after the
        ledger's end nobody has paid since: the month's invoices are paid far less
        often than predicted, its calibration error is worse than any earlier
        month's, and with the ECE limit at the worst earlier month the alert fires
        for the TTP model only then (its own rows, alert and activity)."""
        self.company.ai_monitor_min_outcomes = 20  # 30 customers: 35-45 outcomes a month
        self._monitor(END)
        ttp = self._rows("ai.model.monitoring", kind="month", model_type="ttp")
        judged = ttp.filtered(lambda r: r.n >= 20)
        self.assertGreaterEqual(len(judged), 6)
        for row in judged:
            self.assertTrue(0.6 < row.auc <= 1.0 and 0.0 <= row.ece <= 1.0, row.month)
        june = ttp.filtered(lambda r: r.month == END.replace(day=1))
        bands = self._rows("ai.model.monitoring", kind="band", model_type="ttp", run_date=END)
        self.assertEqual(sum(bands.mapped("n")), june.n)
        usual = sum(judged.mapped("positive_rate")) / len(judged)
        self.company.ai_monitor_ece_max = max(judged.mapped("ece"))
        self._monitor(END)
        self.assertFalse(self._rows("ai.model.monitoring", kind="alert", model_type="ttp"))

        later = END + dt.timedelta(days=31)
        month = later.replace(day=1)
        self._monitor(later)
        stopped = self._rows("ai.model.monitoring", kind="month", model_type="ttp", month=month)
        self.assertGreaterEqual(stopped.n, 20)
        self.assertLess(stopped.positive_rate, usual / 2)
        self.assertGreater(stopped.ece, self.company.ai_monitor_ece_max)
        alerts = self._rows("ai.model.monitoring", kind="alert", model_type="ttp", month=month)
        self.assertIn(("ece", "ttp"), [(a.alert_kind, a.subject) for a in alerts])
        self.assertEqual(len(alerts.activity_ids), 1)
        self.assertIn("Time to payment", alerts.activity_ids.summary)
        self.assertTrue(self.company.ai_risk_retrain_required)

    def test_cash_forecast_error_per_week(self):
        """WAPE of the forecast made a week ahead (each weekly snapshot's first week)
        against what was collected; later weeks of a snapshot do not count."""
        Forecast = self.env["ai.cash.forecast"]
        base = {"company_id": self.company.id, "currency_id": self.company.currency_id.id}
        weeks = [
            (dt.date(2025, 6, 2), 1, 100.0, 80.0),
            (dt.date(2025, 6, 9), 1, 50.0, 50.0),
            (dt.date(2025, 6, 9), 2, 500.0, 0.0),  # two weeks ahead: not judged
            (dt.date(2025, 6, 30), 1, 10.0, 0.0),  # not over at the run date
        ]
        Forecast.create(
            [
                {
                    **base,
                    "is_snapshot": True,
                    "forecast_date": start - dt.timedelta(days=7 * week - 6),
                    "week": week,
                    "date_start": start,
                    "date_end": start + dt.timedelta(days=6),
                    "expected_amount": expected,
                    "actual_amount": collected,
                }
                for start, week, expected, collected in weeks
            ]
        )
        self._monitor(END)
        rows = self._rows("ai.model.monitoring", kind="forecast")
        self.assertEqual(sorted(rows.mapped("month")), [dt.date(2025, 6, 2), dt.date(2025, 6, 9)])
        self.assertEqual(set(rows.mapped("model_type")), {"ttp"})
        first, second = rows.sorted("month")
        self.assertAlmostEqual(first.wape, 25.0)
        self.assertEqual((first.expected_amount, first.collected_amount), (100.0, 80.0))
        self.assertAlmostEqual(second.wape, 0.0)

    def test_fairness_report_follows_the_engine_rules(self):
        self.env["ai.collection.kpi"]._refresh(self.company, today=END)
        rows = self._rows("ai.fairness.report", run_date=END)
        self.assertTrue(rows)
        self.assertLessEqual(
            {"country", "customer_size", "customer_age"}, set(rows.mapped("attribute"))
        )
        sizes = rows.filtered(lambda r: r.attribute == "customer_size")
        self.assertEqual(
            sum(sizes.mapped("n_invoices")),
            sum(rows.filtered(lambda r: r.attribute == "country").mapped("n_invoices")),
        )
        for row in rows.filtered("judged"):
            with self.subTest(attribute=row.attribute, group=row.group_name):
                self.assertTrue(0.0 <= row.share_high <= 100.0)
                breach = (
                    0.0 < row.impact_ratio < 0.8
                    or abs(row.false_positive_gap) > 10.0
                    or abs(row.false_negative_gap) > 10.0
                )
                self.assertEqual(row.flagged, breach)
                self.assertEqual(bool(row.flags), row.flagged)
        # The best-treated group of an attribute is its own reference: ratio 1.
        for attribute in set(rows.filtered("judged").mapped("attribute")):
            judged = rows.filtered(lambda r, a=attribute: r.judged and r.attribute == a)
            if len(judged) > 1:
                best = min(judged, key=lambda r: (r.share_high, r.group_name))
                self.assertAlmostEqual(best.false_positive_gap, 0.0)
        # The printable report for an auditor lists the flagged groups.
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("ar_ai_collections.report_ai_fairness_audit", rows.ids)[0]
            .decode()
        )
        self.assertIn("four-fifths rule", html)
        for row in rows.filtered("flagged")[:3]:
            self.assertIn(row.group_name, html)
        # Idempotent per month; managers only.
        self.env["ai.collection.kpi"]._refresh(self.company, today=END)
        self.assertEqual(len(self._rows("ai.fairness.report", run_date=END)), len(rows))
        with self.assertRaises(AccessError):
            self.Fairness.with_user(self.collector).search([])
        with self.assertRaises(AccessError):
            self.Monitoring.with_user(self.collector).search([])

    def test_fairness_counts_every_contact_and_every_review(self):
        """A letter ("done") is a contact; a review approved then sent was a review."""
        Kpi = self.env["ai.collection.kpi"]

        def totals():
            Kpi._refresh(self.company, today=END)
            rows = self._rows("ai.fairness.report", run_date=END, attribute="country")
            contacts = sum(r.contacts_per_customer * r.n_customers for r in rows)
            reviews = sum(r.share_review * r.n_customers / 100.0 for r in rows)
            return contacts, reviews

        contacts, reviews = totals()
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("move_type", "=", "out_invoice"),
                ("invoice_date", ">", END - dt.timedelta(days=200)),
                ("invoice_date", "<=", END),
                ("id", "not in", self.env["ai.dunning.log"].search([]).move_id.ids),
            ],
        )
        # One invoice of each of four customers: the review share counts customers.
        invoices = self.env["account.move"].concat(
            *{move.commercial_partner_id: move for move in reversed(invoices)}.values()
        )[:4]
        level = self.env["ai.dunning.level"].create(
            {"name": "Audit", "days": 5, "send_email": False, "company_id": self.company.id}
        )
        self.assertEqual(len(invoices), 4)
        for invoice, (action, outcome, approved) in zip(
            invoices,
            [
                ("letter", "done", False),
                ("email", "sent", True),
                ("email", "queued_review", False),
                ("", "skipped", False),
            ],
            strict=True,
        ):
            # sudo: the audit trail is written by the run only; the test writes its lines
            self.env["ai.dunning.log"].sudo().create(
                {
                    "company_id": self.company.id,
                    "partner_id": invoice.commercial_partner_id.id,
                    "move_id": invoice.id,
                    "level_id": level.id,
                    "action": action,
                    "outcome": outcome,
                    "approved_by_id": approved and self.manager.id,
                }
            )
        after_contacts, after_reviews = totals()
        # Stored per group with two decimals: the totals are exact to a few tenths.
        self.assertAlmostEqual(after_contacts - contacts, 2.0, delta=0.3)
        self.assertAlmostEqual(after_reviews - reviews, 2.0, delta=0.3)

    def test_experiment_assignment_is_sticky_and_measured(self):
        experiment = self.env["ai.collection.experiment"].create(
            {
                "name": "Timing",
                "company_id": self.company.id,
                "arm_ids": [
                    (0, 0, {"name": "Age-only", "is_control": True, "allocation": 50.0}),
                    (0, 0, {"name": "Risk-aware", "allocation": 50.0}),
                ],
            }
        )
        start = END - dt.timedelta(days=120)
        experiment.write({"state": "running", "date_start": start})
        self.assertGreater(experiment._assign(start), 0)
        first = {a.partner_id.id: a.arm_id.name for a in experiment.assignment_ids}
        # The engine's hash decides: same key, same customers, same arms.
        expected = engine_experiments.assign(
            list(first), experiment.key, {"Age-only": 50.0, "Risk-aware": 50.0}
        )
        self.assertEqual(list(first.values()), list(expected))
        # Later runs assign the newly overdue customers only; nobody changes arm.
        experiment._assign(start + dt.timedelta(days=60))
        experiment.invalidate_recordset()
        after = {a.partner_id.id: a.arm_id.name for a in experiment.assignment_ids}
        self.assertEqual({p: after[p] for p in first}, first)
        self.assertEqual(len(after), len(experiment.assignment_ids.partner_id))

        experiment._measure(END)
        self.assertGreater(experiment.customers_measured, 0)
        self.assertEqual(sum(experiment.arm_ids.mapped("customers")), experiment.customers_measured)
        for arm in experiment.arm_ids:
            self.assertTrue(0.0 <= arm.metric <= 100.0)
            if arm.customers:
                self.assertAlmostEqual(
                    arm.metric, 100 * arm.collected_amount / arm.overdue_amount, delta=0.05
                )
        challenger = experiment.arm_ids.filtered(lambda a: not a.is_control)
        self.assertEqual(experiment.verdict, challenger.verdict)
        self.assertTrue(
            experiment.verdict.startswith(("not enough data", "no difference", "Risk-aware"))
        )

        # Managers adopt an arm; collectors read but cannot act.
        with self.assertRaises(AccessError):
            challenger.with_user(self.collector).action_adopt()
        with self.assertRaises(AccessError):
            experiment.with_user(self.collector).action_start()
        self.assertEqual(
            experiment.with_user(self.collector).read(["verdict"])[0]["verdict"], experiment.verdict
        )
        challenger.with_user(self.manager).action_adopt()
        self.assertEqual(experiment.winner_arm_id, challenger)
        self.assertEqual(experiment.adopted_by_id, self.manager)
        self.assertEqual(experiment.state, "done")

    def test_experiment_needs_a_control_and_full_allocation(self):
        experiment = self.env["ai.collection.experiment"].create(
            {
                "name": "Bad split",
                "company_id": self.company.id,
                "arm_ids": [
                    (0, 0, {"name": "A", "is_control": True, "allocation": 50.0}),
                    (0, 0, {"name": "B", "allocation": 40.0}),
                ],
            }
        )
        with self.assertRaises(UserError):
            experiment.with_user(self.manager).action_start()
        experiment.arm_ids[1].allocation = 50.0
        experiment.with_user(self.manager).action_start()
        self.assertEqual(experiment.state, "running")
        self.assertTrue(experiment.assignment_ids)

    def test_demo_insights(self):
        """The demo's experiment is finished and measured on the ledger; the month's
        KPIs and monitoring are there (no fairness audit: this ledger ended more than
        12 months ago, the demo's ends today)."""
        experiment = self.env["ai.collection.experiment"].load_demo_insights()
        self.assertEqual(experiment.state, "done")
        self.assertGreater(experiment.customers_measured, 0)
        self.assertTrue(experiment.verdict)
        self.assertEqual(len(experiment.arm_ids.filtered("is_control")), 1)
        for model in ("ai.collection.kpi", "ai.model.monitoring", "ai.risk.prediction"):
            self.assertTrue(self._rows(model), model)
        # A run a week, the last one today; the monthly job kept the last DAILY_DAYS whole.
        today = fields.Date.context_today(experiment)
        runs = {today - dt.timedelta(weeks=weeks) for weeks in range(DEMO_LOGGED_WEEKS + 1)}
        recent = {day for day in runs if day >= today - dt.timedelta(days=DAILY_DAYS)}
        days = set(self._rows("ai.risk.prediction").mapped("snapshot_date"))
        self.assertLessEqual(recent, days)
        self.assertLessEqual(days, runs)
