from odoo import fields, models
from odoo.tools import SQL

from ..ar_ai_collections.constants import RISK_BAND_LABELS, RISK_BANDS

RISK_BAND_SELECTION = [(band, RISK_BAND_LABELS[band]) for band in RISK_BANDS]

# Who reads the fields the addon adds to core models (never portal or public users;
# the services, the portal controller and the reminder templates read them as
# superuser): payment-risk assessments and the addon's company settings are for
# internal accounting users, collections data (follow-up, promises, disputes,
# collectors) for collectors, which registry model scored an invoice for managers.
ACCOUNTING_USER_GROUPS = "account.group_account_invoice,account.group_account_readonly"
COLLECTIONS_USER_GROUP = "ar_ai_collections.group_collections_user"
COLLECTIONS_MANAGER_GROUP = "ar_ai_collections.group_collections_manager"
# An open customer invoice: a posted customer invoice with something left to collect.
# ``in_payment`` (a payment is registered, the bank has not matched it yet) is not open
# for collections: chasing it would dun a customer who has paid; ``paid``, ``reversed``,
# ``blocked`` (payment blocked by hand) and ``invoicing_legacy`` (kept outside the
# accounting) are not either. The one definition: ``OPEN_INVOICE_DOMAIN`` for searches,
# ``OPEN_INVOICE_DOMAIN_TERMS`` inside field domain strings, ``open_customer_invoice_sql``
# inside SQL.
OPEN_PAYMENT_STATES = ("not_paid", "partial")
OPEN_INVOICE_DOMAIN = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "in", OPEN_PAYMENT_STATES),
]
OPEN_INVOICE_DOMAIN_TERMS = ", ".join(repr(term) for term in OPEN_INVOICE_DOMAIN)


def open_customer_invoice_sql(alias):
    """SQL condition: the ``account_move`` row ``alias`` is an open customer invoice
    (``OPEN_INVOICE_DOMAIN``), e.g. ``open_customer_invoice_sql("m")``."""
    return SQL(
        "(%s = 'out_invoice' AND %s = 'posted' AND %s IN %s)",
        SQL.identifier(alias, "move_type"),
        SQL.identifier(alias, "state"),
        SQL.identifier(alias, "payment_state"),
        OPEN_PAYMENT_STATES,
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    # Written in bulk by ai.risk.scoring (SQL), read by dunning and the worklist.
    ai_risk_score = fields.Float(
        string="Risk Score",
        digits=(5, 1),
        index=True,
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is paid late.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_default_probability = fields.Float(
        string="Default Probability",
        digits=(5, 1),
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is still unpaid 90 days after its due date.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_band = fields.Selection(
        RISK_BAND_SELECTION,
        string="Risk Band",
        index=True,
        readonly=True,
        copy=False,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_predicted_pay_date = fields.Date(
        string="Predicted Payment Date",
        index=True,
        readonly=True,
        copy=False,
        help="Most likely payment date (the median of the time-to-payment model's "
        "payment-date distribution), always after the scoring date.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_pay_date_low = fields.Date(
        string="Paid From",
        readonly=True,
        copy=False,
        help="Earliest likely payment date: 10% chance of being paid before it.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_pay_date_high = fields.Date(
        string="Paid By",
        readonly=True,
        copy=False,
        help="Latest likely payment date: 90% chance of being paid by then.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_expected_days_late = fields.Float(
        string="Expected Days Late",
        digits=(6, 1),
        readonly=True,
        copy=False,
        help="Predicted payment date minus the due date, in days.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_p_paid_7d = fields.Float(
        string="P(paid in 7 days)",
        digits=(5, 2),
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is paid within 7 days of the scoring date.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_p_paid_30d = fields.Float(
        string="P(paid in 30 days)",
        digits=(5, 2),
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is paid within 30 days of the scoring date.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_p_paid_90d = fields.Float(
        string="P(paid in 90 days)",
        digits=(5, 2),
        readonly=True,
        copy=False,
        help="Probability (%) that this invoice is paid within 90 days of the scoring date.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_reasons = fields.Text(
        string="Risk Reasons",
        readonly=True,
        copy=False,
        help="Main drivers of the score, one per line, in plain language.",
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_scored_at = fields.Datetime(
        string="Scored On",
        readonly=True,
        copy=False,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_risk_model_id = fields.Many2one(
        "ai.risk.model",
        string="Risk Model",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Registry model that scored this invoice; empty when the bundled default "
        "model scored it.",
        groups=COLLECTIONS_MANAGER_GROUP,
    )
    ai_risk_model_version = fields.Char(
        string="Model Version",
        readonly=True,
        copy=False,
        groups=ACCOUNTING_USER_GROUPS,
    )
    ai_scored_by_default_model = fields.Boolean(
        string="Scored by the Default Model",
        readonly=True,
        copy=False,
        help="Set when the company has not enough settled history of its own and the "
        "bundled default model scored this invoice.",
        groups=ACCOUNTING_USER_GROUPS,
    )

    def _post(self, soft=True):
        """Queue a rescoring of the customers of the posted customer invoices.

        The rescoring runs once per transaction, before commit, for all the commercial
        partners touched in it (see ``ai.risk.scoring._queue_rescore``).
        """
        posted = super()._post(soft=soft)
        invoices = posted.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        if invoices:
            self.env["ai.risk.scoring"]._queue_rescore(invoices.commercial_partner_id)
        return posted

    def _ai_rescore_now(self):
        """Rescore the customers of these invoices right away."""
        partners = self.filtered(lambda m: m.is_sale_document()).commercial_partner_id
        self.env["ai.risk.scoring"].rescore_partners(partners)
        return True

    # ------------------------------------------------------------------
    # Dunning (follow-up levels, guards, audit)
    # ------------------------------------------------------------------
    ai_dunning_level_id = fields.Many2one(
        "ai.dunning.level",
        string="Last Dunning Level",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_dunning_date = fields.Datetime(
        string="Last Dunning",
        readonly=True,
        copy=False,
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_dunning_next_date = fields.Date(
        string="Next Reminder",
        readonly=True,
        copy=False,
        help="Date at which the next dunning level falls due, set by the dunning run.",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_dunning_blocked = fields.Boolean(
        string="No Follow-up",
        copy=False,
        tracking=True,
        help="Litigation or special agreement: the dunning run never reminds this invoice.",
        groups=COLLECTIONS_USER_GROUP,
    )

    # ------------------------------------------------------------------
    # Worklist, promises to pay and disputes
    # ------------------------------------------------------------------
    # Maintained by ai.collection.promise / ai.collection.dispute; dunning skips
    # invoices where either is set.
    ai_has_open_promise = fields.Boolean(
        string="Open Promise to Pay",
        index=True,
        readonly=True,
        copy=False,
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_in_dispute = fields.Boolean(
        string="In Dispute",
        index=True,
        readonly=True,
        copy=False,
        groups=COLLECTIONS_USER_GROUP,
    )

    # Recorded when a payment is reconciled with the invoice of a customer in
    # collections (see payment_answer.py): the customer's answer, as the dunning run,
    # the worklist, the preview and the portal page read it.
    ai_last_payment_date = fields.Date(
        string="Payment Recorded",
        readonly=True,
        copy=False,
        help="Day the customer's last payment on this invoice was recorded.",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_last_payment_amount = fields.Monetary(
        string="Payment Recorded Amount",
        currency_field="currency_id",
        readonly=True,
        copy=False,
        groups=COLLECTIONS_USER_GROUP,
    )

    # ------------------------------------------------------------------
    # Reply classification
    # ------------------------------------------------------------------
    def _message_post_after_hook(self, message, msg_vals):
        """Classify incoming customer emails (see ai.collection.reply)."""
        res = super()._message_post_after_hook(message, msg_vals)
        if len(self) == 1 and message.message_type == "email":
            self.env["ai.collection.reply"]._classify_message(message, self)
        return res
