"""The upgrades: 18.0.1.1.0 refreshes stale scores through the scheduled actions;
18.0.1.2.0 archives the previous champions and trains the per-company models."""

import importlib.util
from pathlib import Path

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import TransactionCase, tagged

from .test_risk_scoring import RiskLedgerMixin

MIGRATIONS = Path(__file__).parent.parent / "migrations"
TTP_REGISTRY = MIGRATIONS / "18.0.1.2.0" / "post-20-ttp-registry.py"
DEFAULT_RISK_ONNX = MIGRATIONS.parent / "ar_ai_collections" / "data" / "default_model.onnx"


def load_migration(path=MIGRATIONS / "18.0.1.1.0" / "post-migrate.py"):
    spec = importlib.util.spec_from_file_location(f"ai_migration_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigration(TransactionCase):
    def test_upgrade_triggers_scoring_and_forecast(self):
        migration = load_migration()
        crons = [self.env.ref(xmlid) for xmlid in migration.CRONS]
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([("cron_id", "in", [cron.id for cron in crons])]).unlink()
        migration.migrate(self.env.cr, None)  # a fresh install: nothing to refresh
        self.assertFalse(Trigger.search([("cron_id", "in", [cron.id for cron in crons])]))
        migration.migrate(self.env.cr, "18.0.1.0.0")
        for cron in crons:
            self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]), cron.name)


@tagged("post_install", "-at_install")
class TestTtpRegistryUpgrade(RiskLedgerMixin, AccountTestInvoicingCommon):
    """Upgrade from 18.0.1.1.0: the previous champion is archived with a note, the
    bundled models score until the company's own are trained (in the upgrade when
    the history allows)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls._load_training_ledger(cls.company)

    def _previous_champion(self):
        Model = self.env["ai.risk.model"]
        champion = Model._create_from_bytes(DEFAULT_RISK_ONNX.read_bytes(), self.company)
        champion._promote("The test's champion.")
        self.assertEqual(champion.model_type, "risk")
        return champion

    def test_small_history_keeps_scoring_with_the_bundled_models(self):
        previous = self._previous_champion()
        self.company.ai_risk_min_history = 100_000
        load_migration(TTP_REGISTRY).migrate(self.env.cr, "18.0.1.1.0")
        self.assertEqual(previous.state, "archived")
        self.assertIn("Archived by the upgrade", previous.message_ids[:1].body)
        Model = self.env["ai.risk.model"]
        self.assertFalse(Model._get_champion(self.company))
        self.assertFalse(Model._get_champion(self.company, "ttp"))
        stats = self.env["ai.risk.scoring"].score_company(self.company)
        self.assertTrue(stats["default_model"])
        self.assertGreater(stats["invoices"], 0)
        scored = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("ai_risk_band", "!=", False)]
        )
        self.assertEqual(len(scored), stats["invoices"])
        self.assertTrue(all(scored.mapped("ai_predicted_pay_date")))

    def test_history_allows_training_in_the_upgrade(self):
        previous = self._previous_champion()
        load_migration(TTP_REGISTRY).migrate(self.env.cr, "18.0.1.1.0")
        self.assertEqual(previous.state, "archived")
        Model = self.env["ai.risk.model"]
        risk, ttp = Model._get_champion(self.company), Model._get_champion(self.company, "ttp")
        self.assertTrue(risk and ttp)
        self.assertNotEqual(risk, previous)
        self.assertTrue(ttp.calibration_json)
        stats = self.env["ai.risk.scoring"].score_company(self.company)
        self.assertFalse(stats["default_model"])
        # a fresh install has nothing to archive
        load_migration(TTP_REGISTRY).migrate(self.env.cr, None)
        self.assertEqual(risk.state, "champion")
