"""Upgrade to 18.0.1.2.0: every dunning log line, level and setting is kept."""

from odoo.tests import tagged

from .test_dunning import DunningCase
from .test_migration import MIGRATIONS, load_migration

MIGRATION = MIGRATIONS / "18.0.1.2.0" / "pre-migrate.py"


@tagged("post_install", "-at_install")
class TestDunningMigration(DunningCase):
    def _old_line(self, move, level, outcome, reason=None, mail=None, action=None):
        """A log line as 18.0.1.1.0 wrote it (old codes, written in SQL)."""
        log = self._executed(move, level, days_ago=30, outcome="skipped")
        self.env.cr.execute(
            "UPDATE ai_dunning_log SET outcome = %s, reason = %s, mail_id = %s, action = %s "
            "WHERE id = %s",
            (outcome, reason, mail.id if mail else None, action, log.id),
        )
        return log

    def test_log_lines_levels_and_settings_are_kept(self):
        partner = self._customer("Upgraded")
        moves = [self._invoice(partner, 40 + index) for index in range(6)]
        Mail = self.env["mail.mail"].sudo()
        sent = Mail.create({"body_html": "x", "state": "sent"})
        failed = Mail.create({"body_html": "x", "state": "exception"})
        queued = Mail.create({"body_html": "x", "state": "outgoing"})
        expected = [
            (self._old_line(moves[0], self.level_first, "sent", mail=sent, action="email"), "sent"),
            (
                self._old_line(moves[1], self.level_first, "approved", mail=failed, action="email"),
                "failed",
            ),
            (
                self._old_line(moves[2], self.level_first, "sent", mail=queued, action="email"),
                "queued",
            ),
            (self._old_line(moves[3], self.level_call, "sent", action="activity"), "done"),
            (self._old_line(moves[4], self.level_first, "error", action="email"), "failed"),
            (
                self._old_line(moves[5], self.level_first, "skipped", reason="quiet_hours"),
                "skipped",
            ),
        ]
        self.company.ai_dunning_manager_id = self.collector
        settings = self.company.read(["ai_dunning_max_contacts_7d", "ai_dunning_review_amount"])
        levels = self.env["ai.dunning.level"].search_read([], ["name", "days", "spacing_days"])
        count = self.env["ai.dunning.log"].search_count([])
        load_migration(MIGRATION).migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(self.env["ai.dunning.log"].search_count([]), count, "every line kept")
        self.assertEqual([log.outcome for log, _ in expected], [out for _, out in expected])
        self.assertEqual(expected[-1][0].reason, "outside_business_hours")
        self.assertEqual(
            self.env["ai.dunning.level"].search_read([], ["name", "days", "spacing_days"]), levels
        )
        self.assertEqual(
            self.company.read(["ai_dunning_max_contacts_7d", "ai_dunning_review_amount"]),
            settings,
        )
        template = self.env["ir.model.data"].search(
            [("module", "=", "ar_ai_collections"), ("name", "=", "mail_template_ai_dunning_firm")]
        )
        self.assertFalse(template.noupdate, "released so that the update reloads it")

    def test_fresh_install_is_left_alone(self):
        partner = self._customer("Fresh")
        log = self._old_line(self._invoice(partner, 10), self.level_first, "sent", action="email")
        load_migration(MIGRATION).migrate(self.env.cr, None)
        self.env.invalidate_all()
        self.assertEqual(log.outcome, "sent")
