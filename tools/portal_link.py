"""Signed links to the customer portal, shared by the portal controller (which checks
them) and the customers (which put them in reminders): neither imports the other.
"""

import time

from odoo.tools.misc import hmac as hmac_tool

TOKEN_SCOPE = "ar_ai_collections.portal"  # noqa: S105 (an HMAC scope, not a secret)
DAYS_PARAM = "ar_ai_collections.portal_link_days"
DEFAULT_DAYS = 30
BASE = "/ai_collections/portal"


def portal_token(env, partner_id, expires, secret):
    """HMAC (database secret) of the partner id, the expiry and the partner's secret.

    A partner never revoked has no secret: its links are signed as before the secret
    existed, and the first revocation invalidates them all.
    """
    message = f"{int(partner_id)}:{int(expires)}" + (f":{secret}" if secret else "")
    # env(su=True): hmac() reads the database.secret parameter (Odoo's own signing).
    return hmac_tool(env(su=True), TOKEN_SCOPE, message)


def portal_path(partner, days=None):
    """Relative signed path to ``partner``'s portal page, valid ``days`` days."""
    if days is None:
        # sudo: internal callers (reminder templates) read the link validity setting.
        param = partner.env["ir.config_parameter"].sudo().get_param(DAYS_PARAM)
        days = int(param) if param and param.isdigit() else DEFAULT_DAYS
    expires = int(time.time()) + int(days) * 86400
    # sudo: the secret is for administrators; read with the batch's other customers.
    token = portal_token(partner.env, partner.id, expires, partner.sudo().ai_portal_secret)
    return f"{BASE}/{partner.id}/{expires}/{token}"
