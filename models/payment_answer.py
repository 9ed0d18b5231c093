"""A payment is a customer's answer too: registered on a dunned invoice, it closes the loop.

Odoo reconciles a payment with invoices in ``account.move.line._reconcile_plan``;
its pre-hook (:func:`queue_payment_answers`) notes, per customer invoice touched,
what was due before, and queues one pass per transaction just before it commits
(:func:`record_payment_answers`), however many reconciliations the transaction made
(the payment wizard reconciles payment by payment). That pass, for the invoices of
customers in collections (a dunning log line, a standing promise or plan on one of
their invoices, or a collector; the invoice overdue or itself in dunning), in a few
queries whatever their number:

- records the payment on the invoice (``ai_last_payment_date`` / ``_amount``): the
  dunning run holds a part-paid invoice ("engaged"), the worklist, the preview and
  the portal page show "part payment 27/11" or "paid in full 27/11";
- gives each customer's collector one to-do listing its invoices ("paid in full",
  "part payment of X, Y left"), routed like the dunning run's activities;
- checks at once the open promises and active plans on those invoices (kept,
  instalment paid), with the daily checks' own logic.

Registering a payment never fails because of it: an error is logged, not raised.
"""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import fields
from odoo.tools import SQL, clean_context, format_date

from ..ar_ai_collections.constants import STANDING_CASE_STATES
from ..ar_ai_collections.dunning_policy import DEFAULT_PAYMENT_WINDOW_DAYS
from .ai_collection_payment_plan import PLAN_ACTIVE_STATES
from .cron_isolation import run_isolated

_logger = logging.getLogger(__name__)

#: precommit data key: ``{invoice id: amount due (invoice currency) before}``.
PAYMENT_KEY = "ar_ai_collections.payment_answers"
#: Payment states of an invoice paid in full.
PAID_STATES = ("paid", "in_payment")

# The touched invoices of customers in collections (a collector, or a dunning log
# line, a standing promise or plan on one of their invoices) that are overdue or
# themselves in dunning (a courtesy reminder before the due date), as they are now.
COLLECTIONS_INVOICES_SQL = """
    SELECT m.id, m.commercial_partner_id, m.company_id, m.currency_id,
           m.amount_residual, m.invoice_user_id
      FROM account_move m
      JOIN res_partner p ON p.id = m.commercial_partner_id
     WHERE m.id = ANY(%(ids)s)
       AND m.move_type = 'out_invoice'
       AND m.state = 'posted'
       AND (m.invoice_date_due < %(today)s
            OR EXISTS (SELECT 1 FROM ai_dunning_log l WHERE l.move_id = m.id)
            OR EXISTS (SELECT 1
                         FROM ai_collection_promise_move_rel r
                         JOIN ai_collection_promise c ON c.id = r.promise_id
                        WHERE r.move_id = m.id AND c.state = ANY(%(case_states)s))
            OR EXISTS (SELECT 1
                         FROM ai_collection_payment_plan_move_rel r
                         JOIN ai_collection_payment_plan c ON c.id = r.plan_id
                        WHERE r.move_id = m.id AND c.state = ANY(%(plan_states)s)))
       AND (p.ai_collector_id IS NOT NULL
            OR EXISTS (SELECT 1 FROM ai_dunning_log l
                        WHERE l.partner_id = p.id AND l.company_id = m.company_id)
            OR EXISTS (SELECT 1 FROM ai_collection_promise c
                        WHERE c.partner_id = p.id AND c.company_id = m.company_id
                          AND c.state = ANY(%(case_states)s))
            OR EXISTS (SELECT 1 FROM ai_collection_payment_plan c
                        WHERE c.partner_id = p.id AND c.company_id = m.company_id
                          AND c.state = ANY(%(plan_states)s)))
     ORDER BY m.commercial_partner_id, m.invoice_date_due, m.id
"""


def queue_payment_answers(lines):
    """Note what the customer invoices among ``lines``' entries owe before they are
    reconciled with a payment (not a credit note alone), once per transaction."""
    if lines.env.context.get("ai_no_payment_answers"):  # a ledger import (the demo's)
        return
    moves = lines.move_id
    invoices = moves.filtered(lambda move: move.move_type == "out_invoice")
    if not invoices or all(move.is_invoice(include_receipts=True) for move in moves):
        return
    precommit = lines.env.cr.precommit
    if PAYMENT_KEY not in precommit.data:
        precommit.data[PAYMENT_KEY] = {}
        precommit.add(lambda: record_payment_answers(lines.env))
    before = precommit.data[PAYMENT_KEY]
    for invoice in invoices:
        before.setdefault(invoice.id, invoice.amount_residual)


def record_payment_answers(env):
    """The payments of the transaction as answers (see the module's docstring)."""
    before = env.cr.precommit.data.pop(PAYMENT_KEY, {})
    if not before:
        return
    try:
        with env.cr.savepoint():
            # sudo: whoever registers the payment, its answer reaches the collections data
            # (without the wizard's default_* keys, meant for its own records).
            _record(env["account.move"].sudo().with_context(clean_context(env.context)), before)
    except Exception:
        _logger.exception("Collections: the payments on invoices %s were not recorded", before)


def _record(Move, before):
    env = Move.env
    today = fields.Date.context_today(Move)
    env.flush_all()
    env.cr.execute(
        SQL(
            COLLECTIONS_INVOICES_SQL,
            ids=list(before),
            today=today,
            plan_states=list(PLAN_ACTIVE_STATES),
            case_states=list(STANDING_CASE_STATES),
        )
    )
    rows = env.cr.fetchall()
    currencies = env["res.currency"].browse({row[3] for row in rows})
    received = {}  # invoice id -> (amount received, row)
    for row in rows:
        amount = before[row[0]] - row[4]
        if currencies.browse(row[3]).compare_amounts(amount, 0.0) > 0:
            received[row[0]] = (amount, row)
    if not received:
        return
    env.cr.execute(
        """
        UPDATE account_move m
           SET ai_last_payment_date = %s, ai_last_payment_amount = t.amount
          FROM unnest(%s::int[], %s::numeric[]) AS t(id, amount)
         WHERE m.id = t.id
        """,
        (today, list(received), [amount for amount, _row in received.values()]),
    )
    Move.invalidate_model(["ai_last_payment_date", "ai_last_payment_amount"])
    invoices = Move.browse(list(received))
    _notify_collectors(invoices, received)
    # The daily checks' own logic, on the touched promises and plans only; one that
    # cannot be checked is skipped and reported, as by the daily checks.
    run_isolated(
        env["ai.collection.promise"].search(
            [("state", "=", "open"), ("move_ids", "in", invoices.ids)]
        ),
        env._("Promise check"),
        lambda promises: promises._check_payments(),
    )
    run_isolated(
        env["ai.collection.payment.plan"].search(
            [("state", "=", "active"), ("invoice_ids", "in", invoices.ids)]
        ),
        env._("Payment plan check"),
        lambda plans: plans._check_instalments(),
    )
    for company, company_invoices in invoices.grouped("company_id").items():
        env["ai.collection.worklist"]._refresh_partners(
            company_invoices.commercial_partner_id, company
        )


def _notify_collectors(invoices, received):
    """One to-do per customer for its collector, listing its invoices paid or part paid."""
    env = invoices.env
    invoices.fetch(["name", "payment_state", "amount_residual", "currency_id"])
    Run = env["ai.dunning.run"]
    by_customer = defaultdict(list)
    for invoice in invoices:
        by_customer[invoice.commercial_partner_id, invoice.company_id].append(invoice)
    values = []
    for (partner, company), customer_invoices in by_customer.items():
        lines, in_full = [], True
        for invoice in customer_invoices:
            currency = invoice.currency_id
            if invoice.payment_state in PAID_STATES:
                text = env._("%(invoice)s: paid in full.", invoice=invoice.name)
            else:
                in_full = False
                text = env._(
                    "%(invoice)s: part payment of %(amount)s, %(left)s left.",
                    invoice=invoice.name,
                    amount=currency.format(received[invoice.id][0]),
                    left=currency.format(invoice.amount_residual),
                )
            lines.append(Markup("<li>%s</li>") % text)
        # The invoices' salespersons (the routing's fallback), where they have one.
        user_ids = list(filter(None, (received[inv.id][1][5] for inv in customer_invoices)))
        values.append(
            {
                "res_model_id": env["ir.model"]._get_id("res.partner"),
                "res_id": partner.id,
                "activity_type_id": env.ref("mail.mail_activity_data_todo").id,
                "summary": env._("Payment received: paid in full")
                if in_full
                else env._("Payment received: part payment"),
                "note": Markup("<ul>%s</ul>") % Markup().join(lines),
                "user_id": Run._activity_user(company, partner, user_ids).id,
                "date_deadline": fields.Date.context_today(partner),
            }
        )
    Run._create_activities(values)


def payment_answer_text(invoice):
    """What the customer's last payment on ``invoice`` says ("part payment 27/11")."""
    when = format_date(invoice.env, invoice.ai_last_payment_date, date_format="dd/MM")
    if invoice.payment_state in PAID_STATES:
        return invoice.env._("paid in full %(date)s", date=when)
    return invoice.env._("part payment %(date)s", date=when)


def recent_payment_domain(company):
    """Invoices of ``company`` with a payment recorded within its engagement window
    (the days the dunning run holds a part-paid invoice)."""
    # sudo: the window is a company setting, read for whoever shows the answers
    window = company.sudo().ai_dunning_payment_window_days or DEFAULT_PAYMENT_WINDOW_DAYS
    since = fields.Date.subtract(fields.Date.context_today(company), days=window)
    return [("company_id", "=", company.id), ("ai_last_payment_date", ">=", since)]
