"""Collections KPIs on a small ledger checked by hand, the monthly job and the rights.

Ledger (company currency USD; EUR at 2 per USD), report date 2025-03-31:

* I1 USD 1000 issued 01-10, due 02-09, paid 02-20;
* I2 USD 600 issued 02-15, due 03-17: 200 paid 03-10, credit note 100 on 03-20;
* I3 USD 400 issued 03-05, due 04-04, open;
* I4 EUR 500 (USD 250) issued 03-01, due 03-31, open.

March, USD: sales S = 400 - 100 = 300, receivables R = 300 (I2, 14 days late) + 400
(I3, current) = 700, R at February's end 600 (I2, current), 31 days.
DSO = 700 / 300 x 31 = 72.33; best DSO = 400 / 300 x 31 = 41.33; ADD = 31.00;
countback: March's 300 fit (31 days), then 400 / 600 of February's 28 days = 49.67;
CEI = (600 + 300 - 700) / (600 + 300 - 400) = 40%; current 400 / 700 = 57.14%.
February: DSO = 600 / 600 x 28 = 28, CEI = (1000 + 600 - 600) / (1000 + 600 - 600) = 100%.
Promises: one due in February (I1, promised for 02-18, kept within the 2-day grace);
disputes: one opened and resolved in March (I2, pricing, 10 days).
Recovery of January's current bucket (I1, 1000) within 30 days: 100%; of
February's (I2, 600): 200 paid in March, the credit note is not collected: 33.33%.
"""

import datetime as dt

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

AS_OF = dt.date(2025, 3, 31)
MARCH, FEBRUARY, JANUARY = dt.date(2025, 3, 1), dt.date(2025, 2, 1), dt.date(2025, 1, 1)


@tagged("post_install", "-at_install")
class TestCollectionKpi(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        cls.company = cls.company_data["company"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2024-01-01", 2.0)])
        cls.collector = new_test_user(
            cls.env, login="kpi_collector", groups="ar_ai_collections.group_collections_user"
        )
        cls.manager = new_test_user(
            cls.env, login="kpi_manager", groups="ar_ai_collections.group_collections_manager"
        )
        cls.invoicing_user = new_test_user(
            cls.env, login="kpi_invoicing", groups="account.group_account_invoice"
        )
        cls.alpha = cls.env["res.partner"].create(
            {"name": "Alpha", "is_company": True, "ai_collector_id": cls.collector.id}
        )
        cls.beta = cls.env["res.partner"].create({"name": "Beta", "is_company": True})
        i1 = cls._invoice(cls.alpha, "2025-01-10", "2025-02-09", 1000.0)
        promise = cls.env["ai.collection.promise"].create(
            {
                "partner_id": cls.alpha.id,
                "move_ids": [Command.set(i1.ids)],
                "promised_date": "2025-02-18",
                "amount": 1000.0,
            }
        )
        cls._pay(i1, "2025-02-20", 1000.0)
        promise.write({"state": "kept"})
        i2 = cls._invoice(cls.alpha, "2025-02-15", "2025-03-17", 600.0)
        dispute = cls.env["ai.collection.dispute"].create(
            {"partner_id": cls.alpha.id, "move_ids": [Command.set(i2.ids)], "category": "pricing"}
        )
        dispute.write(
            {"state": "resolved", "date_opened": "2025-03-05", "date_resolved": "2025-03-15"}
        )
        cls._invoice(cls.beta, "2025-03-01", "2025-03-31", 500.0, currency=cls.eur)
        cls._pay(i2, "2025-03-10", 200.0)
        refund = cls._invoice(cls.alpha, "2025-03-20", "2025-03-20", 100.0, "out_refund")
        (i2 + refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        cls._invoice(cls.alpha, "2025-03-05", "2025-04-04", 400.0)
        cls.Kpi = cls.env["ai.collection.kpi"]

    @classmethod
    def _invoice(cls, partner, issued, due, amount, move_type="out_invoice", currency=None):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": issued,
                "invoice_date_due": due,
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, date, amount):
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": date, "amount": amount})._create_payments()

    def _refresh(self):
        self.Kpi._refresh_company(
            self.company, self.env["ai.risk.scoring"]._extract_history(self.company), AS_OF
        )

    def _row(self, month, kind="month", currency=None, **domain):
        rows = self.Kpi.search(
            [
                ("company_id", "=", self.company.id),
                ("kind", "=", kind),
                ("month", "=", month),
                ("invoice_currency_id", "=", currency.id if currency else False),
            ]
            + [(key, "=", value) for key, value in domain.items()]
        )
        self.assertEqual(len(rows), 1, f"{kind} {month} {domain}")
        return rows

    def test_kpis_match_the_hand_computed_values(self):
        self._refresh()
        usd = self.company.currency_id
        march = self._row(MARCH, currency=usd)
        self.assertEqual(march.period_end, AS_OF)
        for field, expected in (
            ("invoiced", 400.0),
            ("credit_notes", 100.0),
            ("credit_sales", 300.0),
            ("collected", 200.0),
            ("receivables_begin", 600.0),
            ("receivables_end", 700.0),
        ):
            self.assertAlmostEqual(march[field], expected, places=2, msg=field)
        self.assertAlmostEqual(march.dso, 700 / 300 * 31, places=2)
        self.assertAlmostEqual(march.best_possible_dso, 400 / 300 * 31, places=2)
        self.assertAlmostEqual(march.average_days_delinquent, 31.0, places=2)
        self.assertAlmostEqual(march.dso_countback, 31 + 400 / 600 * 28, places=2)
        self.assertAlmostEqual(march.cei, 40.0, places=2)
        self.assertAlmostEqual(march.pct_current, 400 / 700 * 100, places=2)
        february = self._row(FEBRUARY, currency=usd)
        self.assertAlmostEqual(february.dso, 28.0, places=2)
        self.assertAlmostEqual(february.cei, 100.0, places=2)
        self.assertAlmostEqual(february.collected, 1000.0, places=2)
        # Aging at March's end and recovery of the earlier months' current buckets.
        self.assertAlmostEqual(self._row(MARCH, "aging", usd, bucket="current").amount, 400.0)
        self.assertAlmostEqual(self._row(MARCH, "aging", usd, bucket="1_30").amount, 300.0)
        recovery = {"kind": "recovery", "currency": usd, "bucket": "current", "horizon_days": 30}
        self.assertAlmostEqual(self._row(JANUARY, **recovery).recovery_rate, 100.0, places=2)
        self.assertAlmostEqual(self._row(FEBRUARY, **recovery).recovery_rate, 100 / 3, places=2)
        # February's 60-day horizon ends after the report date: not observed, no row.
        self.assertFalse(
            self.Kpi.search_count(
                [("kind", "=", "recovery"), ("horizon_days", "=", 60), ("month", "=", FEBRUARY)]
            )
        )
        # EUR in company currency, and all currencies together.
        self.assertAlmostEqual(self._row(MARCH, currency=self.eur).receivables_end, 250.0, 2)
        everything = self._row(MARCH)
        self.assertAlmostEqual(everything.receivables_end, 950.0, places=2)
        self.assertAlmostEqual(everything.invoiced, 650.0, places=2)
        # Collected per collector (Alpha's collector).
        by_collector = self._row(
            MARCH, "collector", collector_id=self.collector.id
        )  # all currencies
        self.assertAlmostEqual(by_collector.collected, 200.0, places=2)
        # Promises and disputes.
        self.assertEqual((february.promises_due, february.promises_kept), (1, 1))
        self.assertAlmostEqual(february.promise_kept_rate, 100.0)
        self.assertEqual((march.disputes_opened, march.disputes_resolved), (1, 1))
        self.assertAlmostEqual(march.dispute_resolve_days, 10.0)
        pricing = self._row(MARCH, "dispute", dispute_category="pricing")
        self.assertEqual(pricing.disputes_opened, 1)
        self.assertAlmostEqual(pricing.dispute_resolve_days, 10.0)
        # The overview compares with last month (no row a year ago: 0).
        self.assertAlmostEqual(march.dso_last_month, 28.0, places=2)
        self.assertAlmostEqual(march.cei_last_month, 100.0, places=2)
        self.assertEqual(march.dso_last_year, 0.0)

    def test_cost_per_unit_collected_uses_the_settings_costs(self):
        """Contacts are booked in the month their invoice is settled, or the report's
        month while it is open: I1 (paid in February) got an email and a letter, I2
        (open, 300 left) two emails, I3 (open) a letter; a skipped reminder costs
        nothing. Costs 2.50 per email, 4.00 per letter: February 6.50 for 1000
        collected, March 2 x 2.50 + 4.00 = 9.00 for 200 collected."""
        self.company.write({"ai_cost_email": 2.5, "ai_cost_letter": 4.0, "ai_cost_call": 7.0})
        i1, i2, i3 = self.env["account.move"].search(
            [("partner_id", "=", self.alpha.id), ("move_type", "=", "out_invoice")],
            order="invoice_date",
        )
        contacts = (
            (i1, "email, letter", "sent"),
            (i2, "email", "sent"),
            (i2, "email", "sent"),
            (i2, "email", "skipped"),
            (i3, "letter", "sent"),
        )
        for days, (invoice, action, outcome) in enumerate(contacts, start=5):
            # One level per contact: an invoice reaches each level once.
            level = self.env["ai.dunning.level"].create(
                {
                    "name": f"Costs {days}",
                    "days": days,
                    "send_email": False,
                    "company_id": self.company.id,
                }
            )
            # sudo: only the dunning run writes its log
            self.env["ai.dunning.log"].sudo().create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.alpha.id,
                    "move_id": invoice.id,
                    "level_id": level.id,
                    "action": action,
                    "outcome": outcome,
                }
            )
        self._refresh()
        usd = self.company.currency_id
        february, march = self._row(FEBRUARY, currency=usd), self._row(MARCH, currency=usd)
        self.assertAlmostEqual(february.contact_cost, 6.5, places=2)
        self.assertAlmostEqual(february.cost_per_unit_collected, 6.5 / 1000.0, places=4)
        self.assertAlmostEqual(march.contact_cost, 9.0, places=2)
        self.assertAlmostEqual(march.cost_per_unit_collected, 9.0 / 200.0, places=4)
        self.assertAlmostEqual(self._row(MARCH).cost_per_unit_collected, 9.0 / 200.0, places=4)
        # Another price list, another figure; negative costs are refused.
        self.company.ai_cost_letter = 0.0
        self._refresh()
        self.assertAlmostEqual(self._row(MARCH, currency=usd).contact_cost, 5.0, places=2)
        with self.assertRaises(ValidationError):
            self.company.ai_cost_email = -1.0

    def test_a_call_counts_once_over_the_invoices_it_was_about(self):
        """Calls cost 7.00 and are booked like the other contacts, shared equally over
        their invoices. A call about I2 and I3 (both open: March) counts 0.5 on each:
        March's contact cost goes from 0 to 7.00 (not 14.00), its cost per unit
        collected from 0 to 7.00 / 200 = 0.035. A second call about I1 (paid in
        February) and I2 puts 3.50 in February (3.50 / 1000) and 3.50 in March
        (10.50 / 200)."""
        self.company.write({"ai_cost_email": 2.5, "ai_cost_letter": 4.0, "ai_cost_call": 7.0})
        usd = self.company.currency_id
        self._refresh()
        self.assertAlmostEqual(self._row(MARCH, currency=usd).cost_per_unit_collected, 0.0)
        i1, i2, i3 = self.env["account.move"].search(
            [("partner_id", "=", self.alpha.id), ("move_type", "=", "out_invoice")],
            order="invoice_date",
        )
        Call = self.env["ai.collection.call"]
        call = {"partner_id": self.alpha.id, "company_id": self.company.id, "outcome": "reached"}
        Call.create(
            {**call, "date": "2025-03-25 10:00:00", "move_ids": [Command.set((i2 + i3).ids)]}
        )
        self._refresh()
        march = self._row(MARCH, currency=usd)
        self.assertAlmostEqual(march.contact_cost, 7.0, places=2)
        self.assertAlmostEqual(march.cost_per_unit_collected, 7.0 / 200.0, places=4)
        self.assertAlmostEqual(self._row(FEBRUARY, currency=usd).contact_cost, 0.0, places=2)
        Call.create(
            {**call, "date": "2025-02-16 10:00:00", "move_ids": [Command.set((i1 + i2).ids)]}
        )
        self._refresh()
        february, march = self._row(FEBRUARY, currency=usd), self._row(MARCH, currency=usd)
        self.assertAlmostEqual(february.contact_cost, 3.5, places=2)
        self.assertAlmostEqual(february.cost_per_unit_collected, 3.5 / 1000.0, places=4)
        self.assertAlmostEqual(march.contact_cost, 10.5, places=2)
        self.assertAlmostEqual(march.cost_per_unit_collected, 10.5 / 200.0, places=4)

    def test_monthly_job_is_idempotent(self):
        self.company.ai_risk_enabled = True
        self.Kpi._refresh(self.company, today=AS_OF)
        rows = self.Kpi.search([("company_id", "=", self.company.id)])
        self.assertTrue(rows)
        figures = sorted(rows.mapped(lambda r: (r.kind, r.month, r.bucket or "", r.dso, r.amount)))
        self.Kpi._refresh(self.company, today=AS_OF)
        again = self.Kpi.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(again), len(rows))
        self.assertEqual(
            sorted(again.mapped(lambda r: (r.kind, r.month, r.bucket or "", r.dso, r.amount))),
            figures,
        )
        cron = self.env.ref("ar_ai_collections.ai_collection_kpi_cron_monthly")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "months"))

    def test_access_rights(self):
        self._refresh()
        rows = self.Kpi.search([("company_id", "=", self.company.id)])
        self.assertEqual(self.Kpi.with_user(self.collector).search([]) & rows, rows)
        with self.assertRaises(AccessError):
            self.Kpi.with_user(self.invoicing_user).search([])
        with self.assertRaises(AccessError):
            self.Kpi.with_user(self.collector).action_refresh()
        other = self.env["res.company"].create({"name": "Other KPI company"})
        self.manager.write({"company_ids": [Command.link(other.id)]})
        self.Kpi.with_user(self.manager).with_company(other).action_refresh()
        self.assertTrue(self.Kpi.search_count([("company_id", "=", self.company.id)]))
