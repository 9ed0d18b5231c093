"""Honest statuses of the dunning log and who gets the dunning activities."""

from unittest.mock import patch

from odoo import SUPERUSER_ID, modules
from odoo.tests import tagged

from .test_dunning import DunningCase


@tagged("post_install", "-at_install")
class TestDunningStatuses(DunningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Reminders of these tests go through a real SMTP connection to a closed port.
        cls.env["ir.mail_server"].search([]).active = False
        cls.closed_server = cls.env["ir.mail_server"].create(
            {"name": "Closed port", "smtp_host": "127.0.0.1", "smtp_port": 9, "sequence": 1}
        )

    def _follow(self):
        return self.env["ai.dunning.log"]._cron_follow_mails()

    def test_sent_when_the_mail_is_sent(self):
        partner = self._customer("Delivered")
        move = self._invoice(partner, 10)
        self._run()
        log = self._logs(move)
        self.assertEqual(log.outcome, "queued")
        self._follow()
        self.assertEqual(log.outcome, "queued", "still in the queue: not sent yet")
        self.closed_server.active = False
        with self.mock_mail_gateway():
            log.mail_id.send()
        self.assertEqual(log.mail_id.state, "sent")
        self.assertEqual(self._follow(), {"sent": 1})
        self.assertEqual(log.outcome, "sent")

    def test_failing_smtp_is_retried_then_failed_with_fix_contact_activity(self):
        partner = self._customer("Unreachable")
        move = self._invoice(partner, 10)
        self._run()
        log = self._logs(move)
        mail = log.mail_id

        def send():
            # The test mode skips SMTP; Odoo's own mail tests lift it the same way.
            with patch.object(modules.module, "current_test", False):
                mail.send(raise_exception=False)
            self.assertEqual(mail.state, "exception")
            self.assertTrue(mail.failure_reason)

        send()
        self._follow()
        self.assertEqual((log.outcome, log.mail_retry_count), ("queued", 1), "retried once")
        self.assertEqual(mail.state, "outgoing", "back in the queue")
        send()
        self.assertEqual(self._follow(), {"failed": 1})
        self.assertEqual(log.outcome, "failed", "never reported done or sent")
        self.assertIn("Email failed", log.note)
        activity = self._activities(partner)
        self.assertEqual(activity.summary, "Dunning email failed: fix contact")
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(self._follow(), {}, "a failed line is not reported twice")

    def test_bounced_address(self):
        partner = self._customer("Bouncing")
        partner.message_bounce = 1  # an older mail bounced once
        move = self._invoice(partner, 10)
        self._run()
        log = self._logs(move)
        self.closed_server.active = False
        with self.mock_mail_gateway():
            log.mail_id.send()
        self.assertEqual(self._follow(), {"sent": 1}, "an older bounce is not this mail's")
        fix_contact = "Dunning email failed: fix contact"
        self.assertNotIn(fix_contact, self._activities(partner).mapped("summary"))
        partner.message_bounce = 2  # what Odoo's bounce handling records on the recipient
        self.assertEqual(self._follow(), {"bounced": 1})
        self.assertEqual(log.outcome, "bounced")
        self.assertIn(fix_contact, self._activities(partner).mapped("summary"))

    def test_no_address_fails_at_once(self):
        partner = self._customer("No Email", email=False)
        move = self._invoice(partner, 10)
        self._run()
        log = self._logs(move)
        self.assertEqual(log.outcome, "failed")
        self.assertFalse(self._mails(partner))
        self.assertEqual(self._activities(partner).summary, "Dunning email failed: fix contact")


@tagged("post_install", "-at_install")
class TestDunningActivityUsers(DunningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls.env["res.users"].create(
            {"name": "Salesperson", "login": "dun_sales", "email": "sales@example.com"}
        )
        cls.manager = cls.env["res.users"].create(
            {"name": "Manager", "login": "dun_manager", "email": "manager@example.com"}
        )

    def _call_activity_user(self, partner, salesperson=None):
        move = self._invoice(partner, 40, band="high")
        move.invoice_user_id = salesperson
        self._executed(move, self.level_second, days_ago=10)
        self._run()
        activity = self._activities(partner)
        self.assertEqual(len(activity), 1)
        return activity.user_id

    def test_collector_first(self):
        partner = self._customer("With Collector")
        self.assertEqual(self._call_activity_user(partner, self.salesperson), self.collector)

    def test_then_the_invoice_salesperson(self):
        partner = self._customer("With Salesperson", ai_collector_id=False)
        self.assertEqual(self._call_activity_user(partner, self.salesperson), self.salesperson)

    def test_then_the_collections_manager_of_settings(self):
        self.company.ai_dunning_manager_id = self.manager
        partner = self._customer("Nobody", ai_collector_id=False)
        self.assertEqual(self._call_activity_user(partner), self.manager)

    def test_never_odoobot_or_the_superuser(self):
        superuser = self.env["res.users"].browse(SUPERUSER_ID)
        self.company.ai_dunning_manager_id = superuser
        partner = self._customer("Orphan", ai_collector_id=False)
        user = self._call_activity_user(partner, superuser)
        self.assertNotEqual(user, superuser)
        self.assertTrue(user, "a Collections manager of the company takes it")
        self.assertIn(user, self.env.ref("ar_ai_collections.group_collections_manager").users)
