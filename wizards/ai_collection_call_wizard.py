from odoo import Command, fields, models

from ..models.ai_collection_call import CALL_OUTCOME_SELECTION, UNREACHED_OUTCOMES


class AiCollectionCallWizard(models.TransientModel):
    """Log a collection call from a worklist line (outcome, notes, follow-up)."""

    _name = "ai.collection.call.wizard"
    _description = "Log a Collection Call"

    worklist_id = fields.Many2one("ai.collection.worklist", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="worklist_id.partner_id")
    outcome = fields.Selection(CALL_OUTCOME_SELECTION, required=True, default="reached")
    note = fields.Text(string="Notes")
    callback_date = fields.Date(
        string="Call Back On",
        help="The line is snoozed until this date.",
    )

    def action_confirm(self):
        """Log the call (with the invoices it was about) and note it on the customer's
        chatter, then follow the outcome."""
        self.ensure_one()
        line = self.worklist_id
        # The line's record rules keep a collector to the lines of their companies.
        line.check_access("write")
        partner = line.partner_id
        today = fields.Date.context_today(self)
        outcome = dict(CALL_OUTCOME_SELECTION)[self.outcome]
        body = self.env._("Collection call: %(outcome)s", outcome=outcome)
        if self.note:
            body = f"{body}\n{self.note}"
        # sudo: posting on a customer needs write access to it, which a collector
        # without "Contact Creation" lacks; the line's write access was checked above
        partner.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        self.env["ai.collection.call"].create(
            {
                "partner_id": partner.id,
                "company_id": line.company_id.id,
                "outcome": self.outcome,
                "note": self.note,
                "callback_date": self.outcome == "callback" and self.callback_date,
                "move_ids": [Command.set(line._open_invoices().ids)],
            }
        )
        reached = self.outcome not in UNREACHED_OUTCOMES
        vals = {}
        if reached:
            # sudo: the contact date is the call log's, on customers collectors may not edit
            partner.sudo().ai_last_contact_date = today
            vals["escalated"] = False
        if self.outcome == "callback" and self.callback_date:
            vals["snooze_until"] = self.callback_date
        if vals:
            line.write(vals)
        # The policy decides the new tier: a customer reached this week is not
        # called again, a snoozed one is watched until the call-back date.
        # sudo: the customer's lines are rebuilt in SQL (write access checked above)
        self.env["ai.collection.worklist"].sudo()._refresh_partners(partner, line.company_id)
        if self.outcome == "promise":
            return line.action_record_promise()
        if self.outcome == "dispute":
            return line.action_raise_dispute()
        return {"type": "ir.actions.act_window_close"}
