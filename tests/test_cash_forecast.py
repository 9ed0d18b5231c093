import datetime as dt

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

DAY = dt.date(2025, 6, 30)


def days(n):
    return DAY + dt.timedelta(days=n)


@tagged("post_install", "-at_install")
class TestCashForecast(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        cls.company = cls.company_data["company"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2024-01-01", 2.0)])
        cls.alpha = cls.env["res.partner"].create({"name": "Alpha", "is_company": True})
        cls.beta = cls.env["res.partner"].create({"name": "Beta", "is_company": True})
        # Alpha: a settled invoice (its history), an overdue one and one not yet due;
        # Beta: one not yet due, in EUR.
        cls.settled = cls._invoice(cls.alpha, -100, -70, 800.0)
        cls._pay(cls.settled, days(-65))
        cls.overdue = cls._invoice(cls.alpha, -50, -20, 1000.0)
        cls.not_due = cls._invoice(cls.alpha, -5, 25, 500.0)
        cls.foreign = cls._invoice(cls.beta, -10, 20, 600.0, currency=cls.eur)
        cls.open_invoices = cls.overdue + cls.not_due + cls.foreign
        cls.Forecast = cls.env["ai.cash.forecast"]
        group = "account.group_account_invoice,ar_ai_collections.group_collections_user"
        cls.collector = new_test_user(cls.env, login="cf_collector", groups=group)
        cls.invoicing_user = new_test_user(
            cls.env, login="cf_invoicing", groups="account.group_account_invoice"
        )
        cls.manager = new_test_user(
            cls.env, login="cf_manager", groups="ar_ai_collections.group_collections_manager"
        )

    @classmethod
    def _invoice(cls, partner, issued, due, amount, currency=None):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": days(issued),
                "invoice_date_due": days(due),
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, date):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": date})._create_payments()

    def _rows(self, **domain):
        return self.Forecast.search(
            [("company_id", "=", self.company.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def test_weekly_rows_add_up_and_stay_within_their_band(self):
        self.Forecast._refresh(self.company, today=DAY)
        rows = self._rows(is_snapshot=False)
        self.assertTrue(rows)
        self.assertEqual(set(rows.mapped("week")) - set(range(1, 14)), set())
        self.assertEqual(set(rows.mapped("forecast_date")), {DAY})
        self.assertEqual(rows.partner_id, self.alpha + self.beta)
        self.assertEqual(set(rows.mapped("invoice_currency_id.name")), {"USD", "EUR"})
        self.assertTrue(set(rows.mapped("band")) <= {"low", "medium", "high", "critical"})
        for row in rows:
            self.assertEqual(row.currency_id, self.company.currency_id)
            self.assertEqual(row.date_start, days(7 * (row.week - 1) + 1))
            self.assertEqual(row.date_end, days(7 * row.week))
            self.assertLessEqual(row.p10_amount, row.expected_amount + 0.01)
            self.assertLessEqual(row.expected_amount, row.p90_amount + 0.01)
        # Weeks add up to at most what is open (company currency), per customer too.
        open_amount = sum(self.open_invoices.mapped("amount_residual_signed"))
        self.assertLessEqual(sum(rows.mapped("expected_amount")), open_amount + 0.01)
        self.assertGreater(sum(rows.mapped("expected_amount")), 0.0)
        beta_open = self.foreign.amount_residual_signed
        self.assertAlmostEqual(beta_open, 300.0)
        beta = rows.filtered(lambda r: r.partner_id == self.beta)
        self.assertLessEqual(sum(beta.mapped("expected_amount")), beta_open + 0.01)
        # The customer form lists the customer's current rows (collectors).
        self.assertEqual(self.alpha.ai_cash_forecast_ids, rows - beta)
        # A refresh replaces the current rows; the first one also kept a snapshot.
        total = sum(rows.mapped("expected_amount"))
        self.Forecast._refresh(self.company, today=DAY)
        self.assertEqual(len(self._rows(is_snapshot=False)), len(rows))
        snapshot = self._rows(is_snapshot=True)
        self.assertTrue(snapshot)
        self.assertEqual(set(snapshot.mapped("forecast_date")), {DAY})
        self.assertAlmostEqual(sum(snapshot.mapped("expected_amount")), total, 1)

    def _current(self):
        return sorted(
            (r.partner_id.id, r.band, r.week, r.expected_amount, r.p10_amount, r.p90_amount)
            for r in self._rows(is_snapshot=False)
        )

    def test_daily_scoring_writes_the_forecast_from_its_curves(self):
        """The daily scoring job hands its time-to-payment curves to the forecast: the
        same rows as the forecast's own refresh, its weekly snapshot too; the
        forecast's daily job then leaves the company alone that day, and refreshes
        it on a day the scoring did not."""
        self.company.ai_risk_enabled = True
        self.Forecast._refresh(self.company, today=DAY)
        own = self._current()
        self.assertTrue(own)
        self.env.cr.execute("DELETE FROM ai_cash_forecast WHERE company_id = %s", [self.company.id])
        scoring = self.env["ai.risk.scoring"]
        scoring.score_company(self.company, as_of=DAY)
        self.assertFalse(self._rows(), "only the daily job writes the forecast")
        scoring.score_company(self.company, as_of=DAY, with_forecast=True)
        self.assertEqual(self._current(), own)
        self.assertEqual(set(self._rows(is_snapshot=True).mapped("forecast_date")), {DAY})

        scoring._cron_score_open_invoices()
        today = fields.Date.context_today(self.Forecast)
        written = self._rows(is_snapshot=False)
        self.assertEqual(set(written.mapped("forecast_date")), {today})
        self.Forecast._cron_refresh()
        self.assertEqual(self._rows(is_snapshot=False), written, "refreshed today: left alone")
        self.env.cr.execute(
            "UPDATE ai_cash_forecast SET forecast_date = %s WHERE company_id = %s",
            [today - dt.timedelta(days=1), self.company.id],
        )
        self.Forecast._cron_refresh()
        self.assertFalse(self._rows(is_snapshot=False) & written, "yesterday's: refreshed")

    def test_forecast_vs_collected_after_a_week(self):
        self.Forecast._refresh(self.company, today=DAY)
        # Snapshot rows carry the band; the first week's row of each group lists
        # its invoices (every open invoice in exactly one group).
        firsts = self._rows(is_snapshot=True, week=1)
        self.assertEqual(firsts.move_ids, self.open_invoices)
        self.assertEqual(sum(len(row.move_ids) for row in firsts), len(self.open_invoices))
        self.assertTrue(all(firsts.mapped("band")))
        week_one = firsts.filtered(lambda r: self.overdue in r.move_ids)
        others = self._rows(is_snapshot=True, partner_id=self.alpha.id, week=1) - week_one
        for group in (
            self._rows(is_snapshot=True)
            .grouped(lambda r: (r.partner_id, r.invoice_currency_id, r.band))
            .values()
        ):
            self.assertEqual(sorted(group.mapped("week")), list(range(1, 14)))
        self.assertEqual(week_one.actual_amount, 0.0)
        # Alpha pays its overdue invoice three days later; a payment before the
        # forecast on another invoice (already settled) does not count.
        self._pay(self.overdue, days(3))
        self.Forecast._refresh(self.company, today=days(3))
        self.assertEqual(
            set(self._rows(is_snapshot=True).mapped("forecast_date")), {DAY}, "weekly only"
        )
        self.Forecast._refresh(self.company, today=days(8))
        self.assertEqual(set(self._rows(is_snapshot=True).mapped("forecast_date")), {DAY, days(8)})
        week_one.invalidate_recordset()
        self.assertAlmostEqual(week_one.actual_amount, 1000.0)
        # collected in the band the invoice had when forecast, not in the others
        self.assertEqual(sum(others.mapped("actual_amount")), 0.0)
        self.assertAlmostEqual(week_one.error_amount, 1000.0 - week_one.expected_amount)
        self.assertAlmostEqual(week_one.abs_error_amount, abs(week_one.error_amount))
        week_two = self._rows(is_snapshot=True, partner_id=self.alpha.id, week=2)
        first_snapshot = week_two.filtered(lambda r: r.forecast_date == DAY)
        self.assertEqual(sum(first_snapshot.mapped("actual_amount")), 0.0)
        # The paid invoice is no longer forecast.
        current = self._rows(is_snapshot=False, partner_id=self.alpha.id)
        self.assertLessEqual(
            sum(current.mapped("expected_amount")), self.not_due.amount_residual_signed + 0.01
        )

    def test_smaller_customers_grouped_in_other_customers(self):
        # One customer named: Alpha (the larger expected amount); Beta is summed
        # in the "Other customers" rows (no customer), sums and bands unchanged.
        self.Forecast._refresh(self.company, today=DAY)
        by_customer = sum(self._rows(is_snapshot=False).mapped("expected_amount"))
        self.Forecast._refresh(self.company, today=DAY, named_customers=1)
        rows = self._rows(is_snapshot=False)
        self.assertEqual(rows.partner_id, self.alpha)
        other = rows.filtered(lambda r: not r.partner_id)
        self.assertTrue(other)
        self.assertEqual(set(other.mapped("invoice_currency_id.name")), {"EUR"})
        self.assertAlmostEqual(sum(rows.mapped("expected_amount")), by_customer, 1)
        self.assertLessEqual(sum(other.mapped("expected_amount")), 300.0 + 0.01)
        for row in rows:
            self.assertLessEqual(row.p10_amount, row.expected_amount + 0.01)
            self.assertLessEqual(row.expected_amount, row.p90_amount + 0.01)
        # The graph's grouping reads a handful of rows per band and week.
        groups = self.Forecast._read_group(
            [("company_id", "=", self.company.id), ("is_snapshot", "=", False)],
            ["week", "band"],
            ["expected_amount:sum"],
        )
        self.assertAlmostEqual(sum(amount for *_, amount in groups), by_customer, 1)

    def test_collected_of_other_customers_after_a_week(self):
        self.Forecast._refresh(self.company, today=DAY, named_customers=1)
        other_first = self._rows(is_snapshot=True, week=1).filtered(lambda r: not r.partner_id)
        self.assertEqual(other_first.move_ids, self.foreign)
        self._pay(self.foreign, days(4))
        self.Forecast._refresh(self.company, today=days(8), named_customers=1)
        other_first.invalidate_recordset()
        self.assertAlmostEqual(other_first.actual_amount, self.foreign.amount_total_signed)
        named = self._rows(is_snapshot=True, forecast_date=DAY, partner_id=self.alpha.id)
        self.assertEqual(sum(named.mapped("actual_amount")), 0.0)

    def test_access_rights_and_companies(self):
        self.Forecast._refresh(self.company, today=DAY)
        rows = self._rows(is_snapshot=False)
        self.assertEqual(self.Forecast.with_user(self.collector).search([]) & rows, rows)
        with self.assertRaises(AccessError):
            self.Forecast.with_user(self.invoicing_user).search([])
        with self.assertRaises(AccessError):
            self.Forecast.with_user(self.collector).action_refresh()
        self.Forecast.with_user(self.manager).with_company(self.company).action_refresh()
        refreshed = self._rows(is_snapshot=False)
        self.assertTrue(refreshed)
        other = self.setup_other_company()["company"]
        outsider = new_test_user(
            self.env,
            login="cf_outsider",
            groups="ar_ai_collections.group_collections_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(self.Forecast.with_user(outsider).search([]))
        # The outsider's refresh only touches their (empty) company.
        self.Forecast.with_user(outsider).action_refresh()
        self.assertEqual(self._rows(is_snapshot=False), refreshed)
        # Views render for a collector.
        self.Forecast.with_user(self.collector).get_views(
            [(False, "graph"), (False, "pivot"), (False, "list"), (False, "search")]
        )
        self.env(user=self.collector)["res.partner"].get_views([(False, "form")])
