"""18.0.1.1.0: open invoices gain the time-to-payment answer (P(paid within 7/30/90
days), payment-date interval) and their band moves to P(not paid within 30 days).

The scores written by 18.0.1.0.0 stay readable but are stale until the next scoring:
the scoring and cash-forecast scheduled actions are triggered to run right after the
upgrade (scoring a large ledger inside the upgrade transaction would hold it for long).
"""

from odoo import SUPERUSER_ID, api

CRONS = (
    "ar_ai_collections.ir_cron_ai_risk_score",
    "ar_ai_collections.ai_cash_forecast_cron_refresh",
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in CRONS:
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron._trigger()
