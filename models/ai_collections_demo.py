"""Demo ledger: turns the engine's generated receivables history into real
accounting records (customers, posted invoices, payments, credit notes); the
collections work around them (collectors, promises to pay, disputes, customer
replies) is booked by ``ai_collections_demo_work.py``.

Called from ``demo/demo_ledger.xml`` when the addon is installed with demo data,
so the demo database shows what a real ledger would: ``amount_residual``,
``payment_state`` and reconciliation dates come from Odoo's own reconciliation
of payments registered on their real dates.

Everything is booked in batches (one ``create`` and one ``action_post`` per
chunk of records, one reconciliation plan per chunk of invoices), and the
progress is logged as ``DEMO ledger: <step> <done>/<total> (<elapsed>s)``
lines (echoed live by ``scripts/demo``).
"""

import logging
import time
from collections import defaultdict

import numpy as np
import pandas as pd

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..ar_ai_collections import generator

_logger = logging.getLogger(__name__)

# Marks the records of the demo ledger (partner category and product).
DEMO_PRODUCT_NAME = "Services (demo ledger)"
# Progress lines start with this (scripts/demo shows them while it installs).
LOG_PREFIX = "DEMO ledger:"
# Records per create / post / reconciliation call: the ORM's per-call costs
# (flushes, recomputations) are paid once per chunk, and a progress line follows
# each chunk: payments, the slowest records, take about 15 s per 100 on a 2-core
# machine at load 8 (invoices 5 s, reconciliations 3 s).
CHUNK = 100

# Customers' purchase-order numbers, the reference they want on our invoices:
# each customer has its own format; ``{}`` is a serial unique per invoice.
PO_FORMATS = ("PO-{:06d}", "45{:08d}", "BC{:06d}", "ORD-{:06d}")
PO_BLOCK = 100_000  # serial range of one customer
PO_MAX_STEP = 40  # gap between two purchase orders of a customer
PO_SEED = 2404


class _Progress:
    """Chunks a step's records and logs the progress after each chunk.

    A chunk of ``CHUNK`` records takes at most about 15 s on a busy 2-core
    machine, so a line comes at least that often without a thread of its own.
    """

    def __init__(self):
        self.start = time.monotonic()
        self.step, self.done, self.total = "starting", 0, 0

    def log(self):
        _logger.info(
            "%s %s %d/%d (%.0fs)",
            LOG_PREFIX,
            self.step,
            self.done,
            self.total,
            time.monotonic() - self.start,
        )

    def chunks(self, step, items):
        """Yield consecutive slices of ``items`` (a list) of ``CHUNK`` records."""
        self.step, self.done, self.total = step, 0, len(items)
        for start in range(0, len(items), CHUNK):
            yield items[start : start + CHUNK]
            self.done = min(start + CHUNK, len(items))
            self.log()


def purchase_order_refs(history, customer_ids):
    """The customers' purchase-order number of every invoice (``ref`` on the invoice).

    Deterministic for a ledger (the idempotency key of the booking) and unique:
    each customer numbers its orders increasingly within its own serial block,
    in its own format. Returns a Series aligned on ``history``.
    """
    position = pd.Series(np.arange(len(customer_ids)), index=list(customer_ids))
    customer = position.loc[history["customer_id"]].to_numpy()
    gaps = np.random.default_rng(PO_SEED).integers(1, PO_MAX_STEP, len(history))
    serial = pd.Series(gaps).groupby(customer).cumsum().to_numpy()
    if len(serial) and serial.max() >= PO_BLOCK:
        raise ValueError("too many invoices per customer for the purchase-order numbering")
    serial = serial + (customer + 1) * PO_BLOCK
    refs = [
        PO_FORMATS[c % len(PO_FORMATS)].format(s)
        for c, s in zip(customer.tolist(), serial.tolist(), strict=True)
    ]
    return pd.Series(refs, index=history.index)


class AiCollectionsDemo(models.AbstractModel):
    _name = "ai.collections.demo"
    _description = "AI Collections: demo ledger loader"

    @api.private
    @api.model
    def load_demo_ledger(self, customers=80, months=24, seed=7, end_date=None, collector_ids=None):
        """Generate a ledger (engine) and book it in the current company.

        :param customers: number of customers to create.
        :param months: length of the history, up to ``end_date``.
        :param seed: random seed of the generator (same seed, same ledger).
        :param end_date: last day of the history (a date or ISO string);
            defaults to today.
        :param collector_ids: ids of the collectors (res.users) the customers
            are shared between; with them, the collections work is booked too
            (promises to pay, disputes, classified customer replies).
        :return: dict ``{generated invoice_id: account.move id}``.
        """
        if isinstance(end_date, str):
            end_date = fields.Date.to_date(end_date)
        end_date = end_date or fields.Date.context_today(self)
        ledger = generator.generate_ledger(
            customers=customers, months=months, seed=seed, end_date=end_date
        )
        mapping = self._book_ledger(ledger)
        if collector_ids:
            collectors = self.env["res.users"].browse(collector_ids)
            self._book_collections(ledger, mapping, collectors, end_date)
        return mapping

    # ------------------------------------------------------------------ #
    # Ledger
    # ------------------------------------------------------------------ #
    @api.model
    def _book_ledger(self, ledger, company=None):
        """Create the accounting records of a :class:`GeneratedLedger`.

        Idempotent per company: when the ledger's invoices (found by their
        purchase-order reference) already exist, nothing is booked again.
        """
        company = company or self.env.company
        self = self._booking_env(company)
        sale_journal, bank_journal, product = self._demo_prerequisites(company)
        history = ledger.history.sort_values(["invoice_date", "invoice_id"], kind="stable")
        refs = purchase_order_refs(history, ledger.customers["customer_id"])

        existing = self._existing_invoices(history, refs, company)
        if existing:
            _logger.info("%s already booked in %s: skipped", LOG_PREFIX, company.name)
            return {key: move.id for key, move in existing.items()}

        progress = _Progress()
        partners = self._create_partners(ledger.customers, company)
        invoices = self._create_invoices(history, refs, partners, sale_journal, product, progress)
        refunds = self._create_credit_notes(ledger.credit_notes, invoices, product, progress)
        # Posting payments queries the journal items just booked (payment states).
        self._plan_on_booked_rows()
        payments = self._create_payments(ledger.payments, invoices, bank_journal, progress)
        self._plan_on_booked_rows()
        self._reconcile(invoices, payments, refunds, progress)
        _logger.info(
            "%s booked in %s: %d customers, %d invoices, %d payments, %d credit notes in %.1fs",
            LOG_PREFIX,
            company.name,
            len(partners),
            len(invoices),
            sum(len(p) for p in payments.values()),
            sum(len(r) for r in refunds.values()),
            time.monotonic() - progress.start,
        )
        return {key: move.id for key, move in invoices.items()}

    def _plan_on_booked_rows(self):
        """Refresh the planner's statistics of the tables just booked into.

        A ledger booked in one transaction (the demo's install, a test's set-up)
        is invisible to autovacuum until it commits: PostgreSQL would plan the
        payments' and the reconciliation's queries (payment states) for the empty
        tables of a fresh database and take minutes. ANALYZE counts the
        transaction's own rows.
        """
        self.env.flush_all()
        self.env.cr.execute("ANALYZE account_move, account_move_line, account_partial_reconcile")

    def _booking_env(self, company):
        return self.with_company(company).with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            mail_create_nosubscribe=True,
            # notifications (activities assigned to collectors) are queued, not
            # sent during the install: the demo's mail server comes after it
            mail_notify_force_send=False,
            # scored once for all by the post-install step (scripts/demo), not
            # partner by partner on every posted invoice and payment
            ai_risk_no_rescore=True,
            # the ledger's history is booked, not the customers' answers to dunning
            ai_no_payment_answers=True,
            check_move_validity=True,
        )

    def _existing_invoices(self, history, refs, company):
        """``{generated invoice_id: account.move}`` of the ledger's booked invoices."""
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("ref", "in", refs.tolist()),
            ]
        )
        by_ref = {move.ref: move for move in moves}
        return {
            invoice_id: by_ref[ref]
            for invoice_id, ref in zip(history["invoice_id"], refs, strict=True)
            if ref in by_ref
        }

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
        partners = self.env["res.partner"].create(
            [
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
        )
        if "credit_limit" in partners._fields:
            limits = defaultdict(lambda: partners.browse())
            for partner, limit in zip(partners, customers["credit_limit"], strict=True):
                if pd.notna(limit):
                    limits[float(limit)] |= partner
            for limit, group in limits.items():
                group.write({"credit_limit": limit})
        return dict(zip(customers["customer_id"], partners, strict=True))

    def _create_moves(self, step, vals_list, progress):
        """Create and post ``vals_list`` (account.move values) chunk by chunk."""
        moves = self.env["account.move"]
        for chunk in progress.chunks(step, vals_list):
            batch = moves.create(chunk)
            batch.action_post()
            moves |= batch
        return moves

    def _create_invoices(self, history, refs, partners, journal, product, progress):
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
                "ref": ref,
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
            for row, ref in zip(history.itertuples(index=False), refs, strict=True)
        ]
        moves = self._create_moves("invoices", vals_list, progress)
        return dict(zip(history["invoice_id"], moves, strict=True))

    def _create_credit_notes(self, credit_notes, invoices, product, progress):
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
                    "ref": self.env._("Credit note on %s (disputed)", invoice.name),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": self.env._(
                                    "Settlement of disputed invoice %s", invoice.name
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
        refunds = self._create_moves("credit notes", vals_list, progress)
        result = defaultdict(lambda: self.env["account.move"])
        for invoice_id, refund in zip(rows["invoice_id"], refunds, strict=True):
            result[invoice_id] |= refund
        return result

    def _create_payments(self, payments, invoices, journal, progress):
        """Customer payments on the bank journal, on their real dates.

        The payments are booked straight on the bank account (as when they are
        matched with the bank statement), so they post a journal entry that is
        reconciled with the invoice, and the invoice becomes *paid*.
        """
        if payments.empty:
            return {}
        rows = payments.sort_values(["date", "invoice_id"], kind="stable")
        method_line = journal.inbound_payment_method_line_ids[:1]
        bank_account = journal.default_account_id
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
                    "outstanding_account_id": bank_account.id,
                    "date": row.date.date(),
                    "amount": float(row.amount),
                    "currency_id": invoice.currency_id.id,
                    "memo": invoice.name,
                }
            )
        records = self.env["account.payment"]
        for chunk in progress.chunks("payments", vals_list):
            batch = records.create(chunk)
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

    def _reconcile(self, invoices, payments, refunds, progress):
        """Reconcile each invoice with its payments and credit notes, one plan per chunk."""
        Move, Line = self.env["account.move"], self.env["account.move.line"]
        no_payment = self.env["account.payment"]
        settled = sorted(set(payments) | set(refunds))
        for chunk in progress.chunks("reconciliations", settled):
            groups = [
                invoices[key] | payments.get(key, no_payment).move_id | refunds.get(key, Move)
                for key in chunk
            ]
            receivable = defaultdict(lambda: Line)
            for line in Move.union(*groups).line_ids:
                if line.account_id.account_type == "asset_receivable" and not line.reconciled:
                    receivable[line.move_id] |= line
            Line._reconcile_plan(
                [Line.union(*(receivable[move] for move in group)) for group in groups]
            )
