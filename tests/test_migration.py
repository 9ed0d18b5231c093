"""The 18.0.1.1.0 upgrade: stale scores are refreshed by the scheduled actions."""

import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MIGRATION = Path(__file__).parent.parent / "migrations" / "18.0.1.1.0" / "post-migrate.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("ai_post_migrate_1_1", MIGRATION)
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
