from odoo import Command, fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "ar_ai_collections_tour")
class TestRiskTour(HttpCase):
    def _setup_scored_customer(self):
        """Two scored invoices of one customer: one high risk, one (forced) low."""
        company = self.env.ref("base.main_company")
        # Bands chosen so that the scored invoices fall in "high", the one set
        # by hand below in "low": the tour checks the filter, not the model.
        company.write(
            {
                "ai_risk_threshold_medium": 0.1,
                "ai_risk_threshold_high": 0.2,
                "ai_risk_threshold_critical": 99.99,
                "ai_ttp_threshold_medium": 0.1,
                "ai_ttp_threshold_high": 0.2,
                "ai_ttp_threshold_critical": 99.99,
            }
        )
        partner = self.env["res.partner"].create({"name": "Risky Customer", "is_company": True})
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "price_unit": amount, "tax_ids": []})
                    ],
                }
                for amount in (1200.0, 300.0)
            ]
        )
        # No rescoring queued at posting: it would run at the first request and
        # overwrite the band forced below.
        invoices.with_context(ai_risk_no_rescore=True).action_post()
        self.env["ai.risk.scoring"].score_company(company)
        self.assertEqual(set(invoices.mapped("ai_risk_band")), {"high"})
        invoices[1].sudo().write({"ai_risk_band": "low", "ai_risk_score": 0.1})
        self.env.cr.flush()
        invoices.invalidate_recordset()
        self.assertEqual(invoices.mapped("ai_risk_band"), ["high", "low"])
        return partner

    def test_risk_tour(self):
        self._setup_scored_customer()
        self.start_tour("/odoo", "ar_ai_collections_risk_tour", login="admin")

    def test_risk_partner_tour(self):
        partner = self._setup_scored_customer()
        self.assertEqual(partner.ai_risk_band, "high")
        self.start_tour(
            f"/odoo/action-account.res_partner_action_customer/{partner.id}",
            "ar_ai_collections_risk_partner_tour",
            login="admin",
        )
