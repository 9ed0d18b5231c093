import json
import time
from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from ..ar_ai_collections.constants import DISPUTE_CATEGORIES, MAX_REPLY_CHARS
from ..models.ai_collection_reply import CLASSIFIER_ATTACHMENT_NAME, THRESHOLD_PARAM
from .worklist_common import WorklistCase

DISPUTE_TEXT = (
    "We dispute this invoice: the goods arrived damaged, the pallet was broken. "
    "We will not pay until this is sorted out."
)
PROMISE_TEXT = "We will transfer EUR 1.250,00 next Friday."


@tagged("post_install", "-at_install")
class TestReplyClassification(WorklistCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(THRESHOLD_PARAM, "0.6")
        cls.manager = (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Manager Mia",
                    "login": "rep_manager",
                    "company_id": cls.company.id,
                    "company_ids": [(6, 0, cls.company.ids)],
                    "groups_id": [
                        (6, 0, [cls.env.ref("ar_ai_collections.group_collections_manager").id])
                    ],
                }
            )
        )

    def setUp(self):
        super().setUp()
        self.customer = self._customer("Reply Customer")
        self.invoice = self._invoice(self.customer, days_overdue=10, amount=2000.0)

    def _email(self, record, body, author=None):
        return record.message_post(
            body=body,
            subject="Re: your reminder",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
            author_id=(author or self.customer).id,
        )

    def _replies(self):
        return self.env["ai.collection.reply"].search([("partner_id", "=", self.customer.id)])

    def test_incoming_dispute_creates_draft_dispute(self):
        message = self._email(self.invoice, DISPUTE_TEXT)
        reply = self._replies()
        self.assertEqual(len(reply), 1)
        self.assertEqual(reply.message_id, message)
        self.assertEqual(reply.move_id, self.invoice)
        self.assertEqual(reply.label, "dispute")
        self.assertIn(reply.category, DISPUTE_CATEGORIES)
        self.assertGreaterEqual(reply.confidence, 0.6)
        self.assertEqual(reply.state, "applied")
        dispute = reply.dispute_id
        self.assertEqual(dispute.state, "draft")
        self.assertEqual(dispute.source, "reply")
        self.assertEqual(dispute.move_ids, self.invoice)
        self.assertEqual(dispute.category, reply.category)
        self.assertTrue(self.invoice.ai_in_dispute, "the customer's own answer holds at once")
        # One click for the collector.
        reply.with_user(self.collector).action_confirm_followup()
        self.assertEqual(dispute.state, "open")
        self.assertTrue(self.invoice.ai_in_dispute)

    def test_incoming_promise_extracts_date_and_amount(self):
        self._email(self.invoice, PROMISE_TEXT)
        reply = self._replies()
        self.assertEqual(reply.label, "promise")
        self.assertEqual(reply.promised_amount, 1250.0)
        today = self.today
        next_friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
        self.assertEqual(reply.promised_date, next_friday)
        promise = reply.promise_id
        self.assertEqual(promise.state, "draft")
        self.assertEqual(promise.source, "reply")
        self.assertEqual(promise.amount, 1250.0)
        self.assertEqual(promise.promised_date, next_friday)
        self.assertEqual(promise.move_ids, self.invoice)

    def test_mail_gateway_reply_is_classified(self):
        reminder = self.invoice.message_post(
            body="Your invoice is overdue.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        raw = (
            f"From: Reply Customer <{self.customer.email}>\r\n"
            f"To: billing@example.com\r\n"
            f"Subject: Re: {self.invoice.name}\r\n"
            f"Message-ID: <ai-reply-test-1@example.com>\r\n"
            f"In-Reply-To: {reminder.message_id}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{DISPUTE_TEXT}\r\n"
        )
        thread_id = self.env["mail.thread"].message_process("account.move", raw)
        self.assertEqual(thread_id, self.invoice.id)
        reply = self._replies()
        self.assertEqual(len(reply), 1)
        self.assertEqual(reply.move_id, self.invoice)
        self.assertEqual(reply.label, "dispute")
        self.assertEqual(reply.dispute_id.source, "reply")

    def test_email_on_customer_uses_open_invoices(self):
        self._email(self.customer, DISPUTE_TEXT)
        reply = self._replies()
        self.assertFalse(reply.move_id)
        self.assertEqual(reply.dispute_id.move_ids, self.invoice)

    def test_low_confidence_schedules_review(self):
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD_PARAM, "0.999")
        self._email(self.invoice, DISPUTE_TEXT)
        reply = self._replies()
        self.assertEqual(reply.state, "review")
        self.assertFalse(reply.dispute_id)
        self.assertEqual(len(reply.activity_ids), 1)
        self.assertEqual(reply.activity_ids.user_id, self.collector)

    def test_internal_note_and_staff_mail_ignored(self):
        self.invoice.message_post(
            body=DISPUTE_TEXT, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.invoice.message_post(
            body=DISPUTE_TEXT, message_type="comment", author_id=self.customer.id
        )
        self._email(self.invoice, DISPUTE_TEXT, author=self.collector.partner_id)
        other = self._customer("Someone Else")
        self._email(self.invoice, DISPUTE_TEXT, author=other)
        self.assertFalse(
            self.env["ai.collection.reply"].search([("move_id", "=", self.invoice.id)])
        )

    def test_correction_applies_and_retrain_uses_it(self):
        self.env["ir.config_parameter"].sudo().set_param(THRESHOLD_PARAM, "0.999")
        self._email(self.invoice, "Please see my colleague's note about that amount, regards.")
        reply = self._replies()
        self.assertEqual(reply.state, "review")
        with Form(reply.with_user(self.collector)) as form:
            form.corrected_label = "dispute"
            form.corrected_category = "pricing"
        reply.with_user(self.collector).action_apply()
        self.assertEqual(reply.state, "corrected")
        self.assertEqual(reply.final_label, "dispute")
        self.assertEqual(reply.dispute_id.category, "pricing")
        self.assertFalse(reply.activity_ids, "the review activity is done")

        Reply = self.env["ai.collection.reply"]
        with self.assertRaises(AccessError):
            Reply.with_user(self.collector).action_retrain_reply_classifier()
        with self.assertRaises(AccessError):
            reply.with_user(self.invoicing_user).write({"corrected_label": "paid"})
        default = Reply._get_classifier(self.company)
        retrain = self.env.ref("ar_ai_collections.ai_collection_reply_action_retrain")
        with self.assertRaises(AccessError):
            retrain.with_user(self.collector).run()
        result = retrain.with_user(self.manager).run()
        self.assertEqual(result["params"]["type"], "success")
        attachment = Reply._classifier_attachment(self.company)
        self.assertTrue(attachment)
        retrained = Reply._get_classifier(self.company)
        self.assertIsNot(retrained, default)
        # The correction (weighted) moves the model towards the user's label.
        labels = retrained.labels
        self.assertGreater(
            retrained.predict_proba([reply.text])[0][0][labels.index("dispute")],
            default.predict_proba([reply.text])[0][0][default.labels.index("dispute")],
        )

    def test_classification_failure_keeps_the_email_for_review(self):
        # A corrupted stored classifier (a head whose coefficients lost their shape) makes the
        # engine refuse it: the email is still posted, the error logged, a review scheduled.
        corrupted = json.loads(
            self.env["ai.collection.reply"]._get_classifier(self.company).to_json()
        )
        corrupted["heads"]["label"]["coef"] = corrupted["heads"]["label"]["coef"][:-1]
        self.env["ir.attachment"].create(
            {
                "name": CLASSIFIER_ATTACHMENT_NAME,
                "res_model": "res.company",
                "res_id": self.company.id,
                "company_id": self.company.id,
                "raw": json.dumps(corrupted).encode(),
                "mimetype": "application/json",
            }
        )
        with self.assertLogs(
            "odoo.addons.ar_ai_collections.models.ai_collection_reply", "ERROR"
        ) as logs:
            message = self._email(self.invoice, DISPUTE_TEXT)
        self.assertIn("Reply classification failed", logs.output[0])
        self.assertIn(message, self.invoice.message_ids)
        reply = self._replies()
        self.assertEqual(reply.message_id, message)
        self.assertEqual((reply.label, reply.confidence, reply.state), ("other", 0.0, "review"))
        self.assertFalse(reply.dispute_id)
        self.assertEqual(len(reply.activity_ids), 1)
        self.assertEqual(reply.activity_ids.user_id, self.collector)

    def test_classifier_retrained_by_an_older_version_gives_way_to_the_bundled_one(self):
        # After an upgrade that changed the feature layout, replies are still classified.
        outdated = json.loads(
            self.env["ai.collection.reply"]._get_classifier(self.company).to_json()
        )
        outdated["format_version"] = 1
        self.env["ir.attachment"].create(
            {
                "name": CLASSIFIER_ATTACHMENT_NAME,
                "res_model": "res.company",
                "res_id": self.company.id,
                "company_id": self.company.id,
                "raw": json.dumps(outdated).encode(),
                "mimetype": "application/json",
            }
        )
        with self.assertLogs(
            "odoo.addons.ar_ai_collections.models.ai_collection_reply", "WARNING"
        ) as logs:
            self._email(self.invoice, DISPUTE_TEXT)
        self.assertIn("bundled classifier is used", logs.output[0])
        reply = self._replies()
        self.assertEqual(reply.label, "dispute")
        self.assertGreater(reply.confidence, 0.0)

    def test_crafted_email_is_bounded_and_cheap(self):
        # Thousands of line breaks once made the quote-header pattern backtrack for seconds.
        body = "<p>We will pay next Friday." + "<br>" * 60_000 + "Regards</p>"
        message = self._email(self.invoice, body)
        reply = self._replies()
        self.assertEqual(reply.label, "promise")
        self.assertLessEqual(len(reply.text), MAX_REPLY_CHARS)
        start = time.perf_counter()
        self.env["ai.collection.reply"]._classify_message(message, self.invoice)
        self.assertLess(time.perf_counter() - start, 0.5)
