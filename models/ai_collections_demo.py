"""Demo ledger: turns the engine's generated receivables history into real
accounting records (customers, posted invoices, payments, credit notes).

Called from ``demo/demo_ledger.xml`` when the addon is installed with demo data,
so the demo database shows what a real ledger would: ``amount_residual``,
``payment_state`` and reconciliation dates come from Odoo's own reconciliation
of payments registered on their real dates.
"""

import logging
import time
from collections import defaultdict

import pandas as pd

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..ar_ai_collections import generator

_logger = logging.getLogger(__name__)

BATCH = 200
# Marks the records of the demo ledger (partner category and product).
DEMO_PRODUCT_NAME = "Services (demo ledger)"


class AiCollectionsDemo(models.AbstractModel):
    _name = "ai.collections.demo"
    _description = "AI Collections: demo ledger loader"

    @api.private
    @api.model
    def load_demo_ledger(self, customers=80, months=24, seed=7, end_date=None):
        """Generate a ledger (engine) and book it in the current company.

        :param customers: number of customers to create.
        :param months: length of the history, up to ``end_date``.
        :param seed: random seed of the generator (same seed, same ledger).
        :param end_date: last day of the history (a date or ISO string);
            defaults to today.
        :return: dict ``{generated invoice_id: account.move id}``.
        """
        if isinstance(end_date, str):
            end_date = fields.Date.to_date(end_date)
        ledger = generator.generate_ledger(
            customers=customers, months=months, seed=seed, end_date=end_date
        )
        return self._book_ledger(ledger)

    @api.model
    def _book_ledger(self, ledger, company=None):
        """Create the accounting records of a :class:`GeneratedLedger`.

        Idempotent per company: invoices whose generated id (stored in ``ref``)
        already exists for a demo customer are not booked twice.
        """
        company = company or self.env.company
        self = self.with_company(company).with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            mail_create_nosubscribe=True,
            # scored once for all by the post-install step (scripts/demo), not
            # partner by partner on every posted invoice and payment
            ai_risk_no_rescore=True,
            check_move_validity=True,
        )
        start = time.monotonic()
        sale_journal, bank_journal, product = self._demo_prerequisites(company)
        history = ledger.history.sort_values(["invoice_date", "invoice_id"], kind="stable")

        existing = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("ref", "in", history["invoice_id"].tolist()),
            ]
        )
        if existing:
            _logger.info("Demo ledger already booked in %s: skipped", company.name)
            return {move.ref: move.id for move in existing}

        partners = self._create_partners(ledger.customers, company)
        invoices = self._create_invoices(history, partners, sale_journal, product)
        refunds = self._create_credit_notes(ledger.credit_notes, invoices, product)
        payments = self._create_payments(ledger.payments, invoices, bank_journal)
        self._reconcile(invoices, payments, refunds)
        _logger.info(
            "Demo ledger booked in %s: %d customers, %d invoices, %d payments, "
            "%d credit notes in %.1fs",
            company.name,
            len(partners),
            len(invoices),
            sum(len(p) for p in payments.values()),
            len(refunds),
            time.monotonic() - start,
        )
        return {key: move.id for key, move in invoices.items()}

    # ------------------------------------------------------------------ #
    # Steps
    # ------------------------------------------------------------------ #
    def _demo_prerequisites(self, company):
        journal = self.env["account.journal"]
        sale_journal = journal.search(
            [*journal._check_company_domain(company), ("type", "=", "sale")], limit=1
        )
        bank_journal = journal.search(
            [*journal._check_company_domain(company), ("type", "=", "bank")], limit=1
        )
        if not sale_journal or not bank_journal or not bank_journal.default_account_id:
            raise UserError(
                self.env._(
                    "The demo ledger needs a chart of accounts with a sales and a bank "
                    "journal in company %s.",
                    company.name,
                )
            )
        product = self.env["product.product"].search(
            [("default_code", "=", "AI-COLL-DEMO"), ("company_id", "in", (False, company.id))],
            limit=1,
        )
        if not product:
            product = self.env["product.product"].create(
                {
                    "name": DEMO_PRODUCT_NAME,
                    "default_code": "AI-COLL-DEMO",
                    "type": "service",
                    "list_price": 100.0,
                    "taxes_id": [Command.clear()],
                    "supplier_taxes_id": [Command.clear()],
                }
            )
        return sale_journal, bank_journal, product

    def _create_partners(self, customers, company):
        countries = {
            country.code: country.id
            for country in self.env["res.country"].search(
                [("code", "in", customers["country"].dropna().unique().tolist())]
            )
        }
        vals_list = [
            {
                "name": row.name,
                "ref": row.customer_id,
                "email": row.email or False,
                "is_company": True,
                "customer_rank": 1,
                "country_id": countries.get(row.country, False),
                "company_id": company.id,
                "comment": f"Demo ledger customer ({row.industry}).",
            }
            for row in customers.itertuples(index=False)
        ]
        partners = self.env["res.partner"]
        for i in range(0, len(vals_list), BATCH):
            partners |= partners.create(vals_list[i : i + BATCH])
        if "credit_limit" in partners._fields:
            limits = defaultdict(lambda: partners.browse())
            for partner, limit in zip(partners, customers["credit_limit"], strict=True):
                if pd.notna(limit):
                    limits[float(limit)] |= partner
            for limit, group in limits.items():
                group.write({"credit_limit": limit})
        return dict(zip(customers["customer_id"], partners, strict=True))

    def _create_invoices(self, history, partners, journal, product):
        account = (
            product.property_account_income_id or product.categ_id.property_account_income_categ_id
        )
        if not account:
            account = journal.default_account_id
        vals_list = [
            {
                "move_type": "out_invoice",
                "journal_id": journal.id,
                "partner_id": partners[row.customer_id].id,
                "invoice_date": row.invoice_date.date(),
                "invoice_date_due": row.due_date.date(),
                "invoice_payment_term_id": False,
                "ref": row.invoice_id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": product.name,
                            "account_id": account.id,
                            "quantity": 1.0,
                            "price_unit": float(row.amount),
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
            for row in history.itertuples(index=False)
        ]
        moves = self.env["account.move"]
        for i in range(0, len(vals_list), BATCH):
            batch = moves.create(vals_list[i : i + BATCH])
            batch.action_post()
            moves |= batch
        return dict(zip(history["invoice_id"], moves, strict=True))

    def _create_credit_notes(self, credit_notes, invoices, product):
        if credit_notes.empty:
            return {}
        rows = credit_notes.sort_values(["date", "invoice_id"], kind="stable")
        vals_list = []
        for row in rows.itertuples(index=False):
            invoice = invoices[row.invoice_id]
            line = invoice.invoice_line_ids[:1]
            vals_list.append(
                {
                    "move_type": "out_refund",
                    "journal_id": invoice.journal_id.id,
                    "partner_id": invoice.partner_id.id,
                    "invoice_date": row.date.date(),
                    "invoice_date_due": row.date.date(),
                    "reversed_entry_id": invoice.id,
                    "ref": self.env._("Credit note on %s (disputed)", invoice.ref),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": self.env._(
                                    "Settlement of disputed invoice %s", invoice.ref
                                ),
                                "account_id": line.account_id.id,
                                "quantity": 1.0,
                                "price_unit": float(row.amount),
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        refunds = self.env["account.move"]
        for i in range(0, len(vals_list), BATCH):
            batch = refunds.create(vals_list[i : i + BATCH])
            batch.action_post()
            refunds |= batch
        result = defaultdict(lambda: self.env["account.move"])
        for invoice_id, refund in zip(rows["invoice_id"], refunds, strict=True):
            result[invoice_id] |= refund
        return result

    def _create_payments(self, payments, invoices, journal):
        """Customer payments on the bank journal, on their real dates.

        The payments are booked straight on the bank account (as when they are
        matched with the bank statement), so they post a journal entry that is
        reconciled with the invoice, and the invoice becomes *paid*.
        """
        if payments.empty:
            return {}
        rows = payments.sort_values(["date", "invoice_id"], kind="stable")
        method_line = journal.inbound_payment_method_line_ids[:1]
        vals_list = []
        for row in rows.itertuples(index=False):
            invoice = invoices[row.invoice_id]
            vals_list.append(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": invoice.partner_id.id,
                    "journal_id": journal.id,
                    "payment_method_line_id": method_line.id,
                    "outstanding_account_id": journal.default_account_id.id,
                    "date": row.date.date(),
                    "amount": float(row.amount),
                    "currency_id": invoice.currency_id.id,
                    "memo": invoice.name,
                }
            )
        bank_account = journal.default_account_id
        records = self.env["account.payment"]
        for i in range(0, len(vals_list), BATCH):
            batch = records.create(vals_list[i : i + BATCH])
            # The payment method line's "Outstanding Receipts" account wins over
            # the value given at creation: book them on the bank account (as when
            # matched with the bank statement) so they are "Paid", not "In Process".
            batch.filtered(lambda p: p.outstanding_account_id != bank_account).write(
                {"outstanding_account_id": bank_account.id}
            )
            batch.action_post()
            records |= batch
        result = defaultdict(lambda: self.env["account.payment"])
        for invoice_id, payment in zip(rows["invoice_id"], records, strict=True):
            result[invoice_id] |= payment
        return result

    def _reconcile(self, invoices, payments, refunds):
        """Reconcile each invoice with its payments and credit notes."""
        for invoice_id in set(payments) | set(refunds):
            invoice = invoices[invoice_id]
            counterparts = payments.get(
                invoice_id, self.env["account.payment"]
            ).move_id | refunds.get(invoice_id, self.env["account.move"])
            lines = (invoice | counterparts).line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            )
            lines.reconcile()
