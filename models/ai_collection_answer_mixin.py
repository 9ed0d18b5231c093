from odoo import SUPERUSER_ID, api, fields, models

from .cron_isolation import collections_manager

#: Sources of the cases the customer itself sent: they hold the invoices from the
#: moment they arrive, still drafts, until a collector confirms or rejects them.
CUSTOMER_SOURCES = ("portal", "reply")

SOURCE_SELECTION = [
    ("call", "Phone call"),
    ("email", "Email"),
    ("portal", "Customer portal"),
    ("reply", "Classified reply"),
]


def routable(user):
    """Whether ``user`` may be given a customer's follow-up: an active internal user,
    never a portal or public user nor the superuser (OdooBot)."""
    return bool(user) and user.active and not user.share and user.id != SUPERUSER_ID


def fallback_collector(env, company):
    """Who gets a customer's follow-up when it has no collector.

    The current user when internal (never a portal user creating a promise or a
    dispute from the portal, the mail gateway's public user nor the superuser of a
    scheduled action), else the company's first Collections Manager.
    """
    if routable(env.user):
        return env.user
    return collections_manager(env, company)


def answer_collector(partner, moves, company):
    """Who is told of a customer's answer (a promise, a dispute, a plan, a reply).

    The customer's collector, else the salesperson of its invoices, else the
    company's first Collections Manager: never the user who happens to run the code
    (the portal's public user, the mail gateway's or a scheduled action's superuser).
    """
    # sudo: who works the customer is read to route the activity, whoever answered.
    collector = partner.commercial_partner_id.sudo().ai_collector_id
    # sudo: the invoices' salesperson too (a portal visitor, the mail gateway).
    for user in (collector, *moves.sudo().invoice_user_id):
        if routable(user):
            return user
    return collections_manager(partner.env, company)


def notify_answer(record, user, summary, note):
    """Give ``user`` (else the collector of ``record``'s customer) a to-do on ``record``
    (a case or a plan: ``partner_id``, ``company_id``, invoices) about an answer."""
    if not routable(user):
        moves = record["move_ids" if "move_ids" in record._fields else "invoice_ids"]
        user = answer_collector(record.partner_id, moves, record.company_id)
    if not user:  # no collector, salesperson nor manager: the chatter keeps the answer
        # sudo: the note is posted whoever answered (public user, mail gateway)
        record.sudo().message_post(body=note)
        return
    # sudo: the customer's answer (portal, mail gateway) schedules the collector's to-do.
    record.sudo().activity_schedule(
        "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
    )


class AiCollectionAnswerMixin(models.AbstractModel):
    """What a customer's answer on some invoices has, be it a promise to pay, a dispute
    (:class:`ai.collection.case.mixin`) or a payment plan: a reference from its
    sequence (:attr:`_case_sequence`), the customer (always the commercial entity),
    the company, where it came from, its customer's worklist line kept current and
    the mails that answer the customer."""

    _name = "ai.collection.answer.mixin"
    _description = "Collections Customer Answer"

    #: ir.sequence code of the references.
    _case_sequence = None

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    source = fields.Selection(SOURCE_SELECTION, required=True, default="call")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(self._case_sequence) or "/"
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        return super().create(vals_list)

    def _refresh_worklist(self):
        """Keep these customers' worklist lines current (answers, amount at risk)."""
        # sudo: the lines are rebuilt in SQL, also for users who may not write the worklist
        self.env["ai.collection.worklist"].sudo()._refresh_partners(
            self.partner_id, self.company_id
        )

    def _mail_customer(self, template_xmlid):
        """Mail the customer through the template (on this model), kept in the chatter."""
        template = self.env.ref(template_xmlid)
        for record in self.filtered(lambda r: r.partner_id.email):
            # sudo: the customer's mail goes out whoever decided (threshold, portal, cron).
            record.sudo().message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )
