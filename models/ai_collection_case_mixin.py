import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .cron_isolation import collections_manager

SOURCE_SELECTION = [
    ("call", "Phone call"),
    ("email", "Email"),
    ("portal", "Customer portal"),
    ("reply", "Classified reply"),
]


def fallback_collector(env, company):
    """Who gets a customer's follow-up when it has no collector.

    The current user when internal (never a portal user creating a promise or a
    dispute from the portal, nor the mail gateway's public user), else the
    company's first Collections Manager.
    """
    if not env.user.share and not env.user._is_public():
        return env.user
    return collections_manager(env, company)


class AiCollectionCaseMixin(models.AbstractModel):
    """What a promise to pay and a dispute have in common: a customer "case" on some
    of its invoices that, while open, sets a flag on those invoices.

    Concrete models define ``move_ids`` (their own relation table), the invoice
    flag they maintain (:attr:`_case_move_flag`) and the sequence code of their
    references (:attr:`_case_sequence`). The flag is recomputed in SQL from the
    open cases so that it never drifts, whatever path closed a case.
    """

    _name = "ai.collection.case.mixin"
    _description = "Collections Case (promise or dispute)"

    #: Boolean field of account.move set while an open case covers the invoice.
    _case_move_flag = None
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
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    source = fields.Selection(SOURCE_SELECTION, required=True, default="call")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("move_ids")
    def _compute_amount(self):
        """A draft case covers what is still due on its invoices (editable); a later one
        keeps its amount, lowered to what its invoices allow when one is removed."""
        for case in self:
            if case.state in (False, "draft") and case.move_ids:
                case.amount = sum(case.move_ids.mapped("amount_residual_signed"))
            elif case.move_ids and case.amount:
                case.amount = min(case.amount, case._case_amount_bound()[0])
            elif not case.amount:
                case.amount = 0.0

    @api.constrains("amount")
    def _check_case_amount(self):
        """The amount is a finite number, not negative and at most what its invoices
        allow (:meth:`_case_amount_bound`)."""
        for case in self:
            label = case._fields["amount"]._description_string(self.env)
            if not math.isfinite(case.amount) or case.amount < 0:
                raise ValidationError(
                    self.env._("%(label)s must be a positive number.", label=label)
                )
            bound, meaning = case._case_amount_bound()
            if case.move_ids and case.currency_id.compare_amounts(case.amount, bound) > 0:
                raise ValidationError(
                    self.env._(
                        "%(label)s (%(amount)s) exceeds %(meaning)s (%(bound)s).",
                        label=label,
                        amount=case.currency_id.format(case.amount),
                        meaning=meaning,
                        bound=case.currency_id.format(bound),
                    )
                )

    def _case_amount_bound(self):
        """Largest amount of the case and what it is, for the error message."""
        self.ensure_one()
        return (
            sum(self.move_ids.mapped("amount_residual_signed")),
            self.env._("what is due on its invoices"),
        )

    def _default_collector(self, current):
        """The customer's collector, else ``current``, else the fallback collector."""
        self.ensure_one()
        return (
            self.partner_id.commercial_partner_id.ai_collector_id
            or current
            or fallback_collector(self.env, self.company_id or self.env.company)
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(self._case_sequence) or "/"
            if vals.get("partner_id"):
                partner = self.env["res.partner"].browse(vals["partner_id"])
                vals["partner_id"] = partner.commercial_partner_id.id
        return super().create(vals_list)

    def write(self, vals):
        old_moves = self.move_ids if "move_ids" in vals else self.env["account.move"]
        res = super().write(vals)
        if "move_ids" in vals:
            self._sync_move_flags(old_moves | self.move_ids)
            self._refresh_worklist()
        return res

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _refresh_worklist(self):
        """Keep these customers' worklist lines current (promises, disputes, amount at risk)."""
        # sudo: the lines are rebuilt in SQL, also for users who may not write the worklist
        self.env["ai.collection.worklist"].sudo()._refresh_partners(
            self.partner_id, self.company_id
        )

    @api.model
    def _sync_move_flags(self, moves):
        """Set the invoice flag on ``moves`` iff an open case of this model covers them."""
        if not moves:
            return
        self.env.flush_all()
        relation = self._fields["move_ids"]
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT rel.%(move_col)s
                  FROM %(rel)s rel
                  JOIN %(table)s c ON c.id = rel.%(case_col)s
                 WHERE c.state = 'open' AND rel.%(move_col)s = ANY(%(ids)s)
                """,
                move_col=SQL.identifier(relation.column2),
                case_col=SQL.identifier(relation.column1),
                rel=SQL.identifier(relation.relation),
                table=SQL.identifier(self._table),
                ids=list(moves.ids),
            )
        )
        flagged = {row[0] for row in self.env.cr.fetchall()}
        flag = self._case_move_flag
        # sudo: the flags follow the open cases, on posted invoices collectors may not edit
        moves = moves.sudo()
        to_set = moves.filtered(lambda m: m.id in flagged and not m[flag])
        to_clear = moves.filtered(lambda m: m.id not in flagged and m[flag])
        if to_set:
            to_set.write({flag: True})
        if to_clear:
            to_clear.write({flag: False})
