import datetime as dt

import pandas as pd

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import tagged

from ..ar_ai_collections import generator

END = dt.date(2026, 6, 30)
# 8 customers x 6 months with seed 8: 54 invoices, full and partial payments,
# several payments on one invoice, credit notes on disputed invoices.
ARGS = {"customers": 8, "months": 6, "seed": 8, "end_date": END}


@tagged("post_install", "-at_install")
class TestDemoLedger(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ledger = generator.generate_ledger(**ARGS)
        cls.mapping = cls.env["ai.collections.demo"].load_demo_ledger(
            customers=8, months=6, seed=8, end_date=END.isoformat()
        )
        cls.moves = cls.env["account.move"].browse(list(cls.mapping.values()))

    def test_ledger_exercises_all_cases(self):
        """The chosen ledger has what the other tests must check."""
        history, payments = self.ledger.history, self.ledger.payments
        settled = set(history.loc[history["paid_date"].notna(), "invoice_id"])
        self.assertGreater(len(settled), 10)
        self.assertTrue(set(payments["invoice_id"]) - settled, "no partially paid open invoice")
        self.assertTrue(payments["invoice_id"].duplicated().any(), "no split payment")
        self.assertGreater(len(self.ledger.credit_notes), 0)
        self.assertTrue(history["paid_date"].isna().any())

    def test_partners_and_invoices(self):
        history = self.ledger.history
        self.assertEqual(len(self.moves), len(history))
        self.assertEqual(set(self.moves.mapped("state")), {"posted"})
        self.assertEqual(set(self.moves.mapped("move_type")), {"out_invoice"})
        self.assertEqual(self.moves.company_id, self.env.company)
        partners = self.moves.partner_id
        self.assertEqual(len(partners), history["customer_id"].nunique())
        self.assertEqual(set(partners.mapped("ref")), set(history["customer_id"]))
        for row in history.itertuples(index=False):
            move = self.env["account.move"].browse(self.mapping[row.invoice_id])
            self.assertEqual(move.ref, row.invoice_id)
            self.assertEqual(move.partner_id.ref, row.customer_id)
            self.assertEqual(move.invoice_date, row.invoice_date.date())
            self.assertEqual(move.invoice_date_due, row.due_date.date())
            self.assertAlmostEqual(move.amount_total, row.amount, places=2)

    def test_residuals_states_and_reconciliation_dates(self):
        paid = self.ledger.payments.groupby("invoice_id")["amount"].sum()
        credited = self.ledger.credit_notes.groupby("invoice_id")["amount"].sum()
        counts = {"paid": 0, "partial": 0, "not_paid": 0, "paid_late": 0, "paid_on_time": 0}
        for row in self.ledger.history.itertuples(index=False):
            move = self.env["account.move"].browse(self.mapping[row.invoice_id])
            settled = paid.get(row.invoice_id, 0.0) + credited.get(row.invoice_id, 0.0)
            expected_residual = round(row.amount - settled, 2)
            self.assertAlmostEqual(move.amount_residual, expected_residual, places=2, msg=move.ref)
            receivable = move.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            partials = receivable.matched_credit_ids
            if pd.notna(row.paid_date):
                counts["paid"] += 1
                self.assertIn(move.payment_state, ("paid", "reversed"), move.ref)
                self.assertTrue(receivable.reconciled)
                paid_on = max(partials.mapped("max_date"))
                self.assertEqual(paid_on, row.paid_date.date(), move.ref)
                counts["paid_late" if paid_on > move.invoice_date_due else "paid_on_time"] += 1
            elif settled:
                counts["partial"] += 1
                self.assertEqual(move.payment_state, "partial", move.ref)
                self.assertFalse(receivable.reconciled)
            else:
                counts["not_paid"] += 1
                self.assertEqual(move.payment_state, "not_paid", move.ref)
                self.assertFalse(partials)
        self.assertTrue(all(counts.values()), counts)

    def test_payments_on_their_dates(self):
        """Every generated payment is a posted payment on its date, reconciled."""
        payments = self.env["account.payment"].search(
            [("partner_id", "in", self.moves.partner_id.ids)]
        )
        self.assertEqual(len(payments), len(self.ledger.payments))
        self.assertEqual(
            sorted(payments.mapped(lambda p: (p.date, round(p.amount, 2)))),
            sorted(
                (row.date.date(), round(row.amount, 2))
                for row in self.ledger.payments.itertuples(index=False)
            ),
        )
        self.assertTrue(all(payments.mapped("is_reconciled")))
        # booked on the bank account, as when matched with the bank statement
        self.assertEqual(set(payments.mapped("state")), {"paid"})
        self.assertEqual(payments.outstanding_account_id.account_type, "asset_cash")

    def test_credit_notes_reconciled(self):
        refunds = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("partner_id", "in", self.moves.partner_id.ids)]
        )
        self.assertEqual(len(refunds), len(self.ledger.credit_notes))
        self.assertEqual(set(refunds.mapped("state")), {"posted"})
        self.assertLessEqual(set(refunds.mapped("payment_state")), {"paid", "reversed"})
        for refund in refunds:
            self.assertTrue(refund.reversed_entry_id)
            self.assertEqual(refund.amount_residual, 0.0)

    def test_idempotent(self):
        again = self.env["ai.collections.demo"].load_demo_ledger(
            customers=8, months=6, seed=8, end_date=END.isoformat()
        )
        self.assertEqual(again, self.mapping)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("move_type", "=", "out_invoice"), ("partner_id", "in", self.moves.partner_id.ids)]
            ),
            len(self.ledger.history),
        )
