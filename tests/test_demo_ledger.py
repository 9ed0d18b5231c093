import datetime as dt

import pandas as pd

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user, tagged

from ..ar_ai_collections import generator
from ..models.ai_collections_demo import PO_FORMATS, purchase_order_refs
from ..models.ai_collections_demo_work import FRENCH_COUNTRIES, REACHED_DAYS_PAID

END = dt.date(2026, 6, 30)
# 8 customers x 9 months with seed 6: 75 invoices, full and partial payments,
# several payments on one invoice, credit notes on disputed invoices; promises
# kept and broken, open disputes and overdue invoices to reply on.
ARGS = {"customers": 8, "months": 9, "seed": 6, "end_date": END}
PO_PREFIXES = tuple(fmt.split("{")[0] for fmt in PO_FORMATS)


@tagged("post_install", "-at_install")
class TestDemoLedger(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ledger = generator.generate_ledger(**ARGS)
        group = "base.group_user,ar_ai_collections.group_collections_user"
        cls.collectors = cls.env["res.users"].browse(
            [
                new_test_user(cls.env, login=login, groups=group).id
                for login in ("demo_collector_fr", "demo_collector_intl")
            ]
        )
        cls.mapping = cls.env["ai.collections.demo"].load_demo_ledger(
            **{**ARGS, "end_date": END.isoformat()}, collector_ids=cls.collectors.ids
        )
        cls.moves = cls.env["account.move"].browse(list(cls.mapping.values()))
        cls.partners = cls.moves.commercial_partner_id

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
        refs = purchase_order_refs(history, self.ledger.customers["customer_id"])
        for row, ref in zip(history.itertuples(index=False), refs, strict=True):
            move = self.env["account.move"].browse(self.mapping[row.invoice_id])
            self.assertEqual(move.ref, ref)
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

    def test_references_are_purchase_orders(self):
        """The customer reference is the customer's PO number, never a second invoice
        number next to Odoo's (the generator's invoice ids stay out of sight)."""
        refs = self.moves.mapped("ref")
        self.assertEqual(len(set(refs)), len(self.moves))
        generated = set(self.ledger.history["invoice_id"])
        for move in self.moves:
            self.assertTrue(move.ref.startswith(PO_PREFIXES), move.ref)
            self.assertNotIn(move.ref, generated)
            self.assertNotIn(move.journal_id.code, move.ref)
            self.assertEqual(move.display_name.count("/"), move.name.count("/"), move.display_name)
        # each customer numbers its orders in one format, increasingly
        for partner in self.partners:
            mine = self.moves.filtered(lambda m, p=partner: m.partner_id == p).sorted(
                lambda m: (m.invoice_date, m.id)
            )
            self.assertEqual(len({ref[:2] for ref in mine.mapped("ref")}), 1)

    def test_idempotent(self):
        counts = {
            model: self.env[model].search_count([("partner_id", "in", self.partners.ids)])
            for model in ("ai.collection.promise", "ai.collection.dispute", "ai.collection.reply")
        }
        again = self.env["ai.collections.demo"].load_demo_ledger(
            **{**ARGS, "end_date": END.isoformat()}, collector_ids=self.collectors.ids
        )
        self.assertEqual(again, self.mapping)
        for model, count in counts.items():
            self.assertGreater(count, 0, model)
            self.assertEqual(
                self.env[model].search_count([("partner_id", "in", self.partners.ids)]),
                count,
                model,
            )
        self.assertEqual(
            self.env["account.move"].search_count(
                [("move_type", "=", "out_invoice"), ("partner_id", "in", self.moves.partner_id.ids)]
            ),
            len(self.ledger.history),
        )

    # ------------------------------------------------------------------
    # Collections work
    # ------------------------------------------------------------------
    def test_collectors_assigned(self):
        french, intl = self.collectors
        for partner in self.partners:
            expected = french if partner.country_id.code in FRENCH_COUNTRIES else intl
            self.assertEqual(partner.ai_collector_id, expected, partner.name)

    def test_promises_follow_the_ledger(self):
        """Kept and broken promises where the generator has the customer reached, with
        the generator's broken promises broken; open ones flag their invoices."""
        history = self.ledger.history.set_index("invoice_id")
        promises = self.env["ai.collection.promise"].search(
            [("partner_id", "in", self.partners.ids), ("source", "!=", "reply")]
        )
        self.assertLessEqual({"kept", "broken", "open"}, set(promises.mapped("state")))
        key_of = {move_id: key for key, move_id in self.mapping.items()}
        for promise in promises:
            rows = history.loc[[key_of[move.id] for move in promise.move_ids]]
            self.assertIn(promise.user_id, self.collectors)
            self.assertFalse(rows["disputed"].any(), promise.name)
            if promise.state == "kept":
                self.assertFalse(rows["broken_promise"].any(), promise.name)
                self.assertTrue(rows["paid_date"].notna().all(), promise.name)
            elif promise.state == "broken":
                self.assertTrue(rows["broken_promise"].any(), promise.name)
            else:
                self.assertEqual(promise.state, "open")
                self.assertTrue(rows["paid_date"].isna().all(), promise.name)
                self.assertGreater(promise.promised_date, END)
                self.assertTrue(all(promise.move_ids.mapped("ai_has_open_promise")))
        settled = history[history["paid_date"].notna() & ~history["disputed"]]
        late = (settled["paid_date"] - settled["due_date"]).dt.days > REACHED_DAYS_PAID
        broken_keys = set(settled.index[late & settled["broken_promise"]])
        broken = promises.filtered(lambda p: p.state == "broken")
        self.assertLessEqual(broken_keys, {key_of[m.id] for m in broken.move_ids})
        # the daily check found the promise on still-open invoices broken: escalated
        recent = broken.filtered(lambda p: p.date_closed > END)
        self.assertTrue(recent)
        self.assertTrue(all(p.activity_ids.user_id in self.collectors for p in recent))
        self.assertTrue(any(self.partners.mapped("ai_promise_count")))

    def test_disputes_follow_the_ledger(self):
        disputes = self.env["ai.collection.dispute"].search(
            [("partner_id", "in", self.partners.ids), ("source", "!=", "reply")]
        )
        disputed = self.ledger.history.loc[self.ledger.history["disputed"], "invoice_id"]
        self.assertEqual(
            sorted(disputes.move_ids.ids), sorted(self.mapping[key] for key in disputed)
        )
        self.assertLessEqual({"resolved", "open"}, set(disputes.mapped("state")))
        for dispute in disputes:
            move = dispute.move_ids
            self.assertIn(dispute.user_id, self.collectors)
            self.assertEqual(move.ai_in_dispute, dispute.state == "open", dispute.name)
            self.assertLessEqual(dispute.date_opened, END)
            if move.reversal_move_ids:
                self.assertEqual(dispute.state, "resolved")
                self.assertIn(move.reversal_move_ids[-1].name, dispute.resolution)
                self.assertGreaterEqual(dispute.resolve_days, 0)

    def test_customer_replies_classified(self):
        """Incoming customer emails on open invoices, labelled by the classifier."""
        replies = self.env["ai.collection.reply"].search([("partner_id", "in", self.partners.ids)])
        self.assertGreaterEqual(len(replies), 2)
        self.assertEqual(len(replies.partner_id), len(replies), "one reply per customer")
        for reply in replies:
            self.assertEqual(reply.message_id.author_id, reply.partner_id)
            self.assertEqual(reply.message_id.message_type, "email")
            self.assertIn(reply.move_id, self.moves)
            self.assertIn(reply.state, ("applied", "review"))
        self.assertIn("promise", replies.mapped("label"))
        # confident promises and disputes became drafts for the collector to confirm
        drafts = [*replies.promise_id, *replies.dispute_id]
        self.assertTrue(drafts)
        self.assertEqual({(d.state, d.source) for d in drafts}, {("draft", "reply")})
