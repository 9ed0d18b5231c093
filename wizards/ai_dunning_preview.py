from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..ar_ai_collections.dunning_policy import NO_LEVEL, SKIP
from ..models.ai_dunning_log import SKIP_REASON_SELECTION

ACTION_SELECTION = [
    ("send", "Send"),
    ("review", "Wait for review"),
    ("skip", "Skip"),
]


class AiDunningPreview(models.TransientModel):
    """Show what the next dunning run would do; run it now for one customer."""

    _name = "ai.dunning.preview"
    _description = "Dunning Preview"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        domain="[('parent_id', '=', False)]",
        help="Leave empty to preview the whole company.",
    )
    line_ids = fields.One2many("ai.dunning.preview.line", "preview_id", readonly=True)
    line_count = fields.Integer(compute="_compute_line_count")

    @api.depends("line_ids")
    def _compute_line_count(self):
        for wizard in self:
            wizard.line_count = len(wizard.line_ids)

    @api.model
    def _open_for(self, partner=None):
        """Create the preview of ``partner`` (or of the whole company) and open it."""
        wizard = self.create({"partner_id": partner.id if partner else False})
        wizard.action_refresh()
        return wizard._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dunning Preview"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_refresh(self):
        """Show the plan of the next run (nothing is sent or logged): per customer its
        action and level, the invoices its reminder lists (each at its own level), or
        why it is skipped."""
        self.ensure_one()
        self._check_company_and_customer()
        # sudo: the plan reads the company's dunning settings; nothing is written
        run = self.env["ai.dunning.run"].sudo().with_company(self.company_id)
        # One customer: what "Run now" would do (manual mode and the clock bypassed).
        plan, levels = run._preview(
            self.company_id,
            partners=self.partner_id or None,
            force_manual=bool(self.partner_id),
            ignore_hours=bool(self.partner_id),
        )
        lines = self._plan_lines(plan, levels) if plan is not None else []
        # The customers' answers (promise, plan, dispute, recent payment) beside the plan.
        answers = self.env["ai.collection.worklist"]._customer_answers(
            self.env["res.partner"].browse({line["partner_id"] for line in lines}),
            self.company_id,
        )
        for line in lines:
            line["answer"] = ", ".join(answers.get((line["partner_id"], self.company_id.id), []))
        self.line_ids = [(5, 0, 0)] + [(0, 0, values) for values in lines]
        return self._reopen()

    @staticmethod
    def _plan_lines(plan, levels):
        """Preview lines of ``plan``: the listed invoices of each customer contacted,
        one line per skipped customer with a level due (its reason)."""
        level_ids = levels.ids

        def level(rank):
            return level_ids[rank] if rank != NO_LEVEL else False

        customers = plan.customers.set_index("customer_id")
        invoices = plan.invoices
        lines = []
        for customer_id, row in customers.iterrows():
            base = {
                "partner_id": int(customer_id),
                "conversation_level_id": level(int(row["rank"])),
                "action": row["action"],
                "reason": row["reason"] or False,
            }
            if row["action"] == SKIP:
                if row["reason"] in ("nothing_due", "spacing", "already_contacted_today"):
                    continue
                lines.append(base)
                continue
            listed = invoices[(invoices["customer_id"] == customer_id) & invoices["listed"]]
            for inv in listed.itertuples():
                lines.append(
                    {
                        **base,
                        "move_id": int(inv.invoice_id),
                        "level_id": level(int(inv.new_rank)),
                        "reached": bool(inv.reached),
                        "days_overdue": int(inv.days_overdue),
                    }
                )
        return lines

    def action_run_now(self):
        """Run dunning now for the selected customer (business hours bypassed)."""
        self.ensure_one()
        if not self.partner_id:
            raise UserError(self.env._("Choose a customer to run dunning now."))
        self._check_company_and_customer()
        stats = (
            # sudo: run as the scheduled action (log, mails, activities); fees use the user's rights
            self.env["ai.dunning.run"]
            .sudo()
            .with_company(self.company_id)
            .run(
                self.company_id,
                partners=self.partner_id,
                force_manual=True,
                ignore_hours=True,
            )
        )
        if stats.get("locked"):
            raise UserError(self.env._("A dunning run is in progress; try again in a minute."))
        return self.partner_id.action_ai_dunning_logs()

    def _check_company_and_customer(self):
        """The user may use this wizard, work its company and read its customer.

        The company and the customer are free fields of the wizard: without this
        check, a collector of one company could preview or run another's dunning.
        """
        self.check_access("write")
        if self.company_id not in self.env.companies:
            raise AccessError(self.env._("You can only preview or run dunning in your companies."))
        self.partner_id.check_access("read")


class AiDunningPreviewLine(models.TransientModel):
    _name = "ai.dunning.preview.line"
    _description = "Dunning Preview Line"
    _order = "partner_id, move_id"

    preview_id = fields.Many2one("ai.dunning.preview", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer")
    action = fields.Selection(ACTION_SELECTION)
    conversation_level_id = fields.Many2one(
        "ai.dunning.level", string="Reminder", help="Level (tone) of the customer's reminder."
    )
    move_id = fields.Many2one("account.move", string="Invoice")
    level_id = fields.Many2one(
        "ai.dunning.level", string="Invoice Level", help="Level the reminder lists it at."
    )
    reached = fields.Boolean(
        string="Steps Up", help="The invoice reaches this level now (else it stays there)."
    )
    days_overdue = fields.Integer()
    reason = fields.Selection(SKIP_REASON_SELECTION)
    answer = fields.Char(
        string="Customer Answer",
        help="What the customer answered: promise, plan, dispute, recent payment.",
    )
