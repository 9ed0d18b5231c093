import datetime as dt

import numpy as np
import pandas as pd
from lxml import etree

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..ar_ai_collections import generator as engine_generator
from ..ar_ai_collections import history as engine_history
from ..models.ai_risk_scoring import default_risk_model, default_ttp_model

END = dt.date(2025, 6, 30)
COMPARED = (
    "invoice_date",
    "due_date",
    "amount",
    "paid_date",
    "first_payment_date",
    "payment_terms_days",
    "disputed",
    "broken_promise",
    "country",
    "industry",
    "credit_limit",
)


class RiskLedgerMixin:
    """Build a generated ledger in Odoo with real invoices, payments and credit notes."""

    @classmethod
    def _load_training_ledger(cls, company):
        """A year of 12 generated customers, enough to train both models."""
        ledger = engine_generator.generate_ledger(
            customers=12, months=12, seed=11, end_date=dt.date.today()
        )
        cls._load_ledger(ledger, company)
        company.ai_risk_min_history = 50

    @classmethod
    def _load_ledger(cls, ledger, company):
        """Create partners, invoices, payments and credit notes; return id maps."""
        env = cls.env(context=dict(cls.env.context, ai_risk_no_rescore=True))
        industries = {
            name: env["res.partner.industry"].create({"name": name})
            for name in ledger.customers["industry"].unique()
        }
        countries = {c.code: c for c in env["res.country"].search([])}
        partners = {}
        for row in ledger.customers.itertuples():
            partner = env["res.partner"].create(
                {
                    "name": row.name,
                    "is_company": True,
                    "country_id": countries[row.country].id,
                    "industry_id": industries[row.industry].id,
                }
            )
            partner.with_company(company).credit_limit = row.credit_limit
            partners[row.customer_id] = partner
        history = ledger.history
        journal = env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
        )
        moves = (
            env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partners[row.customer_id].id,
                        "journal_id": journal.id,
                        "invoice_date": row.invoice_date.date(),
                        "invoice_date_due": row.due_date.date(),
                        "invoice_line_ids": [
                            Command.create(
                                {"name": row.invoice_id, "price_unit": row.amount, "tax_ids": []}
                            )
                        ],
                    }
                    for row in history.itertuples()
                ]
            )
        )
        moves.action_post()
        by_ref = dict(zip(history["invoice_id"], moves, strict=True))
        disputed = history.loc[history["disputed"], "invoice_id"]
        env["account.move"].union(*(by_ref[ref] for ref in disputed)).write({"ai_in_dispute": True})
        env["ai.collection.promise"].create(
            [
                {
                    "partner_id": partners[row.customer_id].id,
                    "company_id": company.id,
                    "move_ids": by_ref[row.invoice_id].ids,
                    "amount": row.amount,
                    "promised_date": row.due_date.date(),
                    "state": "broken",
                }
                for row in history[history["broken_promise"]].itertuples()
            ]
        )
        for row in ledger.credit_notes.itertuples():
            invoice = by_ref[row.invoice_id]
            refund = (
                env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_refund",
                        "partner_id": invoice.partner_id.id,
                        "journal_id": journal.id,
                        "invoice_date": row.date.date(),
                        "invoice_line_ids": [
                            Command.create(
                                {"name": "Credit", "price_unit": row.amount, "tax_ids": []}
                            )
                        ],
                    }
                )
            )
            refund.action_post()
            (refund + invoice).line_ids.filtered(
                lambda line: line.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
        for row in ledger.payments.itertuples():
            invoice = by_ref[row.invoice_id]
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": row.date.date(), "amount": row.amount})._create_payments()
        return partners, by_ref


@tagged("post_install", "-at_install")
class TestRiskScoring(RiskLedgerMixin, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.ledger = engine_generator.generate_ledger(customers=6, months=6, seed=3, end_date=END)
        cls.partners, cls.invoices = cls._load_ledger(cls.ledger, cls.company)
        cls.scoring = cls.env["ai.risk.scoring"]

    def _sql_history_with_ledger_ids(self):
        """The SQL history with Odoo ids mapped back to the generator's ids."""
        sql = self.scoring._extract_history(self.company)
        invoice_ref = {str(move.id): ref for ref, move in self.invoices.items()}
        customer_ref = {str(p.id): ref for ref, p in self.partners.items()}
        sql["invoice_id"] = sql["invoice_id"].map(invoice_ref)
        sql["customer_id"] = sql["customer_id"].map(customer_ref)
        return sql

    def test_sql_history_equals_canonical_frame(self):
        sql = self._sql_history_with_ledger_ids().set_index("invoice_id").sort_index()
        expected = self.ledger.history.set_index("invoice_id").sort_index()
        self.assertEqual(list(sql.index), list(expected.index))
        self.assertTrue(sql["customer_id"].equals(expected["customer_id"]))
        for column in COMPARED:
            pd.testing.assert_series_equal(sql[column], expected[column], check_names=False)
        # The ledger must exercise what the SQL handles: partial payments, open invoices.
        partial = expected["first_payment_date"] < expected["paid_date"]
        self.assertTrue(partial.any() or expected["paid_date"].isna().any())
        self.assertTrue(expected["paid_date"].isna().any())

    def test_sql_features_equal_engine_features(self):
        from ..ar_ai_collections import features as engine_features

        as_of = pd.Timestamp(END)
        sql_features = engine_features.build_features(self._sql_history_with_ledger_ids(), as_of)
        ref_features = engine_features.build_features(self.ledger.history, as_of)
        self.assertGreater(len(ref_features.frame), 0)
        self.assertEqual(sql_features.feature_names, ref_features.feature_names)
        order_sql = np.argsort(sql_features.frame["invoice_id"].to_numpy())
        order_ref = np.argsort(ref_features.frame["invoice_id"].to_numpy())
        self.assertEqual(
            list(sql_features.frame["invoice_id"].to_numpy()[order_sql]),
            list(ref_features.frame["invoice_id"].to_numpy()[order_ref]),
        )
        np.testing.assert_allclose(sql_features.X[order_sql], ref_features.X[order_ref], rtol=1e-6)

    def test_excludes_drafts_vendor_bills_and_other_companies(self):
        partner = self.partner_a
        draft = self.init_invoice("out_invoice", partner, "2025-06-01", amounts=[100.0])
        bill = self.init_invoice("in_invoice", partner, "2025-06-01", amounts=[100.0], post=True)
        other = self.setup_other_company()["company"]
        foreign = self.init_invoice(
            "out_invoice", partner, "2025-06-01", amounts=[100.0], post=True, company=other
        )
        ids = set(self.scoring._extract_history(self.company)["invoice_id"])
        self.assertFalse({str(draft.id), str(bill.id), str(foreign.id)} & ids)
        self.assertEqual(set(self.scoring._extract_history(other)["invoice_id"]), {str(foreign.id)})
        # Scoring never touches drafts nor vendor bills, even for a scored customer.
        posted = self.init_invoice("out_invoice", partner, "2025-06-01", amounts=[50.0], post=True)
        self.scoring.score_company(self.company)
        self.assertTrue(posted.ai_risk_band)
        bill._ai_rescore_now()
        self.assertFalse(draft.ai_risk_band or draft.ai_scored_at)
        self.assertFalse(bill.ai_risk_band or bill.ai_scored_at)
        self.assertTrue(self.partner_a.ai_risk_band)

    def test_risk_panel_and_columns_only_on_customer_documents(self):
        form = self.env["account.move"].get_view(self.env.ref("account.view_move_form").id, "form")[
            "arch"
        ]
        page = etree.fromstring(form).xpath("//page[@name='ai_payment_risk']")[0]
        self.assertEqual(page.get("invisible"), "move_type not in ('out_invoice', 'out_refund')")
        out_list = self.env["account.move"].get_view(
            self.env.ref("account.view_out_invoice_tree").id, "list"
        )["arch"]
        in_list = self.env["account.move"].get_view(
            self.env.ref("account.view_in_invoice_bill_tree").id, "list"
        )["arch"]
        self.assertIn('name="ai_risk_band"', out_list)
        self.assertNotIn("ai_risk_band", in_list)

    def test_daily_cron_scores_and_logs(self):
        cron = self.env.ref("ar_ai_collections.ir_cron_ai_risk_score")
        self.assertEqual(cron.interval_type, "days")
        with self.assertLogs("odoo.addons.ar_ai_collections.models.ai_risk_scoring") as logs:
            cron.method_direct_trigger()
        history = self.ledger.history
        open_moves = self.env["account.move"].browse(
            [self.invoices[r].id for r in history.loc[history["paid_date"].isna(), "invoice_id"]]
        )
        self.assertTrue(open_moves)
        self.assertTrue(all(open_moves.mapped("ai_risk_band")))
        self.assertTrue(all(open_moves.mapped("ai_predicted_pay_date")))
        message = "\n".join(logs.output)
        self.assertRegex(message, rf"scored {len(open_moves)} open invoices and \d+ customers")
        self.assertRegex(message, r"in \d+\.\d+ s")
        # Disabled in Settings: the cron leaves the company alone.
        self.company.ai_risk_enabled = False
        self.env["account.move"].browse(open_moves.ids).invalidate_recordset()
        stats = self.scoring.score_company(self.company)
        self.assertTrue(stats["skipped"])

    def test_customer_smart_button_sorted_by_risk(self):
        self.scoring.score_company(self.company, as_of=END)
        history = self.ledger.history
        counts = history.loc[history["paid_date"].isna(), "customer_id"].value_counts()
        partner = self.partners[counts.index[0]]
        self.assertEqual(partner.ai_open_invoice_count, counts.iloc[0])
        action = partner.action_ai_open_invoices_by_risk()
        list_view = self.env["ir.ui.view"].browse(action["views"][0][0])
        self.assertEqual(action["views"][0][1], "list")
        arch = self.env["account.move"].get_view(list_view.id, "list")["arch"]
        self.assertIn('default_order="ai_risk_score desc', arch)
        moves = self.env["account.move"].search(action["domain"], order="ai_risk_score desc")
        self.assertEqual(len(moves), counts.iloc[0])
        self.assertEqual(moves.commercial_partner_id, partner)
        scores = moves.mapped("ai_risk_score")
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_settings_drive_bands(self):
        settings = self.env["res.config.settings"].create(
            {
                "ai_risk_threshold_medium": 1.0,
                "ai_risk_threshold_high": 2.0,
                "ai_risk_threshold_critical": 99.99,
                "ai_ttp_threshold_medium": 20.0,
                "ai_ttp_threshold_high": 50.0,
                "ai_ttp_threshold_critical": 90.0,
                "ai_risk_late_days": 5,
            }
        )
        settings.execute()
        self.assertEqual(self.company._ai_risk_band_thresholds(), (1.0, 2.0, 99.99))
        self.assertEqual(self.company._ai_ttp_band_thresholds(), (20.0, 50.0, 90.0))
        self.assertEqual(self.company.ai_risk_late_days, 5)
        self.scoring.score_company(self.company, as_of=END)
        scored = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("ai_risk_band", "!=", False)]
        )
        self.assertTrue(scored)
        # Invoices and customers: banded on P(not paid within 30 days), the
        # customer's weighted by amount (its expected 30-day shortfall / open
        # amount); the risk thresholds (a late-payment score band) play no part.
        ttp_bounds = [("critical", 90.0), ("high", 50.0), ("medium", 20.0), ("low", 0.0)]
        customers = scored.commercial_partner_id
        for record in (*scored, *customers):
            # Probabilities are written rounded to 0.01 point: skip the exact edges.
            p_not_paid = 100.0 - record.ai_p_paid_30d
            if any(abs(p_not_paid - low) < 0.01 for _band, low in ttp_bounds[:-1]):
                continue
            expected = next(band for band, low in ttp_bounds if p_not_paid >= low)
            self.assertEqual(record.ai_risk_band, expected, record.ai_p_paid_30d)
        for customer in customers:
            moves = scored.filtered(lambda m, c=customer: m.commercial_partner_id == c)
            weights = moves.mapped("amount_total_signed")
            weighted = sum(w * m.ai_p_paid_30d for w, m in zip(weights, moves, strict=True))
            self.assertAlmostEqual(customer.ai_p_paid_30d, weighted / sum(weights), delta=0.02)
        with self.assertRaises(ValidationError):
            self.company.ai_risk_threshold_high = 0.5
        with self.assertRaises(ValidationError):
            self.company.ai_ttp_threshold_critical = 40.0
        # Cold start is visible in Settings too.
        self.assertIn("Bundled default model", settings.ai_risk_model_status)

    def test_foreign_currency_amounts_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2024-01-01", 2.0)])
        invoice = self.init_invoice(
            "out_invoice", self.partner_a, "2025-03-01", amounts=[1000.0], post=True, currency=eur
        )
        history = self.scoring._extract_history(self.company).set_index("invoice_id")
        row = history.loc[str(invoice.id)]
        self.assertAlmostEqual(row["amount"], 500.0)
        self.assertEqual(row["currency"], "EUR")
        self.assertTrue(pd.isna(row["paid_date"]))
        # Paid in EUR later: settled on the payment date, amount unchanged.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2025-04-15"})._create_payments()
        history = self.scoring._extract_history(self.company).set_index("invoice_id")
        row = history.loc[str(invoice.id)]
        self.assertEqual(row["paid_date"], pd.Timestamp("2025-04-15"))
        self.assertAlmostEqual(row["amount"], 500.0)

    def test_disputes_open_or_settled_mark_the_history(self):
        """Open, resolved and rejected disputes flag the invoice; cancelled ones do not."""
        invoices = [
            self.init_invoice(
                "out_invoice", self.partner_a, "2025-03-01", amounts=[100.0], post=True
            )
            for _ in range(4)
        ]
        Dispute = self.env["ai.collection.dispute"]
        for invoice, close in zip(
            invoices, (None, "action_resolve", "action_reject", "action_cancel"), strict=True
        ):
            dispute = Dispute.create({"partner_id": self.partner_a.id, "move_ids": invoice.ids})
            dispute.action_confirm()
            if close:
                getattr(dispute, close)()
        history = self.scoring._extract_history(self.company).set_index("invoice_id")
        flags = [bool(history.loc[str(invoice.id), "disputed"]) for invoice in invoices]
        self.assertEqual(flags, [True, True, True, False])
        self.assertEqual(invoices[0].ai_in_dispute, True)
        self.assertEqual(invoices[1].ai_in_dispute, False, "resolved: no longer in dispute")

    def test_score_company_fills_invoices_and_customers(self):
        stats = self.scoring.score_company(self.company, as_of=END)
        history = self.ledger.history
        open_refs = history.loc[history["paid_date"].isna(), "invoice_id"]
        open_moves = self.env["account.move"].browse([self.invoices[r].id for r in open_refs])
        paid_moves = self.env["account.move"].browse(
            [m.id for r, m in self.invoices.items() if r not in set(open_refs)]
        )
        self.assertEqual(stats["invoices"], len(open_moves))
        self.assertTrue(stats["default_model"])
        for move in open_moves:
            self.assertTrue(move.ai_risk_band, move.name)
            self.assertTrue(move.ai_predicted_pay_date)
            self.assertTrue(move.ai_risk_reasons)
            self.assertTrue(move.ai_scored_at)
            self.assertTrue(0.0 <= move.ai_risk_score <= 100.0)
        self.assertFalse(any(paid_moves.mapped("ai_risk_band")))
        customers = open_moves.commercial_partner_id
        self.assertTrue(all(customers.mapped("ai_risk_band")))
        for customer in customers:
            own = open_moves.filtered(lambda m, c=customer: m.commercial_partner_id == c)
            self.assertAlmostEqual(
                customer.ai_open_amount, sum(own.mapped("amount_residual_signed")), places=2
            )
            self.assertTrue(customer.ai_risk_reasons)
        # Idempotent: a second run writes the same values.
        before = open_moves.read(["ai_risk_score", "ai_risk_band", "ai_predicted_pay_date"])
        self.scoring.score_company(self.company, as_of=END)
        open_moves.invalidate_recordset()
        after = open_moves.read(["ai_risk_score", "ai_risk_band", "ai_predicted_pay_date"])
        self.assertEqual(before, after)

    def test_open_invoices_get_the_time_to_payment_answer(self):
        """P(paid within 7/30/90 days), dates, days late and P(default) from the TTP model."""
        # Two months after the ledger's end: some open invoices are overdue.
        end = END + dt.timedelta(days=60)
        self.scoring.score_company(self.company, as_of=end)
        history = self.scoring._extract_history(self.company)
        expected = default_ttp_model().score(history, end).frame.set_index("invoice_id")
        self.assertGreater(len(expected), 5)
        moves = self.env["account.move"].browse(expected.index.astype(int).tolist())
        self.assertTrue(all(moves.mapped("ai_risk_band")))
        for move in moves:
            row = expected.loc[str(move.id)]
            for days in (7, 30, 90):
                self.assertAlmostEqual(
                    move[f"ai_p_paid_{days}d"], row[f"p_paid_{days}d"] * 100, delta=0.0051
                )
            self.assertLessEqual(move.ai_p_paid_7d, move.ai_p_paid_30d)
            self.assertLessEqual(move.ai_p_paid_30d, move.ai_p_paid_90d)
            self.assertAlmostEqual(move.ai_default_probability, row["p_default"] * 100, delta=0.051)
            self.assertEqual(move.ai_predicted_pay_date, row["predicted_pay_date"].date())
            self.assertEqual(move.ai_pay_date_low, row["pay_date_low"].date())
            self.assertEqual(move.ai_pay_date_high, row["pay_date_high"].date())
            # Never before the day after the scoring date; P10 <= median <= P90.
            self.assertGreater(move.ai_pay_date_low, end, move.name)
            self.assertLessEqual(move.ai_pay_date_low, move.ai_predicted_pay_date)
            self.assertLessEqual(move.ai_predicted_pay_date, move.ai_pay_date_high)
            # Days late consistent with the date shown.
            self.assertEqual(
                move.ai_expected_days_late,
                (move.ai_predicted_pay_date - move.invoice_date_due).days,
            )
            self.assertTrue(move.ai_risk_reasons)
        overdue = moves.filtered(lambda m: m.invoice_date_due < end)
        self.assertTrue(overdue, "the ledger must have overdue invoices")
        # The bands discriminate on this ledger: more than one band in use.
        self.assertGreater(len(set(moves.mapped("ai_risk_band"))), 1)
        # A paid invoice loses the answer.
        paid = moves[0]
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": end})._create_payments()
        self.scoring.score_company(self.company, as_of=end)
        self.assertFalse(paid.ai_risk_band or paid.ai_p_paid_30d or paid.ai_pay_date_low)

    def test_reasons_explained_again_only_when_the_answer_changed(self):
        end = END + dt.timedelta(days=60)
        self.scoring.score_company(self.company, as_of=end)
        moves = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("ai_risk_band", "!=", False)]
        )
        self.assertGreater(len(moves), 2)
        kept, changed = moves[0], moves[1]
        first = {move: move.ai_risk_reasons for move in moves}
        # Marked reasons; the second invoice's stored answer differs from the model's.
        for move in (kept, changed):
            self.env.cr.execute(
                "UPDATE account_move SET ai_risk_reasons = 'marker' WHERE id = %s", [move.id]
            )
        self.env.cr.execute(
            "UPDATE account_move SET ai_p_paid_30d = ai_p_paid_30d + 1 WHERE id = %s",
            [changed.id],
        )
        moves.invalidate_recordset()
        self.scoring.score_company(self.company, as_of=end)
        self.assertEqual(kept.ai_risk_reasons, "marker", "same answer: reasons kept")
        self.assertEqual(changed.ai_risk_reasons, first[changed], "answer changed: explained")
        self.assertEqual(
            {m: m.ai_risk_reasons for m in moves - kept},
            {m: r for m, r in first.items() if m != kept},
        )

    def test_cold_start_uses_default_model(self):
        self.company.ai_risk_min_history = 10_000
        self.scoring.score_company(self.company, as_of=END)
        scored = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("ai_risk_band", "!=", False)]
        )
        self.assertTrue(scored)
        self.assertTrue(all(scored.mapped("ai_scored_by_default_model")))
        self.assertEqual(
            set(scored.mapped("ai_risk_model_version")), {default_risk_model().metadata.version}
        )
        self.assertFalse(scored.ai_risk_model_id)
        # Customers say so too (the form shows the "default model" notice).
        customers = scored.commercial_partner_id
        self.assertTrue(all(customers.mapped("ai_scored_by_default_model")))
        form = self.env["res.partner"].get_view(self.env.ref("base.view_partner_form").id, "form")[
            "arch"
        ]
        self.assertIn("Scored by the bundled default model", form)

    def test_multi_company_isolation(self):
        other = self.setup_other_company()["company"]
        foreign = self.init_invoice(
            "out_invoice",
            self.partner_a,
            fields.Date.today(),
            amounts=[100.0],
            post=True,
            company=other,
        )
        self.scoring.score_company(other)
        self.assertTrue(foreign.ai_risk_band)
        mine = self.env["account.move"].browse([m.id for m in self.invoices.values()])
        self.assertFalse(any(mine.mapped("ai_risk_band")))
        # partner_a owes nothing in this company (its only invoice here is paid):
        # this company's run must not wipe the risk the other company wrote.
        paid = self.init_invoice(
            "out_invoice", self.partner_a, "2025-05-01", amounts=[10.0], post=True
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": "2025-05-05"})._create_payments()
        self.assertTrue(self.partner_a.ai_risk_band)
        self.scoring.score_company(self.company)
        self.assertTrue(self.partner_a.ai_risk_band)
        self.assertTrue(foreign.ai_risk_band)

    def test_rescore_on_post_and_payment(self):
        partner = self.partners[self.ledger.history["customer_id"].iloc[-1]]
        invoice = self.init_invoice(
            "out_invoice", partner, fields.Date.today(), amounts=[750.0], post=True
        )
        self.assertFalse(invoice.ai_risk_band)
        self.env.cr.flush()  # runs the precommit hooks, as a commit would
        self.assertTrue(invoice.ai_risk_band)
        self.assertTrue(partner.ai_risk_band)
        # Only this customer was rescored.
        others = self.env["account.move"].browse(
            [m.id for m in self.invoices.values() if m.commercial_partner_id != partner]
        )
        self.assertFalse(any(others.mapped("ai_risk_band")))
        # Paying it in full drops its band.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": fields.Date.today()})._create_payments()
        self.env.cr.flush()
        self.assertFalse(invoice.ai_risk_band)

    def test_empty_company_and_odd_dates_do_not_break_scoring(self):
        empty = self.setup_other_company()["company"]
        self.assertIsNone(self.scoring._extract_history(empty))
        self.assertEqual(self.scoring.score_company(empty)["invoices"], 0)
        self.assertFalse(self.env["ai.risk.model"]._train_for_company(empty))
        # Legal in Odoo, refused by the engine's validation: a due date typed
        # before the invoice date and a payment dated before the invoice date.
        odd = self.init_invoice("out_invoice", self.partner_a, "2025-05-10", amounts=[80.0])
        odd.invoice_date_due = "2025-05-01"
        odd.action_post()
        early = self.init_invoice("out_invoice", self.partner_a, "2025-05-10", amounts=[90.0])
        early.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=early.ids
        ).create({"payment_date": "2025-05-02"})._create_payments()
        history = self.scoring._extract_history(self.company).set_index("invoice_id")
        self.assertEqual(history.loc[str(odd.id), "due_date"], pd.Timestamp("2025-05-10"))
        self.assertEqual(history.loc[str(early.id), "paid_date"], pd.Timestamp("2025-05-10"))
        stats = self.scoring.score_company(self.company, as_of=END)
        self.assertGreater(stats["invoices"], 0)
        self.assertTrue(odd.ai_risk_band)

    def test_history_frame_is_canonical(self):
        sql = self.scoring._extract_history(self.company)
        pd.testing.assert_frame_equal(sql, engine_history.validate_history(sql))
