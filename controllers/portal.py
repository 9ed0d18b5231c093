"""Customer portal of AI Collections: a signed link (sent in reminder emails) to a page
listing the customer's open invoices, where the customer pays, promises a date or
disputes an invoice. Promises and disputes land in the collectors' worklist."""

import time

from werkzeug.exceptions import Forbidden, NotFound

from odoo import fields, http
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import hmac as hmac_tool

from ..ar_ai_collections.constants import DISPUTE_CATEGORIES, DISPUTE_CATEGORY_LABELS

TOKEN_SCOPE = "ar_ai_collections.portal"  # noqa: S105 (an HMAC scope, not a secret)
DAYS_PARAM = "ar_ai_collections.portal_link_days"
DEFAULT_DAYS = 30
BASE = "/ai_collections/portal"


def portal_token(env, partner_id, expires):
    """HMAC (database secret) of the partner id and the expiry timestamp."""
    return hmac_tool(env(su=True), TOKEN_SCOPE, f"{int(partner_id)}:{int(expires)}")


def portal_path(partner, days=None):
    """Relative signed path to ``partner``'s portal page, valid ``days`` days."""
    if days is None:
        param = partner.env["ir.config_parameter"].sudo().get_param(DAYS_PARAM)
        days = int(param) if param and param.isdigit() else DEFAULT_DAYS
    expires = int(time.time()) + int(days) * 86400
    token = portal_token(partner.env, partner.id, expires)
    return f"{BASE}/{partner.id}/{expires}/{token}"


def open_invoices(partner):
    return (
        partner.env["account.move"]
        .sudo()
        .search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "not in", ("paid", "in_payment", "reversed")),
            ],
            order="invoice_date_due, id",
        )
    )


class AiCollectionsPortal(http.Controller):
    def _check_access(self, partner_id, expires, token):
        """Return the (sudo) partner or raise 404 (unknown) / 403 (bad or expired token)."""
        partner = request.env["res.partner"].sudo().browse(partner_id).exists()
        if not partner or partner.commercial_partner_id != partner:
            raise NotFound()
        expected = portal_token(request.env, partner_id, expires)
        if not token or not consteq(expected, token) or expires < time.time():
            raise Forbidden()
        return partner

    def _get_move(self, partner, move_id):
        move = open_invoices(partner).filtered(lambda m: m.id == move_id)
        if not move:
            raise NotFound()
        return move

    def _base(self, partner_id, expires, token):
        return f"{BASE}/{partner_id}/{expires}/{token}"

    @http.route(
        f"{BASE}/<int:partner_id>/<int:expires>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def ai_portal_page(self, partner_id, expires, token, done=None, **kw):
        partner = self._check_access(partner_id, expires, token)
        moves = open_invoices(partner)
        # Online payment needs account_payment and an enabled provider: the invoice's
        # standard portal page then shows the "Pay now" button.
        providers = "payment.provider" in request.env and request.env[
            "payment.provider"
        ].sudo().search_count([("state", "in", ("enabled", "test"))])
        for move in moves:
            move._portal_ensure_token()
        values = {
            "partner": partner,
            "moves": moves,
            "can_pay": bool(providers),
            "base_url": self._base(partner_id, expires, token),
            "categories": [(key, DISPUTE_CATEGORY_LABELS[key]) for key in DISPUTE_CATEGORIES],
            "done": done,
            "today": fields.Date.context_today(request.env.user),
        }
        return request.render("ar_ai_collections.ai_collections_portal_page", values)

    @http.route(
        f"{BASE}/<int:partner_id>/<int:expires>/<string:token>/promise",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ai_portal_promise(self, partner_id, expires, token, move_id=None, **post):
        partner = self._check_access(partner_id, expires, token)
        move = self._get_move(partner, int(move_id or 0))
        promised_date = fields.Date.to_date(post.get("promised_date") or None)
        today = fields.Date.context_today(request.env.user)
        if not promised_date or promised_date < today:
            return request.redirect(self._base(partner_id, expires, token) + "?done=bad_date")
        request.env["ai.collection.promise"].sudo().with_company(move.company_id).create(
            {
                "partner_id": partner.id,
                "company_id": move.company_id.id,
                "move_ids": [fields.Command.set(move.ids)],
                "promised_date": promised_date,
                "source": "portal",
                "note": (post.get("note") or "")[:2000],
            }
        )
        return request.redirect(self._base(partner_id, expires, token) + "?done=promise")

    @http.route(
        f"{BASE}/<int:partner_id>/<int:expires>/<string:token>/dispute",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ai_portal_dispute(self, partner_id, expires, token, move_id=None, **post):
        partner = self._check_access(partner_id, expires, token)
        move = self._get_move(partner, int(move_id or 0))
        category = post.get("category")
        if category not in DISPUTE_CATEGORIES:
            category = "other"
        dispute = (
            request.env["ai.collection.dispute"]
            .sudo()
            .with_company(move.company_id)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": move.company_id.id,
                    "move_ids": [fields.Command.set(move.ids)],
                    "category": category,
                    "description": (post.get("message") or "")[:5000],
                    "source": "portal",
                }
            )
        )
        # Reported by the customer: open it at once so that dunning pauses the invoice.
        dispute.action_confirm()
        return request.redirect(self._base(partner_id, expires, token) + "?done=dispute")
