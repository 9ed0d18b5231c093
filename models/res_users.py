from odoo import fields, models

from .account_move import COLLECTIONS_MANAGER_GROUP


class ResUsers(models.Model):
    _inherit = "res.users"

    ai_weekly_call_capacity = fields.Integer(
        string="Weekly Call Capacity",
        help="Calls this collector makes per week: at most this many of their customers "
        "are put in 'Call now' on the worklist. 0 = the company default.",
        groups=COLLECTIONS_MANAGER_GROUP,
    )
