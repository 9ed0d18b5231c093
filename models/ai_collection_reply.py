import base64
import logging

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import html2plaintext

from ..ar_ai_collections.constants import (
    DISPUTE_CATEGORIES,
    DISPUTE_CATEGORY_LABELS,
    MAX_REPLY_CHARS,
)
from .account_move import OPEN_INVOICE_DOMAIN
from .ai_collection_answer_mixin import fallback_collector, notify_answer
from .cron_isolation import collections_manager

_logger = logging.getLogger(__name__)

LABEL_SELECTION = [
    ("dispute", "Dispute"),
    ("promise", "Promise to pay"),
    ("paid", "Says paid"),
    ("request", "Request (copy, statement, PO)"),
    ("autoreply", "Auto-reply"),
    ("other", "Other"),
]
CATEGORY_SELECTION = [("none", "None")] + [
    (key, DISPUTE_CATEGORY_LABELS[key]) for key in DISPUTE_CATEGORIES
]
CLASSIFIER_ATTACHMENT_NAME = "ai_reply_classifier.json"
THRESHOLD_PARAM = "ar_ai_collections.reply_confidence_threshold"
DEFAULT_THRESHOLD = 0.7
# HTML read from an email body: the reply is at the top, and converting a crafted
# megabyte of markup to text would cost the mail gateway a noticeable fraction of a second.
HTML_READ_LIMIT = 20 * MAX_REPLY_CHARS

# Parsed classifiers, keyed by the sha1 of their JSON (the bundled one under "default").
_CLASSIFIER_CACHE = {}


class AiCollectionReply(models.Model):
    """A customer reply (incoming email on an invoice or a customer) and its classification.

    Confident predictions of a promise or a dispute create a DRAFT promise / dispute the
    collector confirms in one click; the others get a review activity. Corrections made
    by users are kept as training examples for the "Retrain reply classifier" action.
    """

    _name = "ai.collection.reply"
    _description = "Classified Customer Reply"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _rec_name = "excerpt"

    message_id = fields.Many2one("mail.message", ondelete="set null", index="btree_not_null")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    move_id = fields.Many2one("account.move", string="Invoice", index="btree_not_null")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    text = fields.Text(required=True)
    excerpt = fields.Char(compute="_compute_excerpt", store=True)
    label = fields.Selection(LABEL_SELECTION, required=True, readonly=True)
    category = fields.Selection(CATEGORY_SELECTION, required=True, default="none", readonly=True)
    confidence = fields.Float(readonly=True, digits=(3, 2))
    promised_date = fields.Date()
    promised_amount = fields.Monetary(currency_field="currency_id")
    state = fields.Selection(
        [
            ("new", "New"),
            ("applied", "Applied"),
            ("review", "To review"),
            ("corrected", "Corrected"),
        ],
        required=True,
        default="new",
        index=True,
    )
    corrected_label = fields.Selection(LABEL_SELECTION)
    corrected_category = fields.Selection(CATEGORY_SELECTION)
    final_label = fields.Selection(LABEL_SELECTION, compute="_compute_final", store=True)
    final_category = fields.Selection(CATEGORY_SELECTION, compute="_compute_final", store=True)
    promise_id = fields.Many2one("ai.collection.promise", readonly=True, ondelete="set null")
    dispute_id = fields.Many2one("ai.collection.dispute", readonly=True, ondelete="set null")
    plan_id = fields.Many2one(
        "ai.collection.payment.plan",
        string="Payment Plan",
        readonly=True,
        ondelete="set null",
        help="Proposed to a customer who replied it cannot pay (financial hardship).",
    )
    promise_state = fields.Selection(related="promise_id.state", string="Promise Status")
    dispute_state = fields.Selection(related="dispute_id.state", string="Dispute Status")

    @api.depends("text")
    def _compute_excerpt(self):
        for reply in self:
            text = " ".join((reply.text or "").split())
            reply.excerpt = text[:120] + ("…" if len(text) > 120 else "")

    @api.depends("label", "category", "corrected_label", "corrected_category")
    def _compute_final(self):
        for reply in self:
            reply.final_label = reply.corrected_label or reply.label
            if reply.corrected_label:
                reply.final_category = (
                    reply.corrected_category or "other"
                    if reply.corrected_label == "dispute"
                    else "none"
                )
            else:
                reply.final_category = reply.category

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_apply(self):
        """Create the draft promise / dispute for the (corrected) label."""
        for reply in self:
            reply._create_followup()
            reply.state = "corrected" if reply.corrected_label else "applied"
            reply.activity_ids.action_feedback(feedback=self.env._("Reply handled."))
        return True

    def action_confirm_followup(self):
        """Confirm the draft promise / dispute (approve the plan) in one click."""
        for reply in self:
            if reply.promise_id.state == "draft":
                reply.promise_id.action_confirm()
            if reply.dispute_id.state == "draft":
                reply.dispute_id.action_confirm()
            if reply.plan_id.state == "proposed":
                reply.plan_id.action_approve()
        return True

    @api.model
    def action_retrain_reply_classifier(self, company=None):
        """Train on the shipped examples plus the users' corrections; store per company."""
        if not self.env.user.has_group("ar_ai_collections.group_collections_manager"):
            raise AccessError(self.env._("Only collections managers can retrain the classifier."))
        import pandas as pd

        from ..ar_ai_collections.replies import DEFAULT_CLASSIFIER_PATH, train_reply_classifier

        company = company or self.env.company
        if company not in self.env.companies:
            raise AccessError(self.env._("You can only retrain the classifier of your companies."))
        shipped = pd.read_csv(
            DEFAULT_CLASSIFIER_PATH.parent / "replies_labelled.csv",
            dtype=str,
            keep_default_na=False,
        )[["text", "label", "category", "lang", "as_of"]]
        corrected = self.search([("company_id", "=", company.id), ("corrected_label", "!=", False)])
        extra = pd.DataFrame(
            {
                "text": corrected.mapped("text"),
                "label": corrected.mapped("final_label"),
                "category": corrected.mapped("final_category"),
                # The reply's dates are read as past / future from the day it came in.
                "as_of": [reply.create_date.date() for reply in corrected],
            },
            columns=["text", "label", "category", "as_of"],
        )
        # Corrections weigh more than one shipped example each: they are the user's data.
        examples = pd.concat([shipped] + [extra] * 3, ignore_index=True)
        classifier = train_reply_classifier(examples, seed=0)
        payload = classifier.to_json()
        attachment = self._classifier_attachment(company)
        values = {"datas": base64.b64encode(payload), "mimetype": "application/json"}
        if attachment:
            attachment.write(values)
        else:
            # sudo: the classifier is stored on the company, which managers may not edit
            self.env["ir.attachment"].sudo().create(
                {
                    **values,
                    "name": CLASSIFIER_ATTACHMENT_NAME,
                    "res_model": "res.company",
                    "res_id": company.id,
                    "company_id": company.id,
                }
            )
        _logger.info(
            "Reply classifier retrained for company %s on %d examples (%d corrections)",
            company.id,
            len(examples),
            len(corrected),
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Reply classifier retrained with %(count)s corrections.",
                    count=len(corrected),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _classifier_attachment(self, company):
        return (
            # sudo: every classification reads the company's classifier, whoever posts the email
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.company"),
                    ("res_id", "=", company.id),
                    ("name", "=", CLASSIFIER_ATTACHMENT_NAME),
                ],
                limit=1,
            )
        )

    @api.model
    def _get_classifier(self, company):
        """The company's retrained classifier if any, else the bundled one (cached)."""
        from ..ar_ai_collections.replies import OutdatedClassifierError, ReplyClassifier

        attachment = self._classifier_attachment(company)
        key = attachment.checksum if attachment else "default"
        if key not in _CLASSIFIER_CACHE:
            if len(_CLASSIFIER_CACHE) > 8:
                _CLASSIFIER_CACHE.clear()
            classifier = None
            if attachment:
                try:
                    classifier = ReplyClassifier.from_json(attachment.raw)
                except OutdatedClassifierError as exc:
                    # A classifier retrained by an older version of the addon: the
                    # bundled one classifies until a manager retrains.
                    _logger.warning(
                        "Retrained reply classifier of company %s not usable (%s): "
                        "the bundled classifier is used",
                        company.id,
                        exc,
                    )
            _CLASSIFIER_CACHE[key] = classifier or ReplyClassifier.load_default()
        return _CLASSIFIER_CACHE[key]

    @api.model
    def _confidence_threshold(self):
        # sudo: system parameters are readable by administrators only
        value = self.env["ir.config_parameter"].sudo().get_param(THRESHOLD_PARAM)
        try:
            return float(value) if value else DEFAULT_THRESHOLD
        except ValueError:
            return DEFAULT_THRESHOLD

    @api.model
    def _classify_message(self, message, record):
        """Classify an incoming customer email posted on an invoice or a customer.

        Internal notes, outgoing mails and messages not written by the record's customer
        are ignored. Returns the created reply (or an empty recordset).
        """
        if message.message_type != "email" or not message.author_id:
            return self.browse()
        if record._name == "account.move":
            if not record.is_sale_document(include_receipts=True):
                return self.browse()
            customer, move, company = record.commercial_partner_id, record, record.company_id
        else:
            customer, move = record.commercial_partner_id, self.env["account.move"]
            company = record.company_id or self.env.company
        author = message.author_id
        # sudo: whether an internal user wrote the email is checked whoever posts it
        if author.commercial_partner_id != customer or any(
            not user.share for user in author.sudo().user_ids
        ):
            return self.browse()
        text = html2plaintext((message.body or "")[:HTML_READ_LIMIT]).strip()
        if message.subject:
            text = f"{message.subject}\n{text}"
        text = text[:MAX_REPLY_CHARS]
        if not text.strip():
            return self.browse()
        today = fields.Date.context_today(self)
        try:
            prediction = self._get_classifier(company).predict([text], today=today)[0]
        except Exception:
            # Runs inside the mail gateway: a failure must not lose the customer's email.
            # The reply is kept unclassified (confidence 0), hence routed to a review.
            _logger.exception(
                "Reply classification failed (message %s), left for review", message.id
            )
            from ..ar_ai_collections.replies import ReplyPrediction

            prediction = ReplyPrediction(label="other", category="none", confidence=0.0)
        reply = (
            # sudo: replies come through the mail gateway and the portal, whoever posts them
            self.sudo()
            .with_company(company)
            .create(
                {
                    "message_id": message.id,
                    "partner_id": customer.id,
                    "move_id": move.id,
                    "company_id": company.id,
                    "text": text,
                    "label": prediction.label,
                    "category": prediction.category
                    if prediction.category in DISPUTE_CATEGORIES
                    else "none",
                    "confidence": prediction.confidence,
                    "promised_date": prediction.promised_date,
                    "promised_amount": prediction.promised_amount or 0.0,
                }
            )
        )
        reply._route(self._confidence_threshold())
        return reply

    def _route(self, threshold):
        """Confident promise/dispute -> draft record; uncertain -> review activity."""
        for reply in self:
            actionable = reply.label in ("promise", "dispute")
            if actionable and reply.confidence >= threshold and reply._create_followup():
                reply.state = "applied"
            elif actionable or reply.confidence < threshold:
                reply.state = "review"
                reply._schedule_review()
            else:
                reply.state = "applied"

    def _schedule_review(self):
        self.ensure_one()
        user = self.partner_id.ai_collector_id or fallback_collector(self.env, self.company_id)
        if not user or user.id == SUPERUSER_ID:
            # The mail gateway runs as the superuser: route to a Collections Manager.
            user = collections_manager(self.env, self.company_id)
        note = Markup("<p>%s</p><p><i>%s</i></p>") % (
            self.env._(
                "Customer reply classified as %(label)s (%(confidence)s%% confident): "
                "please check it in Collections > Customer Replies.",
                label=dict(LABEL_SELECTION)[self.label],
                confidence=round(self.confidence * 100),
            ),
            self.excerpt,
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Review customer reply"),
            note=note,
            user_id=user.id if user else self.env.uid,
        )

    def _followup_moves(self):
        self.ensure_one()
        if open_move := self.move_id.filtered_domain(OPEN_INVOICE_DOMAIN):
            return open_move
        return self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                *OPEN_INVOICE_DOMAIN,
                ("commercial_partner_id", "=", self.partner_id.id),
            ]
        )

    def _create_followup(self):
        """Create the draft promise / dispute; False if not applicable (no open invoice)."""
        self.ensure_one()
        label = self.final_label
        followup = self.promise_id or self.dispute_id or self.plan_id
        if label not in ("promise", "dispute") or followup:
            return bool(followup)
        moves = self._followup_moves()
        if not moves:
            return False
        if label == "dispute" and self.final_category == "financial_hardship":
            return self._propose_plan(moves)
        # sudo: the draft follow-up is created whoever received the email (mail gateway)
        env = self.env["ai.collection.promise"].sudo().with_company(self.company_id)
        common = {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.set(moves.ids)],
            "source": "reply",
        }
        if label == "promise":
            # What the classifier read is kept only within bounds (a date within the
            # promise horizon, at most what is due): the draft promise must be valid.
            first, last = self.company_id._ai_horizon_bounds()
            promised_date = self.promised_date
            if not promised_date or not first <= promised_date <= last:
                promised_date = fields.Date.add(fields.Date.context_today(self), days=7)
            values = {**common, "promised_date": promised_date, "note": self.text[:1000]}
            due = sum(moves.mapped("amount_residual_signed"))
            if 0 < self.promised_amount <= due:
                values["amount"] = self.promised_amount
            self.promise_id = env.create(values)
            notify_answer(
                self.promise_id,
                self.promise_id.user_id,
                self.env._("Confirm or reject promise %(name)s", name=self.promise_id.name),
                Markup("<p><i>%s</i></p>") % self.excerpt,
            )
        else:
            category = self.final_category if self.final_category in DISPUTE_CATEGORIES else "other"
            self.dispute_id = env.env["ai.collection.dispute"].create(
                {**common, "category": category, "description": self.text[:2000]}
            )
        return True

    def _propose_plan(self, moves):
        """A customer who cannot pay gets a payment plan proposal (equal monthly
        instalments within the company's limits) the collector adjusts and approves or
        rejects: the invoices are held meanwhile."""
        self.ensure_one()
        # sudo: the proposal is created whoever received the email (mail gateway)
        Plan = self.env["ai.collection.payment.plan"].sudo().with_company(self.company_id)
        values = Plan._offer_values(self.partner_id, self.company_id, moves)
        self.plan_id = Plan.create(
            {**values, "state": "proposed", "source": "reply", "note": self.text[:1000]}
        )
        notify_answer(
            self.plan_id,
            self.plan_id.user_id,
            self.env._("Hardship reply: offer payment plan %(name)s", name=self.plan_id.name),
            Markup("<p>%s</p><p><i>%s</i></p>")
            % (
                self.env._(
                    "The customer replied it cannot pay now: adjust the proposed plan, "
                    "then approve or reject it."
                ),
                self.excerpt,
            ),
        )
        self.plan_id._refresh_worklist()
        return True
