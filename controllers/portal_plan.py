"""The customer's payment plan proposal and answers on the portal page (see portal.py for
the signed link, the rate limit and the uniform 404 every route shares).

The form posts ``invoice_<id>`` checkboxes (among the customer's open invoices only,
all in one currency) and instalments ``date_<n>`` / ``amount_<n>`` (n = 1 .. the
company's most instalments) in the invoices' currency.
The format is checked here (400 on anything else); the limits (Settings > Payment
Plans) are the model's own constraints, whose message is shown to the customer.
"""

import re
from datetime import date

from odoo import fields
from odoo.http import request
from odoo.tools import format_date

from ..ar_ai_collections.constants import STANDING_CASE_STATES
from ..models.ai_collection_payment_plan import PLAN_ACTIVE_STATES
from ..models.payment_answer import payment_answer_text, recent_payment_domain

INSTALMENT_KEY_RE = re.compile(r"(?:date|amount)_(.*)", re.DOTALL)
POSITION_RE = re.compile(r"[0-9]{1,4}")


class PortalPlanInputError(ValueError):
    """A plan proposal the page refuses (HTTP 400), with the message for the customer."""


def plan_limits(company):
    """What the form offers: ``(most instalments, last date)`` of a new plan."""
    # sudo: the limits bound what a portal visitor may propose (checked signature).
    company = company.sudo()
    today = fields.Date.context_today(company)
    last = min(
        company._ai_horizon_bounds()[1], fields.Date.add(today, days=company.ai_plan_max_days)
    )
    return company.ai_plan_max_instalments, last


def parse_plan(post, moves, company, parse_raw, amount_re, date_re):
    """``(invoices, instalment commands)`` of the proposal in ``post``.

    :param moves: the customer's open invoices (the only ones a plan may cover)
    :param parse_raw: the portal's text reader (refuses uploads and NUL bytes)
    """
    env = request.env
    chosen = moves.filtered(lambda move: parse_raw(post, f"invoice_{move.id}"))
    if not chosen:
        raise PortalPlanInputError(env._("Please choose the invoices of your payment plan."))
    if any(move.company_id != company for move in chosen):
        raise PortalPlanInputError(env._("A payment plan covers the invoices of one company."))
    currency = chosen.currency_id
    if len(currency) > 1:
        raise PortalPlanInputError(
            env._(
                "A payment plan covers invoices in one currency: please propose one plan "
                "for your invoices in %(currencies)s each.",
                currencies=", ".join(currency.mapped("name")),
            )
        )
    most, last = plan_limits(company)
    keys = [m.group(1) for key in post if (m := INSTALMENT_KEY_RE.fullmatch(key))]
    if any(not POSITION_RE.fullmatch(key) or not 1 <= int(key) <= most for key in keys):
        raise PortalPlanInputError(
            env._("A payment plan has at most %(count)s instalments.", count=most)
        )
    today = fields.Date.context_today(company)
    lines = []
    for position in sorted({int(key) for key in keys}):
        raw_date = parse_raw(post, f"date_{position}")
        raw_amount = parse_raw(post, f"amount_{position}")
        if not raw_date and not raw_amount:
            continue  # an empty row of the form
        try:
            due = date.fromisoformat(raw_date) if date_re.fullmatch(raw_date) else None
        except ValueError:
            due = None
        if not due or not today <= due <= last:
            raise PortalPlanInputError(
                env._(
                    "Instalment %(position)s: please choose a date between today and %(date)s.",
                    position=position,
                    date=format_date(env, last),
                )
            )
        if not amount_re.fullmatch(raw_amount) or float(raw_amount) <= 0:
            raise PortalPlanInputError(
                env._(
                    "Instalment %(position)s: please enter the amount as a number, e.g. 120.50.",
                    position=position,
                )
            )
        amount = currency.round(float(raw_amount))
        lines.append(fields.Command.create({"date_due": due, "amount": amount}))
    if not lines:
        raise PortalPlanInputError(env._("Please enter at least one instalment."))
    return chosen, lines


def move_answers(partner, moves):
    """``{invoice id: what the customer answered}`` for the portal page: the promise
    ("promised for 15/12"), the dispute, the payment plan ("plan 2/4 paid"), else a
    recent part payment ("part payment 27/11")."""
    env = partner.env
    answers = {}
    cases = (
        ("ai.collection.promise", "move_ids", [("state", "in", STANDING_CASE_STATES)]),
        ("ai.collection.dispute", "move_ids", [("state", "in", STANDING_CASE_STATES)]),
        ("ai.collection.payment.plan", "invoice_ids", [("state", "in", PLAN_ACTIVE_STATES)]),
    )
    for model, field, domain in cases:
        records = env[model].search(
            [("partner_id", "=", partner.id), (field, "in", moves.ids), *domain], order="id"
        )
        for record in records:
            text = record._answer_text()
            for move in record[field] & moves:
                answers[move.id] = text
    for move in moves.filtered_domain(recent_payment_domain(moves.company_id[:1] or env.company)):
        answers.setdefault(move.id, payment_answer_text(move))
    return answers
