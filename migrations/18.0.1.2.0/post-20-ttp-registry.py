"""18.0.1.2.0: the registry holds a time-to-payment model per company beside the
risk model.

The champions registered before (all late-payment risk models, trained by the
previous engine, which did not answer *when* an invoice gets paid) are archived
with a note saying why; each company's models are then trained in the upgrade
when its history allows (Settings minimum). Until a company has models of its
own, the bundled default models score: scoring never stops.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Model = env["ai.risk.model"]
    for champion in Model.search([("state", "=", "champion"), ("model_type", "=", "risk")]):
        champion.state = "archived"
        champion.message_post(
            body=env._(
                "Archived by the upgrade to version 18.0.1.2.0: invoices are now answered "
                "by a time-to-payment model trained for each company beside the risk "
                "model. The bundled default models score until this company's new models "
                "are trained (in this upgrade when the history allows, else with Train "
                "now or the monthly retraining)."
            )
        )
    env.flush_all()
    for company in env["res.company"].search([("ai_risk_enabled", "=", True)]):
        try:
            with cr.savepoint():
                trained = Model._train_for_company(company)
        except Exception:  # the upgrade goes on: the bundled models keep scoring
            _logger.exception("Upgrade: training the models of company %s failed", company.id)
            continue
        _logger.info("Upgrade: company %s trained %s", company.id, trained.mapped("name"))
