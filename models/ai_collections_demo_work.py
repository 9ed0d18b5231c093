"""Demo collections work: what collectors did on the demo ledger (collectors
assigned, promises to pay, disputes, customer replies), consistently with the
ledger's history. Booked right after the ledger by ``load_demo_ledger``.
"""

import datetime as dt
import logging
import time

import numpy as np
import pandas as pd
from markupsafe import Markup

from odoo import Command, api, fields, models

from .ai_collections_demo import LOG_PREFIX, _Progress

_logger = logging.getLogger(__name__)

# Collections activity (promises, disputes, replies): fixed seed, so the same
# ledger always gets the same story.
COLLECTIONS_SEED = 11
# A collector reaches a customer whose invoice is this many days overdue (the
# generator's rule for a promise to pay: paid invoices / still open ones).
REACHED_DAYS_PAID, REACHED_DAYS_OPEN = 20, 30
FRENCH_COUNTRIES = ("BE", "FR", "LU")
FRENCH_MONTHS = (
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
)
# Incoming customer emails posted on open invoices: (language, subject, body).
# ``{invoice}``, ``{amount}``, ``{date_en}``, ``{date_fr}`` are filled in.
DEMO_REPLIES = (
    (
        "en",
        "Re: Payment reminder {invoice}",
        "Hello,\n\nApologies for the delay. We will pay invoice {invoice} on {date_en}, "
        "the transfer is scheduled with our next payment run.\n\nKind regards",
    ),
    (
        "fr",
        "RE: Rappel de paiement {invoice}",
        "Bonjour,\n\nNous avons bien reçu votre rappel. Le paiement de {amount} sera "
        "effectué le {date_fr}.\n\nCordialement",
    ),
    (
        "en",
        "Re: Invoice {invoice}",
        "The goods were delivered damaged: two of the five pallets were broken. We will "
        "not pay invoice {invoice} until you issue a credit note.",
    ),
    (
        "de",
        "AW: Zahlungserinnerung {invoice}",
        "Guten Tag,\n\ndie Rechnung {invoice} stimmt nicht: der vereinbarte Preis war 10 % "
        "niedriger. Bitte senden Sie uns eine korrigierte Rechnung.\n\nMit freundlichen Grüßen",
    ),
    (
        "en",
        "Re: Payment reminder {invoice}",
        "We already paid this invoice last week by bank transfer, please check your "
        "account. Remittance advice attached.",
    ),
    (
        "en",
        "Re: Invoice {invoice}",
        "Could you send us a copy of invoice {invoice} with our PO number on it? Our "
        "accounts payable cannot process it without it.",
    ),
    (
        "en",
        "Automatic reply: Out of office",
        "I am out of the office with limited access to email. For urgent matters, please "
        "contact our accounts payable team.",
    ),
    (
        "fr",
        "RE: Facture {invoice}",
        "Bonjour,\n\nNous contestons cette facture : le service n'a pas été rendu comme "
        "convenu. Merci de nous contacter.",
    ),
)
# Dispute categories by how the dispute ended.
CREDITED_CATEGORIES = ("goods_damaged", "pricing", "billing_error", "duplicate_invoice")
PAID_CATEGORIES = ("needs_copy_po", "goods_not_received", "service_quality", "billing_error")
OPEN_CATEGORIES = ("pricing", "goods_damaged", "service_quality", "needs_copy_po")


class AiCollectionsDemo(models.AbstractModel):
    _inherit = "ai.collections.demo"

    @api.model
    def _book_collections(self, ledger, mapping, collectors, end, company=None):
        """Book what collectors did on the ledger, consistently with its history.

        - customers shared between ``collectors`` (French-speaking countries to
          the first one);
        - a promise to pay wherever the generator has a collector reach a
          customer (an invoice well overdue): kept, or broken where the
          ledger says so; still open on the invoices overdue today;
        - a dispute on every disputed invoice: resolved by its credit note,
          resolved or rejected when paid, open on the invoices still due;
        - a few incoming customer emails posted on open invoices, which the
          reply classifier labels (drafts and review activities).

        ``end`` is the last day of the ledger (today in the demo).

        Idempotent: nothing is booked when the customers have promises or disputes.
        """
        company = company or self.env.company
        self = self._booking_env(company)
        Move = self.env["account.move"]
        history = ledger.history.set_index("invoice_id", drop=False)
        # one recordset, so that reading a field reads it for all the invoices at once
        booked = Move.browse(list(mapping.values()))
        moves = dict(zip(mapping, booked, strict=True))
        partners = booked.commercial_partner_id
        domain = [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        if self.env["ai.collection.promise"].search_count(domain, limit=1) or self.env[
            "ai.collection.dispute"
        ].search_count(domain, limit=1):
            _logger.info("%s collections already booked in %s: skipped", LOG_PREFIX, company.name)
            return
        rng = np.random.default_rng(COLLECTIONS_SEED)
        progress = _Progress()
        self._assign_collectors(partners, collectors)
        disputes = self._book_disputes(history, ledger.credit_notes, moves, end, rng)
        progress.step = "disputes"
        progress.done = progress.total = len(disputes)
        progress.log()
        promises = self._book_promises(history, moves, end, rng)
        progress.step = "promises"
        progress.done = progress.total = len(promises)
        progress.log()
        plans = self._book_payment_plans(booked, end)
        replies = self._post_replies(history, moves, end)
        _logger.info(
            "%s collections booked in %s: %d promises, %d disputes, %d payment plans, "
            "%d customer replies in %.1fs",
            LOG_PREFIX,
            company.name,
            len(promises),
            len(disputes),
            len(plans),
            len(replies),
            time.monotonic() - progress.start,
        )

    def _book_payment_plans(self, booked, end, count=3):
        """Payment plans of ``count`` customers with overdue invoices and no other
        answer: three monthly instalments of their overdue balance, the first ones
        approved by the collector, the last one proposed on the portal (to approve)."""
        company = self.env.company
        overdue = booked.filtered(
            lambda move: (
                move.payment_state == "not_paid"
                and move.invoice_date_due < end
                and not move.ai_in_dispute
                and not move.ai_has_open_promise
                and move.amount_residual >= 3 * company.ai_plan_min_instalment
            )
        )
        plans = self.env["ai.collection.payment.plan"]
        # instalments from the approval day on (a test's ledger may end in the past)
        start = max(end, fields.Date.context_today(self))
        for partner in overdue.commercial_partner_id[:count]:
            moves = overdue.filtered(lambda move, p=partner: move.commercial_partner_id == p)
            total = sum(moves.mapped("amount_residual"))
            third = company.currency_id.round(total / 3)
            # the last instalment takes the rounding: the plan equals what is due
            amounts = (third, third, company.currency_id.round(total - 2 * third))
            plans |= plans.create(
                {
                    "partner_id": partner.id,
                    "invoice_ids": [Command.set(moves.ids)],
                    "line_ids": [
                        Command.create(
                            {"date_due": start + dt.timedelta(days=7 + 30 * n), "amount": amount}
                        )
                        for n, amount in enumerate(amounts)
                    ],
                    "source": "call",
                }
            )
        plans[:-1].action_approve()
        plans[-1:].write({"source": "portal", "state": "proposed"})
        return plans

    def _assign_collectors(self, partners, collectors):
        french = partners.filtered(lambda p: p.country_id.code in FRENCH_COUNTRIES)
        french.write({"ai_collector_id": collectors[:1].id})
        (partners - french).write({"ai_collector_id": collectors[-1:].id})

    def _book_disputes(self, history, credit_notes, moves, end, rng):
        """One dispute per disputed invoice; the open ones go through ``action_confirm``."""
        Dispute = self.env["ai.collection.dispute"]
        credited = credit_notes.groupby("invoice_id")["date"].max()
        disputed = history[history["disputed"]]
        closed_vals, to_open = [], []
        for row in disputed.itertuples(index=False):
            move = moves[row.invoice_id]
            opened = min(
                row.invoice_date + pd.Timedelta(days=int(rng.integers(3, 25))), pd.Timestamp(end)
            )
            vals = {
                "partner_id": move.commercial_partner_id.id,
                "move_ids": [Command.set(move.ids)],
                "amount": move.amount_total,
                "source": str(rng.choice(("call", "email"))),
            }
            if row.invoice_id in credited.index:
                refund = move.reversal_move_ids[-1:]
                closed_vals.append(
                    {
                        **vals,
                        "category": str(rng.choice(CREDITED_CATEGORIES)),
                        "state": "resolved",
                        "date_opened": opened.date(),
                        "date_resolved": credited[row.invoice_id].date(),
                        "resolution": self.env._(
                            "Credit note %(refund)s issued for %(amount)s.",
                            refund=refund.name,
                            amount=refund.currency_id.format(refund.amount_total),
                        ),
                    }
                )
            elif pd.notna(row.paid_date):
                rejected = bool(rng.random() < 0.4)
                resolved = max(row.paid_date - pd.Timedelta(days=int(rng.integers(0, 8))), opened)
                closed_vals.append(
                    {
                        **vals,
                        "category": str(rng.choice(PAID_CATEGORIES)),
                        "state": "rejected" if rejected else "resolved",
                        "date_opened": opened.date(),
                        "date_resolved": resolved.date(),
                        "resolution": self.env._(
                            "Claim not founded: delivery and price confirmed; paid in full."
                        )
                        if rejected
                        else self.env._("Copy and delivery note sent; the customer paid."),
                    }
                )
            else:
                to_open.append(
                    ({**vals, "category": str(rng.choice(OPEN_CATEGORIES))}, opened.date())
                )
        disputes = Dispute.create(closed_vals)
        if to_open:
            opened = Dispute.create([vals for vals, _date in to_open])
            opened.action_confirm()
            for dispute, (_vals, date) in zip(opened, to_open, strict=True):
                dispute.date_opened = date
            disputes |= opened
        return disputes

    def _book_promises(self, history, moves, end, rng):
        """Promises where a collector reached the customer (the generator's rule).

        Settled invoices: kept, or broken (``broken_promise``). Invoices still
        open and long overdue today: one promise per customer, open until a date
        to come, or (``broken_promise``) past its date and found broken by the
        daily check (activity for the collector).
        """
        Promise = self.env["ai.collection.promise"]
        grace = self.env.company.ai_promise_grace_days
        paid = history["paid_date"].notna()
        days_late = (
            history["paid_date"].where(paid, pd.Timestamp(end)) - history["due_date"]
        ).dt.days
        free = ~history["disputed"]
        reached_paid = history[paid & free & (days_late > REACHED_DAYS_PAID)]
        reached_open = history[~paid & free & (days_late > REACHED_DAYS_OPEN)]

        closed_vals = []
        for row in reached_paid.itertuples(index=False):
            move = moves[row.invoice_id]
            late = (row.paid_date - row.due_date).days
            if row.broken_promise:
                promised = row.due_date + pd.Timedelta(days=int(late * rng.uniform(0.3, 0.7)))
                state, closed, amount_paid = "broken", promised + pd.Timedelta(days=grace + 1), 0.0
            else:
                promised = row.paid_date + pd.Timedelta(days=int(rng.integers(0, 4)))
                state, closed, amount_paid = "kept", row.paid_date, move.amount_total
            confirmed = max(promised - pd.Timedelta(days=int(rng.integers(5, 15))), row.due_date)
            closed_vals.append(
                {
                    "partner_id": move.commercial_partner_id.id,
                    "move_ids": [Command.set(move.ids)],
                    "amount": move.amount_total,
                    "promised_date": promised.date(),
                    "state": state,
                    "source": str(rng.choice(("call", "call", "email"))),
                    "date_confirmed": confirmed.date(),
                    "date_closed": min(closed, pd.Timestamp(end)).date(),
                    "residual_at_confirm": move.amount_total,
                    "amount_paid": amount_paid,
                }
            )
        promises = Promise.create(closed_vals)

        open_vals = []
        # per customer: the invoices of a promise it broke, those of a new promise
        groups = reached_open.groupby(["customer_id", "broken_promise"], sort=True)
        for (_customer, broken), rows in groups:
            group = self.env["account.move"].union(*(moves[key] for key in rows["invoice_id"]))
            promised = end + dt.timedelta(
                days=-(grace + int(rng.integers(2, 10))) if broken else int(rng.integers(3, 21))
            )
            open_vals.append(
                {
                    "partner_id": group.commercial_partner_id.id,
                    "move_ids": [Command.set(group.ids)],
                    "amount": sum(group.mapped("amount_residual")),
                    "promised_date": promised,
                    "source": "call",
                }
            )
        if open_vals:
            opened = Promise.create(open_vals)
            opened.action_confirm()
            for promise in opened:
                promise.date_confirmed = min(
                    promise.promised_date - dt.timedelta(days=7), promise.date_confirmed
                )
            # The daily check finds the promises past their date unpaid: broken.
            opened.filtered(lambda p: p.promised_date < end)._check_payments()
            promises |= opened
        promises.partner_id._ai_update_promise_stats()
        return promises

    def _post_replies(self, history, moves, end):
        """Customer emails on open overdue invoices, each by a different customer."""
        due = history[history["paid_date"].isna() & (history["due_date"] < pd.Timestamp(end))]
        candidates = [
            moves[key]
            for key in due.sort_values("due_date")["invoice_id"]
            if not (moves[key].ai_has_open_promise or moves[key].ai_in_dispute)
            and moves[key].commercial_partner_id.email
        ]
        used = set()
        posted = self.env["mail.message"]
        promised = end + dt.timedelta(days=7)
        for language, subject, body in DEMO_REPLIES:
            french = language == "fr"
            move = next(
                (
                    m
                    for m in candidates
                    if m.commercial_partner_id not in used
                    and (m.commercial_partner_id.country_id.code in FRENCH_COUNTRIES) == french
                ),
                None,
            )
            if not move:
                continue
            customer = move.commercial_partner_id
            used.add(customer)
            values = {
                "invoice": move.name,
                "amount": move.currency_id.format(move.amount_residual),
                "date_en": f"{promised:%A} {promised.day} {promised:%B}",
                "date_fr": f"{promised.day} {FRENCH_MONTHS[promised.month - 1]}",
            }
            posted |= move.message_post(
                subject=subject.format(**values),
                body=Markup("<br/>").join(body.format(**values).split("\n")),
                message_type="email",
                author_id=customer.id,
                email_from=customer.email_formatted,
                subtype_xmlid="mail.mt_comment",
            )
        return posted
