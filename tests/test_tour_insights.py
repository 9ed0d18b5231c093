import datetime as dt

from odoo import Command, fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestInsightsTour(HttpCase):
    def test_kpi_overview_experiment_and_prediction_log_tour(self):
        company = self.env.ref("base.main_company")
        today = fields.Date.today()
        partner = self.env["res.partner"].create({"name": "Insights Customer", "is_company": True})
        for days, amount in ((70, 500.0), (40, 300.0)):
            invoice = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today - dt.timedelta(days=days),
                    "invoice_date_due": today - dt.timedelta(days=days - 30),
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
            invoice.with_context(ai_risk_no_rescore=True).action_post()
        history = self.env["ai.risk.scoring"]._extract_history(company)
        self.env["ai.collection.kpi"]._refresh_company(company, history, today)
        self.assertTrue(self.env["ai.collection.kpi"].search_count([("kind", "=", "month")]))
        experiment = self.env["ai.collection.experiment"].create(
            {
                "name": "Tour experiment",
                "company_id": company.id,
                "arm_ids": [
                    Command.create({"name": "Age-only", "is_control": True, "allocation": 50.0}),
                    Command.create({"name": "Risk-aware", "allocation": 50.0}),
                ],
            }
        )
        experiment.action_start()
        experiment.action_measure()
        self.assertTrue(experiment.verdict)
        company.ai_risk_enabled = True
        self.assertEqual(self.env["ai.risk.scoring"].score_company(company)["invoices"], 2)
        self.start_tour(
            "/odoo/action-ar_ai_collections.ai_collection_kpi_action_overview",
            "ar_ai_collections_insights_tour",
            login="admin",
        )
