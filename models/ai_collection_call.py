from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .account_move import OPEN_INVOICE_DOMAIN_TERMS

CALL_OUTCOME_SELECTION = [
    ("reached", "Reached: will pay"),
    ("promise", "Promise to pay"),
    ("dispute", "Dispute raised"),
    ("callback", "Call back later"),
    ("no_answer", "No answer / voicemail"),
    ("wrong_number", "Wrong number"),
]
#: Outcomes of a call that did not reach the customer.
UNREACHED_OUTCOMES = ("no_answer", "wrong_number")


class AiCollectionCall(models.Model):
    """A collection call to a customer, as logged from the worklist.

    Calls are what the KPIs' cost per unit collected counts besides the dunning
    emails and letters: each call is split equally over the invoices it was about
    (the customer's open overdue invoices of the company when it was logged). The
    customer's chatter keeps a note of each call too; this log is the structured
    record, read-only once made for collectors.
    """

    _name = "ai.collection.call"
    _description = "Collection Call"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain="[('parent_id', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        required=True,
        index=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)
    outcome = fields.Selection(CALL_OUTCOME_SELECTION, required=True)
    note = fields.Text(string="Notes")
    callback_date = fields.Date(string="Call Back On")
    move_ids = fields.Many2many(
        "account.move",
        "ai_collection_call_move_rel",
        "call_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain=f"[{OPEN_INVOICE_DOMAIN_TERMS}, ('commercial_partner_id', '=', partner_id)]",
        help="The customer's open overdue invoices when the call was logged: the call's "
        "cost is shared equally among them.",
    )

    @api.constrains("partner_id", "move_ids")
    def _check_move_partner(self):
        for call in self:
            if call.move_ids.commercial_partner_id - call.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._("A call is about invoices of the customer called only.")
                )
