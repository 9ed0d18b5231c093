import datetime as dt

from odoo import Command, fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestCashForecastTour(HttpCase):
    def test_cash_forecast_and_overdue_invoice_tours(self):
        company = self.env.ref("base.main_company")
        today = fields.Date.today()
        partner = self.env["res.partner"].create({"name": "Overdue Customer", "is_company": True})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today - dt.timedelta(days=60),
                "invoice_date_due": today - dt.timedelta(days=30),
                "invoice_line_ids": [
                    Command.create({"name": "Service", "price_unit": 900.0, "tax_ids": []})
                ],
            }
        )
        invoice.with_context(ai_risk_no_rescore=True).action_post()
        self.env["ai.risk.scoring"].score_company(company)
        self.env["ai.cash.forecast"]._refresh(company)
        self.assertTrue(invoice.ai_pay_date_low > today)
        rows = self.env["ai.cash.forecast"].search(
            [("partner_id", "=", partner.id), ("is_snapshot", "=", False)]
        )
        self.assertTrue(rows)
        self.start_tour("/odoo", "ar_ai_collections_cash_forecast_tour", login="admin")
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "ar_ai_collections_overdue_invoice_tour",
            login="admin",
        )
