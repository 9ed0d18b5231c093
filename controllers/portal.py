"""Customer portal of AI Collections: a signed link (sent in reminder emails) to a page
listing the customer's open invoices, where the customer downloads or pays an invoice,
promises a date, disputes it or proposes a payment plan (portal_plan.py). Each answer
holds the invoices at once, gives the collector a to-do and shows on the worklist line
and on this page.

The link is the only credential: ``/<partner>/<expires>/<token>``, the token an HMAC
(database secret) of the partner, the expiry and the partner's own portal secret
(rotating it revokes every link already sent). Every route behind it answers one
uniform 404 page for unknown, foreign, expired, revoked or malformed links, checks the
signature before any ``sudo()``, answers 400 with a message on bad input and 429 past
:data:`PORTAL_SUBMISSIONS_PER_HOUR` promises, disputes or plans per customer and hour.
"""

import re
import time
from datetime import date, timedelta

from markupsafe import Markup

from odoo import fields, http
from odoo.addons.account.controllers.download_docs import _build_zip_from_data, _get_headers
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import SQL, consteq

from ..ar_ai_collections.constants import (
    DISPUTE_CATEGORIES,
    DISPUTE_CATEGORY_LABELS,
    PORTAL_SUBMISSIONS_PER_HOUR,
    STANDING_CASE_STATES,
)
from ..models.account_move import OPEN_INVOICE_DOMAIN
from ..models.ai_collection_answer_mixin import notify_answer
from ..tools.portal_link import BASE, portal_token
from .portal_plan import PortalPlanInputError, move_answers, parse_plan, plan_limits

LINK = f"{BASE}/<int:partner_id>/<int:expires>/<string:token>"
ROUTE = {"type": "http", "auth": "public", "website": True, "sitemap": False}

# Largest id PostgreSQL stores (int4): a larger one is a malformed link, not a lookup.
MAX_ID = 2**31 - 1
NOTE_MAX_CHARS = 2000
MESSAGE_MAX_CHARS = 5000
ID_RE = re.compile(r"[0-9]{1,10}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
AMOUNT_RE = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")
CASE_MODELS = ("ai.collection.promise", "ai.collection.dispute", "ai.collection.payment.plan")


class PortalInputError(ValueError):
    """A submission the page refuses (HTTP 400), with the message shown to the customer."""


def _partner_secret(env, partner_id):
    """``(commercial partner id, portal secret)`` of an active partner, else None.

    Plain SQL: it runs before the signature is checked, when the visitor is anonymous
    and nothing may be read as superuser yet; the secret is never exposed.
    """
    rows = env.execute_query(
        SQL(
            "SELECT commercial_partner_id, ai_portal_secret FROM res_partner"
            " WHERE id = %s AND active",
            partner_id,
        )
    )
    return rows[0] if rows else None


def open_invoices(partner):
    """Open customer invoices of ``partner`` (sudo, see the callers' signature check)."""
    return partner.env["account.move"].search(
        [*OPEN_INVOICE_DOMAIN, ("commercial_partner_id", "=", partner.id)],
        order="invoice_date_due, id",
    )


def _raw(post, name):
    """The stripped text of a form field ("" if absent); 400 for an upload or a NUL."""
    value = post.get(name, "")
    if not isinstance(value, str) or "\x00" in value:
        raise PortalInputError(request.env._("The form was not filled in correctly."))
    return value.strip()


def _text(post, name, max_chars, required=False):
    value = _raw(post, name)
    if len(value) > max_chars:
        raise PortalInputError(
            request.env._("Please keep your text to %(count)s characters at most.", count=max_chars)
        )
    if required and not value:
        raise PortalInputError(request.env._("Please describe the problem."))
    return value


def _amount(post, move):
    """Amount typed by the customer (the invoice's currency), else what is still due."""
    value = _raw(post, "amount")
    if not value:
        return move.amount_residual
    if not AMOUNT_RE.fullmatch(value):
        raise PortalInputError(request.env._("Please enter the amount as a number, e.g. 120.50."))
    amount = move.currency_id.round(float(value))
    if amount <= 0 or move.currency_id.compare_amounts(amount, move.amount_residual) > 0:
        raise PortalInputError(
            request.env._("Please enter an amount between 0 and what is due on the invoice.")
        )
    return amount


class AiCollectionsPortal(http.Controller):
    # ------------------------------------------------------------------
    # Access: the signed link
    # ------------------------------------------------------------------
    def _check_access(self, partner_id, expires, token):
        """The (sudo) customer of a valid link, else None (see :meth:`_invalid_link`)."""
        if partner_id > MAX_ID or expires < time.time() or len(token) > 128:
            return None
        row = _partner_secret(request.env, partner_id)
        # The HMAC is computed for unknown customers too: the same work for every link.
        expected = portal_token(request.env, partner_id, expires, row and row[1])
        if not consteq(expected, token) or not row or row[0] != partner_id:
            return None
        # sudo: the signature just checked is the access check of the public visitor.
        return request.env["res.partner"].sudo().browse(partner_id)

    def _invalid_link(self):
        """One 404 page for unknown, foreign, expired, revoked and malformed links (a
        response, not a raised NotFound: Odoo's 404 fallback looks the path up in the
        database, which fails on a NUL byte)."""
        return request.render("ar_ai_collections.ai_collections_portal_invalid_link", status=404)

    def _open_move(self, partner, move_id):
        """One of the customer's open invoices, or None."""
        if move_id > MAX_ID:
            return None
        return open_invoices(partner).filtered(lambda move: move.id == move_id)

    # ------------------------------------------------------------------
    # Page
    # ------------------------------------------------------------------
    @http.route(LINK, methods=["GET"], **ROUTE)
    def ai_portal_page(self, partner_id, expires, token, done=None, **kw):
        partner = self._check_access(partner_id, expires, token)
        if not partner:
            return self._invalid_link()
        return self._render_page(partner, f"{BASE}/{partner_id}/{expires}/{token}", done=done)

    def _render_page(self, partner, base_url, done=None, error=None, status=200):
        today = fields.Date.context_today(partner)
        moves = open_invoices(partner)
        most, last_plan_date = plan_limits(moves[:1].company_id or request.env.company)
        values = {
            "partner": partner,
            "moves": moves,
            "answers": move_answers(partner, moves),
            "plan_rows": range(1, most + 1),
            "last_plan_date": last_plan_date,
            "can_pay": self._can_pay(),
            "base_url": base_url,
            "categories": [(key, DISPUTE_CATEGORY_LABELS[key]) for key in DISPUTE_CATEGORIES],
            "done": done if isinstance(done, str) else None,
            "error": error,
            "today": today,
            "last_promise_date": self._last_promise_date,
            "note_max": NOTE_MAX_CHARS,
            "message_max": MESSAGE_MAX_CHARS,
        }
        return request.render("ar_ai_collections.ai_collections_portal_page", values, status=status)

    def _can_pay(self):
        """Online payment needs account_payment (it adds the invoices' transactions) and
        an enabled provider."""
        if "transaction_ids" not in request.env["account.move"]._fields:
            return False
        # sudo: providers are configuration the public visitor cannot read; only counted.
        providers = request.env["payment.provider"].sudo()
        return bool(providers.search_count([("state", "in", ("enabled", "test"))], limit=1))

    # ------------------------------------------------------------------
    # Invoice PDF and payment, behind the same signature and expiry
    # ------------------------------------------------------------------
    @http.route(f"{LINK}/invoice/<int:move_id>", methods=["GET"], **ROUTE)
    def ai_portal_invoice_pdf(self, partner_id, expires, token, move_id, **kw):
        """The invoice's legal documents (PDF, or a zip with its e-invoices)."""
        partner = self._check_access(partner_id, expires, token)
        move = partner and self._open_move(partner, move_id)
        if not move:
            return self._invalid_link()
        docs = move._get_invoice_legal_documents_all(allow_fallback=True)
        if len(docs) == 1:
            doc = docs[0]
            return request.make_response(
                doc["content"], _get_headers(doc["filename"], doc["filetype"], doc["content"])
            )
        content = _build_zip_from_data(docs)
        filename = move._get_invoice_report_filename(extension="zip")
        return request.make_response(content, _get_headers(filename, "zip", content))

    @http.route(f"{LINK}/invoice/<int:move_id>/pay", methods=["GET"], **ROUTE)
    def ai_portal_invoice_pay(self, partner_id, expires, token, move_id, **kw):
        """Odoo's payment form for what is due on this invoice, with a payment-link token
        (it allows paying that amount, nothing else) and its transaction and landing
        routes behind this link: the invoice's permanent portal access token, which
        account_payment's own invoice flow needs, never reaches the browser."""
        partner = self._check_access(partner_id, expires, token)
        move = partner and self._open_move(partner, move_id)
        if not move or not self._can_pay():
            return self._invalid_link()
        payment_portal, payment_utils = self._payment_modules()
        amount, currency, customer = move.amount_residual, move.currency_id, move.partner_id
        response = payment_portal.payment_pay(
            reference=move.name,
            amount=amount,
            currency_id=currency.id,
            partner_id=customer.id,
            company_id=move.company_id.id,
            access_token=payment_utils.generate_access_token(customer.id, amount, currency.id),
        )
        base_url = f"{BASE}/{partner_id}/{expires}/{token}"
        if getattr(response, "qcontext", None) is not None:  # the form (not a redirect)
            response.qcontext.update(
                transaction_route=f"{base_url}/invoice/{move.id}/transaction",
                landing_route=f"{base_url}?done=paid",
            )
        return response

    @http.route(f"{LINK}/invoice/<int:move_id>/transaction", type="json", auth="public")
    def ai_portal_invoice_transaction(
        self, partner_id, expires, token, move_id, access_token=None, **kwargs
    ):
        """The payment form's transaction, linked to the invoice (as account_payment's
        invoice route does), for the amount and customer the payment token was made for."""
        partner = self._check_access(partner_id, expires, token)
        move = partner and self._open_move(partner, move_id)
        if not move or not self._can_pay():
            raise ValidationError(request.env._("This link is not valid."))
        payment_portal, payment_utils = self._payment_modules()
        customer, currency = move.partner_id, move.currency_id
        amount = payment_portal._cast_as_float(kwargs.get("amount"))
        if not payment_utils.check_access_token(access_token, customer.id, amount, currency.id):
            raise ValidationError(request.env._("The provided parameters are invalid."))
        payment_portal._validate_transaction_kwargs(kwargs)
        return payment_portal._process_transaction(
            customer.id, currency.id, move.ids, False, **kwargs
        )

    def _payment_modules(self):
        """account_payment's controller and the payment tokens (installed: :meth:`_can_pay`)."""
        from odoo.addons.account_payment.controllers.payment import PaymentPortal
        from odoo.addons.payment import utils as payment_utils

        return PaymentPortal(), payment_utils

    # ------------------------------------------------------------------
    # Promise to pay and dispute
    # ------------------------------------------------------------------
    @http.route(f"{LINK}/promise", methods=["POST"], **ROUTE)
    def ai_portal_promise(self, partner_id, expires, token, **post):
        return self._submit(partner_id, expires, token, post, "ai.collection.promise")

    @http.route(f"{LINK}/dispute", methods=["POST"], **ROUTE)
    def ai_portal_dispute(self, partner_id, expires, token, **post):
        return self._submit(partner_id, expires, token, post, "ai.collection.dispute")

    @http.route(f"{LINK}/plan", methods=["POST"], **ROUTE)
    def ai_portal_plan(self, partner_id, expires, token, **post):
        """The customer proposes a payment plan (see portal_plan.py)."""
        partner = self._check_access(partner_id, expires, token)
        if not partner:
            return self._invalid_link()
        base_url = f"{BASE}/{partner_id}/{expires}/{token}"
        moves = open_invoices(partner)
        company = moves[:1].company_id or request.env.company
        try:
            invoices, lines = parse_plan(post, moves, company, _raw, AMOUNT_RE, DATE_RE)
            note = _text(post, "note", NOTE_MAX_CHARS)
        except (PortalInputError, PortalPlanInputError) as error:
            return self._render_page(partner, base_url, error=str(error), status=400)
        if self._recent_submissions(partner) >= PORTAL_SUBMISSIONS_PER_HOUR:
            return self._render_page(partner, base_url, done="rate_limited", status=429)
        # sudo: the public visitor proposes the plan its signed link allows (checked above).
        Plan = request.env["ai.collection.payment.plan"].sudo().with_company(company)
        try:
            with request.env.cr.savepoint():
                plan = Plan.create(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "invoice_ids": [fields.Command.set(invoices.ids)],
                        "line_ids": lines,
                        "source": "portal",
                        "note": note,
                    }
                )
        except ValidationError as error:  # a limit of Settings > Payment Plans
            return self._render_page(partner, base_url, error=error.args[0], status=400)
        summary = request.env._(
            "Payment plan from the customer portal: %(count)s instalments, %(total)s.",
            count=plan.instalment_count,
            total=plan.currency_id.format(plan.amount_total),
        )
        body = Markup("<p>%s</p>") % summary
        if note:
            body += Markup("<p>%s</p>") % note
        plan.message_post(
            body=body, author_id=partner.id, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        plan._propose()
        return request.redirect(f"{base_url}?done=plan")

    def _submit(self, partner_id, expires, token, post, model):
        """Validate, rate-limit, then create or update the customer's open case."""
        partner = self._check_access(partner_id, expires, token)
        if not partner:
            return self._invalid_link()
        base_url = f"{BASE}/{partner_id}/{expires}/{token}"
        try:
            move = self._parse_move(partner, post)
            parse = self._parse_promise if model == "ai.collection.promise" else self._parse_dispute
            vals, summary, text = parse(move, post)
        except PortalInputError as error:
            return self._render_page(partner, base_url, error=str(error), status=400)
        if self._recent_submissions(partner) >= PORTAL_SUBMISSIONS_PER_HOUR:
            return self._render_page(partner, base_url, done="rate_limited", status=429)
        note = Markup("<p>%s</p>") % summary
        if text:
            note += Markup("<p>%s</p>") % text
        self._save_case(partner, move, model, vals, note)
        kind = "promise" if model == "ai.collection.promise" else "dispute"
        return request.redirect(f"{base_url}?done={kind}")

    def _parse_move(self, partner, post):
        value = _raw(post, "move_id")
        move = self._open_move(partner, int(value)) if ID_RE.fullmatch(value) else None
        if not move:
            raise PortalInputError(request.env._("This invoice is not one of your open invoices."))
        return move

    def _last_promise_date(self, company):
        """Furthest date a customer can promise to pay (the company's promise horizon)."""
        return company._ai_horizon_bounds()[1]

    def _parse_promise(self, move, post):
        value = _raw(post, "promised_date")
        try:
            promised_date = date.fromisoformat(value) if DATE_RE.fullmatch(value) else None
        except ValueError:
            promised_date = None
        today = fields.Date.context_today(move)
        horizon = self._last_promise_date(move.company_id)
        if not promised_date or not today <= promised_date <= horizon:
            raise PortalInputError(
                request.env._(
                    "Please choose a payment date between today and %(date)s.",
                    date=fields.Date.to_string(horizon),
                )
            )
        amount = _amount(post, move)
        note = _text(post, "note", NOTE_MAX_CHARS)
        vals = {"promised_date": promised_date, "note": note}
        summary = request.env._(
            "Promise from the customer portal: %(amount)s on %(date)s.",
            amount=move.currency_id.format(amount),
            date=fields.Date.to_string(promised_date),
        )
        return self._with_amount(vals, move, amount), summary, note

    def _parse_dispute(self, move, post):
        category = _raw(post, "category")
        if category not in DISPUTE_CATEGORIES:
            raise PortalInputError(request.env._("Please choose the reason of your dispute."))
        amount = _amount(post, move)
        message = _text(post, "message", MESSAGE_MAX_CHARS, required=True)
        vals = {"category": category, "description": message}
        summary = request.env._(
            "Dispute from the customer portal (%(category)s) on %(amount)s.",
            category=DISPUTE_CATEGORY_LABELS[category],
            amount=move.currency_id.format(amount),
        )
        return self._with_amount(vals, move, amount), summary, message

    def _with_amount(self, vals, move, amount):
        """The case's amount is in the company currency: convert the typed amount at the
        invoice's own rate (what is due in both currencies)."""
        company_amount = move.amount_residual_signed * amount / move.amount_residual
        return {**vals, "amount": move.company_id.currency_id.round(company_amount)}

    def _recent_submissions(self, partner):
        """Promises and disputes the customer sent in the last hour: each one posts a note
        authored by the customer on its case (counted in the database, all workers)."""
        # sudo: counting the customer's own portal notes, after the signature check.
        return (
            request.env["mail.message"]
            .sudo()
            .search_count(
                [
                    ("author_id", "=", partner.id),
                    ("model", "in", CASE_MODELS),
                    ("message_type", "=", "comment"),
                    ("create_date", ">=", request.env.cr.now() - timedelta(hours=1)),
                ]
            )
        )

    def _save_case(self, partner, move, model, vals, note):
        """Update the customer's open portal case on this invoice, else create one."""
        # sudo: the public visitor creates the case its signed link allows (checked above).
        Case = request.env[model].sudo().with_company(move.company_id)
        case = Case.search(
            [
                ("partner_id", "=", partner.id),
                ("source", "=", "portal"),
                ("state", "in", STANDING_CASE_STATES),
                ("move_ids", "in", move.ids),
            ],
            order="id desc",
            limit=1,
        )
        if case:
            if case.move_ids != move:  # the collector widened it: keep its amount
                vals = {key: value for key, value in vals.items() if key != "amount"}
            case.write(vals)
        else:
            case = Case.create(
                {
                    **vals,
                    "partner_id": partner.id,
                    "company_id": move.company_id.id,
                    "move_ids": [fields.Command.set(move.ids)],
                    "source": "portal",
                }
            )
            if model == "ai.collection.dispute":
                # Reported by the customer: open it at once so that dunning pauses the invoice
                # (its responsible gets the to-do).
                case.action_confirm()
            else:
                notify_answer(
                    case,
                    case.user_id,
                    request.env._("Confirm or reject promise %(name)s", name=case.name),
                    note,
                )
        case.message_post(
            body=note, author_id=partner.id, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        return case
