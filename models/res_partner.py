import secrets
from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import AccessError

from ..ar_ai_collections.constants import CLOSED_PROMISE_STATES
from ..tools.portal_link import portal_path
from .account_move import (
    ACCOUNTING_USER_GROUPS,
    COLLECTIONS_MANAGER_GROUP,
    COLLECTIONS_USER_GROUP,
    OPEN_INVOICE_DOMAIN,
    OPEN_PAYMENT_STATES,
    RISK_BAND_SELECTION,
)

#: Customer fields only Collections managers change (collectors read them).
MANAGER_ONLY_FIELDS = frozenset({"ai_collector_id", "ai_dunning_sensitive"})

#: Invoice fields read by the reminder templates and ``_ai_dunning_recipient``
#: (a template reading another field still works: the ORM fetches it then).
REMINDER_INVOICE_FIELDS = [
    "commercial_partner_id",
    "partner_id",
    "name",
    "invoice_date_due",
    "amount_residual",
    "currency_id",
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Payment risk (scores, bands, reasons)
    # ------------------------------------------------------------------
    # Customer-level scores live on the commercial entity, written by ai.risk.scoring.
    ai_risk_score = fields.Float(
        string="Risk Score",
        digits=(5, 1),
        index=True,
        readonly=True,
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_risk_band = fields.Selection(
        RISK_BAND_SELECTION,
        string="Risk Band",
        index=True,
        readonly=True,
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_p_paid_30d = fields.Float(
        string="P(paid in 30 days)",
        digits=(5, 2),
        readonly=True,
        help="Share (%) of the customer's open amount expected to be paid within 30 days "
        "of the scoring date (time-to-payment model).",
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_cash_forecast_ids = fields.Many2many(
        "ai.cash.forecast",
        string="Expected Collections by Week",
        compute="_compute_ai_cash_forecast_ids",
        help="The current cash forecast of this customer, week by week.",
        groups=COLLECTIONS_USER_GROUP,
    )
    # Aggregates over the customer's open invoices, written in bulk (SQL) by
    # ai.risk.scoring on the commercial entity, amounts in the company currency.
    ai_risk_currency_id = fields.Many2one(
        "res.currency",
        string="Risk Currency",
        readonly=True,
        help="Currency of the company whose scoring run wrote the amounts below.",
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_avg_days_late = fields.Float(
        string="Average Days Late",
        digits=(6, 1),
        readonly=True,
        help="Average delay (days after due date) of the customer's settled invoices.",
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_predicted_dso = fields.Float(
        string="Predicted DSO (days)",
        digits=(6, 1),
        readonly=True,
        help="Days sales outstanding predicted from the open invoices and their "
        "predicted payment dates.",
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_open_amount = fields.Monetary(
        string="Open Amount",
        currency_field="ai_risk_currency_id",
        readonly=True,
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_overdue_amount = fields.Monetary(
        string="Overdue Amount",
        currency_field="ai_risk_currency_id",
        readonly=True,
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_risk_trend = fields.Float(
        string="Risk Trend",
        digits=(5, 1),
        readonly=True,
        help="Change of the risk score (points) against the score the same model gives "
        "with what was known 30 days ago.",
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_risk_reasons = fields.Text(
        string="Risk Reasons",
        readonly=True,
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_scored_at = fields.Datetime(
        string="Scored On",
        readonly=True,
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_scored_by_default_model = fields.Boolean(
        string="Scored by the Default Model",
        readonly=True,
        help="Set when the company has not enough settled history of its own and the "
        "bundled default model scored this customer.",
        groups=ACCOUNTING_USER_GROUPS,
        copy=False,
    )
    ai_open_invoice_count = fields.Integer(
        string="Open Invoices",
        compute="_compute_ai_open_invoice_count",
        groups=ACCOUNTING_USER_GROUPS,
    )

    def _compute_ai_open_invoice_count(self):
        groups = self.env["account.move"]._read_group(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                *OPEN_INVOICE_DOMAIN,
            ],
            ["commercial_partner_id"],
            ["__count"],
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ai_open_invoice_count = counts.get(partner.commercial_partner_id.id, 0)

    def _compute_ai_cash_forecast_ids(self):
        rows = self.env["ai.cash.forecast"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("is_snapshot", "=", False),
            ],
            order="week, band",
        )
        for partner in self:
            partner.ai_cash_forecast_ids = rows.filtered(
                lambda row, p=partner: row.partner_id == p.commercial_partner_id
            )

    def action_ai_open_invoices_by_risk(self):
        """Open the customer's open invoices, riskiest first."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("account.action_move_out_invoice_type")
        action.update(
            {
                "name": self.env._("Open Invoices by Risk"),
                "domain": [
                    ("commercial_partner_id", "=", self.commercial_partner_id.id),
                    *OPEN_INVOICE_DOMAIN,
                ],
                "context": {"default_move_type": "out_invoice"},
                "views": [
                    (self.env.ref("ar_ai_collections.account_move_view_list_ai_risk").id, "list"),
                    (False, "form"),
                ],
            }
        )
        return action

    # ------------------------------------------------------------------
    # Dunning (follow-up levels, guards, audit)
    # ------------------------------------------------------------------
    ai_followup_mode = fields.Selection(
        [("automatic", "Automatic"), ("manual", "Manual")],
        string="Follow-up Mode",
        default="automatic",
        tracking=True,
        help="Automatic: the daily dunning run reminds this customer. Manual: reminders are "
        'sent only from the preview wizard ("Run now").',
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_dunning_next_date = fields.Date(
        string="Next Reminder",
        help="Earliest next reminder date of the customer's open invoices; set by the "
        "dunning run, may be postponed by hand.",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_dunning_do_not_contact = fields.Boolean(
        string="Do Not Contact",
        tracking=True,
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_dunning_excluded = fields.Boolean(
        string="Excluded from Dunning",
        tracking=True,
        help="Never include this customer in dunning runs (e.g. intercompany, agency).",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_dunning_sensitive = fields.Boolean(
        string="Sensitive Customer",
        tracking=True,
        help="Every automated dunning action waits for a manager's approval.",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_dunning_invoice_ids = fields.Many2many(
        "account.move",
        string="Overdue Invoices",
        compute="_compute_ai_dunning_invoice_ids",
        help="Open posted customer invoices past their due date (used by reminder templates).",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_dunning_recipient_id = fields.Many2one(
        "res.partner",
        string="Reminder Recipient",
        compute="_compute_ai_dunning_recipient_id",
        help="Billing contact reminders go to (see _ai_dunning_recipient).",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_dunning_log_count = fields.Integer(
        compute="_compute_ai_dunning_log_count",
        groups=COLLECTIONS_USER_GROUP,
    )

    def _compute_ai_dunning_invoice_ids(self):
        today = fields.Date.context_today(self)
        Move = self.env["account.move"]
        query = Move._search(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                *OPEN_INVOICE_DOMAIN,
                ("invoice_date_due", "<=", today),
            ],
            order="invoice_date_due, id",
        )
        ids_by_partner = defaultdict(list)
        # execute_query flushes what the query reads (pending invoice writes) first.
        rows = self.env.execute_query(
            query.select("account_move.id", "account_move.commercial_partner_id")
        )
        for move_id, partner_id in rows:
            ids_by_partner[partner_id].append(move_id)
        # Only what reminders and the recipient choice read, for all the customers at
        # once: fetching every column of thousands of invoices (or grouping the
        # records in Python) was a third of the time to queue a dunning batch.
        Move.browse([i for ids in ids_by_partner.values() for i in ids]).fetch(
            REMINDER_INVOICE_FIELDS
        )
        for partner in self:
            partner.ai_dunning_invoice_ids = Move.browse(
                ids_by_partner.get(partner.commercial_partner_id.id, ())
            )

    def _compute_ai_dunning_log_count(self):
        groups = self.env["ai.dunning.log"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.ai_dunning_log_count = counts.get(partner.commercial_partner_id.id, 0)

    def _ai_dunning_lines(self):
        """``(invoice, level)`` pairs a reminder lists: the run's plan when it renders
        one (context ``ai_dunning_lines``), else the overdue invoices at their level."""
        self.ensure_one()
        planned = self.env.context.get("ai_dunning_lines", {}).get(self.id)
        if planned is None:
            return [(move, move.ai_dunning_level_id) for move in self.ai_dunning_invoice_ids]
        # One prefetch set per reminder: its invoices and levels are read together
        # (or come from the cache the run filled for the whole batch).
        moves = self.env["account.move"].browse([move_id for move_id, _level in planned])
        levels = self.env["ai.dunning.level"].browse([level_id for _move, level_id in planned])
        return list(zip(moves, levels, strict=True))

    def _ai_dunning_totals(self):
        """``(currency, amount due)`` of the listed invoices, per currency."""
        totals = defaultdict(float)
        for move, _level in self._ai_dunning_lines():
            totals[move.currency_id] += move.amount_residual
        return sorted(totals.items(), key=lambda item: item[0].name)

    def _compute_ai_dunning_recipient_id(self):
        for partner in self:
            partner.ai_dunning_recipient_id = partner._ai_dunning_recipient()

    def _ai_dunning_recipient(self):
        """Billing contact for reminders: the contact of the oldest overdue invoice if it
        has an email, else an invoice-address contact with an email, else the customer
        itself, else any contact with an email (empty recordset if none)."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        invoice_partner = commercial.ai_dunning_invoice_ids[:1].partner_id
        if invoice_partner != commercial and invoice_partner.email and invoice_partner.active:
            return invoice_partner
        contacts = commercial.child_ids.filtered(lambda c: c.email and c.active)
        invoice_contacts = contacts.filtered(lambda c: c.type == "invoice")
        if invoice_contacts:
            return invoice_contacts[0]
        if commercial.email:
            return commercial
        return contacts[:1]

    def _ai_statement(self, overdue_only=False):
        """Open invoices of the customer with their age, and totals per currency.

        Returns ``{"lines": [{"move", "days_overdue"}], "totals": [{"currency", "due",
        "overdue"}]}`` (used by the statement and the reminder letter).
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        domain = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
            ("payment_state", "in", OPEN_PAYMENT_STATES),
        ]
        if overdue_only:
            domain.append(("invoice_date_due", "<", today))
        moves = self.env["account.move"].search(domain, order="invoice_date_due, id")
        lines, totals = [], {}
        for move in moves:
            days = (today - move.invoice_date_due).days if move.invoice_date_due else 0
            lines.append({"move": move, "days_overdue": max(days, 0)})
            total = totals.setdefault(
                move.currency_id, {"currency": move.currency_id, "due": 0.0, "overdue": 0.0}
            )
            sign = -1 if move.move_type == "out_refund" else 1
            total["due"] += sign * move.amount_residual
            if days > 0:
                total["overdue"] += sign * move.amount_residual
        return {"lines": lines, "totals": list(totals.values())}

    def action_ai_dunning_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "ar_ai_collections.ai_dunning_log_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def action_ai_dunning_preview(self):
        """Open the dunning preview for this customer."""
        self.ensure_one()
        return self.env["ai.dunning.preview"]._open_for(self.commercial_partner_id)

    # ------------------------------------------------------------------
    # Worklist, promises to pay and disputes
    # ------------------------------------------------------------------
    ai_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        index=True,
        tracking=True,
        help="Collections agent responsible for this customer: worklist lines and "
        "dunning call activities are assigned to them.",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_last_contact_date = fields.Date(
        string="Last Collection Contact",
        readonly=True,
        help="Last time a collector reached the customer (logged call).",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_promise_count = fields.Integer(
        string="Closed Promises",
        readonly=True,
        help="Promises to pay whose outcome is known (kept, partly kept or broken).",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )
    ai_promise_kept_rate = fields.Float(
        string="Promise-Kept Rate (%)",
        digits=(5, 1),
        readonly=True,
        help="Share of the customer's closed promises to pay that were kept (a partly "
        "kept promise counts as half). Empty history: 0 with 0 closed promises.",
        groups=COLLECTIONS_USER_GROUP,
        copy=False,
    )

    ai_promise_open_count = fields.Integer(
        string="Open Promises",
        compute="_compute_ai_collection_counts",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_dispute_open_count = fields.Integer(
        string="Open Disputes",
        compute="_compute_ai_collection_counts",
        groups=COLLECTIONS_USER_GROUP,
    )
    ai_call_count = fields.Integer(
        string="Calls",
        compute="_compute_ai_collection_counts",
        groups=COLLECTIONS_USER_GROUP,
    )

    def _compute_ai_collection_counts(self):
        commercial = self.commercial_partner_id
        counts = {}
        for model, key, domain in (
            ("ai.collection.promise", "promise", [("state", "=", "open")]),
            ("ai.collection.dispute", "dispute", [("state", "=", "open")]),
            ("ai.collection.call", "call", []),
        ):
            if not self.env[model].has_access("read"):
                continue
            for partner, count in self.env[model]._read_group(
                [("partner_id", "in", commercial.ids), *domain],
                ["partner_id"],
                ["__count"],
            ):
                counts[key, partner.id] = count
        for partner in self:
            commercial_id = partner.commercial_partner_id.id
            partner.ai_promise_open_count = counts.get(("promise", commercial_id), 0)
            partner.ai_dispute_open_count = counts.get(("dispute", commercial_id), 0)
            partner.ai_call_count = counts.get(("call", commercial_id), 0)

    def write(self, vals):
        # The form makes these read-only for collectors; RPC must not bypass it. Code
        # that reassigns a collector on purpose (worklist "Reassign") runs as sudo.
        if (
            MANAGER_ONLY_FIELDS.intersection(vals)
            and not self.env.su
            and not self.env.user.has_group(COLLECTIONS_MANAGER_GROUP)
        ):
            raise AccessError(
                self.env._(
                    "Only Collections managers change a customer's collector or sensitivity."
                )
            )
        return super().write(vals)

    def action_ai_open_promises(self):
        """The customer's promises to pay."""
        self.ensure_one()
        return self._ai_collection_action("ar_ai_collections.ai_collection_promise_action")

    def action_ai_open_disputes(self):
        """The customer's disputes."""
        self.ensure_one()
        return self._ai_collection_action("ar_ai_collections.ai_collection_dispute_action")

    def action_ai_open_calls(self):
        """The customer's logged calls."""
        self.ensure_one()
        return self._ai_collection_action("ar_ai_collections.ai_collection_call_action")

    def _ai_collection_action(self, xmlid):
        action = self.env["ir.actions.actions"]._for_xml_id(xmlid)
        commercial = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", commercial.id)]
        action["context"] = {"default_partner_id": commercial.id}
        return action

    def _ai_update_promise_stats(self):
        """Recompute the promise-kept rate of these customers (commercial entities)."""
        partners = self.commercial_partner_id
        if not partners:
            return
        groups = (
            # sudo: the rate counts every closed promise, whoever closed this one
            self.env["ai.collection.promise"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "in", CLOSED_PROMISE_STATES),
                ],
                ["partner_id", "state"],
                ["__count"],
            )
        )
        stats = {}
        for partner, state, count in groups:
            kept, total = stats.get(partner.id, (0.0, 0))
            kept += count * {"kept": 1.0, "partial": 0.5}.get(state, 0.0)
            stats[partner.id] = (kept, total + count)
        # sudo: the rate is maintained on customers the promise's user may not edit
        for partner in partners.sudo():
            kept, total = stats.get(partner.id, (0.0, 0))
            partner.write(
                {
                    "ai_promise_count": total,
                    "ai_promise_kept_rate": 100.0 * kept / total if total else 0.0,
                }
            )

    # ------------------------------------------------------------------
    # Reply classification and customer portal
    # ------------------------------------------------------------------
    def _message_post_after_hook(self, message, msg_vals):
        """Classify incoming customer emails (see ai.collection.reply)."""
        res = super()._message_post_after_hook(message, msg_vals)
        if len(self) == 1 and message.message_type == "email":
            self.env["ai.collection.reply"]._classify_message(message, self)
        return res

    def _ai_portal_url(self, days=None):
        """Absolute signed link to the customer's AI Collections portal page.

        Valid ``days`` days (default: the ``ar_ai_collections.portal_link_days``
        parameter, 30). For the dunning mail templates: ``object._ai_portal_url()``.
        """
        self.ensure_one()
        return self.get_base_url() + portal_path(self.commercial_partner_id, days=days)

    # Part of the signature of the customer's portal links: rotating it revokes them all.
    ai_portal_secret = fields.Char(
        string="Portal Link Secret", groups="base.group_system", copy=False, readonly=True
    )

    def action_revoke_portal_links(self):
        """Invalidate every portal link already sent to these customers (new secret)."""
        if not self.env.user.has_group(COLLECTIONS_MANAGER_GROUP):
            raise AccessError(self.env._("Only Collections managers can revoke portal links."))
        customers = self.commercial_partner_id
        # Record rules (companies) before the sudo() below.
        customers.check_access("read")
        for partner in customers:
            # sudo: the secret is readable and writable by administrators only.
            partner.sudo().ai_portal_secret = secrets.token_hex(32)
            # sudo: an audit note, whatever the manager's rights on contacts.
            partner.sudo().message_post(
                body=self.env._("Customer portal links revoked."),
                author_id=self.env.user.partner_id.id,
            )
        return True
