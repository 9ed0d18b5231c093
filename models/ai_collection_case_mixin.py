import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .ai_collection_answer_mixin import CUSTOMER_SOURCES, answer_collector, routable


class AiCollectionCaseMixin(models.AbstractModel):
    """What a promise to pay and a dispute have in common: a customer "case" on some
    of its invoices that, while open, sets a flag on those invoices.

    Concrete models define ``move_ids`` (their own relation table), the invoice
    flag they maintain (:attr:`_case_move_flag`) and the sequence code of their
    references (:attr:`_case_sequence`). The flag is recomputed in SQL from the
    open cases so that it never drifts, whatever path closed a case.
    """

    _name = "ai.collection.case.mixin"
    _inherit = "ai.collection.answer.mixin"
    _description = "Collections Case (promise or dispute)"

    #: Boolean field of account.move set while an open case covers the invoice.
    _case_move_flag = None

    # ``user_id``, as Odoo names a document's responsible: tracked, it makes the
    # collector a follower and tells them of the assignment.
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        help="The collector in charge: the customer's collector by default.",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("partner_id")
    def _compute_user_id(self):
        for case in self:
            case.user_id = case._default_collector(case.user_id)

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
        """The customer's collector, else ``current``, else the current internal user,
        else :func:`answer_collector` (salesperson, manager)."""
        self.ensure_one()
        return (
            self.partner_id.commercial_partner_id.ai_collector_id
            or current
            or (self.env.user if routable(self.env.user) else None)
            or answer_collector(self.partner_id, self.move_ids, self.company_id or self.env.company)
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        answers = cases.filtered(lambda case: case.source in CUSTOMER_SOURCES)
        if answers:  # the customer's own answer holds its invoices at once
            self._sync_move_flags(answers.move_ids)
        return cases

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
    @api.model
    def _sync_move_flags(self, moves):
        """Set the invoice flag on ``moves`` iff an open case of this model, or a draft
        the customer sent (:data:`CUSTOMER_SOURCES`), covers them."""
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
                 WHERE (c.state = 'open'
                        OR (c.state = 'draft' AND c.source = ANY(%(answer_sources)s)))
                   AND rel.%(move_col)s = ANY(%(ids)s)
                """,
                move_col=SQL.identifier(relation.column2),
                case_col=SQL.identifier(relation.column1),
                rel=SQL.identifier(relation.relation),
                table=SQL.identifier(self._table),
                ids=list(moves.ids),
                answer_sources=list(CUSTOMER_SOURCES),
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
