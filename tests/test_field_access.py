"""Who reads the fields the addon adds to Odoo's own models (invoices, customers,
companies, users, settings): never a portal or a public user."""

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

MODULE = "ar_ai_collections"
# Fields the finding named: the generic walk below must cover them.
NAMED_FIELDS = {
    ("account.move", "ai_risk_score"),
    ("account.move", "ai_risk_band"),
    ("account.move", "ai_risk_reasons"),
    ("res.partner", "ai_risk_score"),
    ("res.partner", "ai_collector_id"),
    ("res.partner", "ai_dunning_sensitive"),
    ("res.partner", "ai_promise_kept_rate"),
    ("res.company", "ai_promise_horizon_days"),
    ("res.users", "ai_weekly_call_capacity"),
}
# What a plain invoicing user reads: the payment-risk assessment.
RISK_FIELDS = {
    "account.move": [
        "ai_risk_score",
        "ai_default_probability",
        "ai_risk_band",
        "ai_risk_reasons",
        "ai_predicted_pay_date",
        "ai_pay_date_low",
        "ai_pay_date_high",
        "ai_expected_days_late",
        "ai_p_paid_7d",
        "ai_p_paid_30d",
        "ai_p_paid_90d",
        "ai_scored_at",
    ],
    "res.partner": [
        "ai_risk_score",
        "ai_risk_band",
        "ai_p_paid_30d",
        "ai_risk_reasons",
        "ai_risk_trend",
        "ai_open_amount",
        "ai_overdue_amount",
        "ai_predicted_dso",
        "ai_scored_at",
    ],
}


@tagged("post_install", "-at_install")
class TestFieldAccess(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env, login="ai_fields_portal", groups="base.group_portal", name="Portal Pat"
        )
        cls.public_user = cls.env.ref("base.public_user")
        cls.invoicing_user = new_test_user(
            cls.env,
            login="ai_fields_invoicing",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )
        # The portal user's own invoice, as the customer portal shows it to them.
        customer = cls.portal_user.partner_id
        cls.invoice = cls.init_invoice("out_invoice", partner=customer, amounts=[100.0], post=True)
        cls.invoice.message_subscribe(customer.ids)
        cls.env.cr.execute(
            "UPDATE account_move SET ai_risk_score = 80, ai_risk_band = 'critical',"
            " ai_risk_reasons = 'Pays late' WHERE id = %s",
            [cls.invoice.id],
        )
        cls.env.cr.execute(
            "UPDATE res_partner SET ai_risk_score = 80, ai_risk_band = 'critical',"
            " ai_promise_kept_rate = 20, ai_dunning_sensitive = TRUE WHERE id = %s",
            [customer.id],
        )
        cls.env.invalidate_all()
        # A record of each core model each user may read (their own where they can).
        cls.records = {
            "account.move": cls.invoice,
            "res.partner": customer,
            "res.company": cls.env.company,
            "res.users": cls.portal_user,
            "res.config.settings": cls.env["res.config.settings"].create({}),
        }

    def _added_fields(self):
        """``{model: [field names]}`` of the fields this addon adds to models it does
        not define, from the fields registry (ir.model.fields)."""
        core_models = [
            name for name, model in self.env.registry.items() if model._original_module != MODULE
        ]
        added = {}
        for field in (
            self.env["ir.model.fields"]
            .sudo()
            .search([("model", "in", core_models), ("name", "like", "ai\\_%")])
        ):
            if MODULE in (field.modules or "").split(", "):
                added.setdefault(field.model, []).append(field.name)
        return added

    def test_walk_covers_every_added_field(self):
        added = self._added_fields()
        self.assertLessEqual(
            NAMED_FIELDS, {(model, name) for model, names in added.items() for name in names}
        )
        # Models that inherit the fields (_inherits) are walked too.
        self.assertIn("ai_risk_score", added.get("account.bank.statement.line", ()))
        self.assertIn("ai_collector_id", added.get("res.users", ()))

    @mute_logger("odoo.models")
    def test_portal_and_public_users_cannot_read_search_or_group(self):
        added = self._added_fields()
        for label, user in (("portal", self.portal_user), ("public", self.public_user)):
            env = self.env(user=user)
            # The records themselves are readable by the portal user: the refusals
            # below are about the addon's fields, not about the records.
            if user == self.portal_user:
                for model in ("account.move", "res.partner", "res.company", "res.users"):
                    env[model].browse(self.records[model].id).read(["display_name"])
            for model, names in added.items():
                Model = env[model]
                # Models without a sample (no access at all for these users): empty.
                record = Model.browse(self.records[model].id if model in self.records else ())
                for name in names:
                    field = Model._fields[name]
                    with self.subTest(user=label, model=model, field=name):
                        with self.assertRaises(AccessError, msg="read"):
                            record.read([name])
                        # Odoo ignores a domain on a field it cannot search (computed,
                        # not stored): nothing to refuse there.
                        if field.store or field.search:
                            with self.assertRaises(AccessError, msg="search"):
                                Model.search([(name, "!=", False)])
                        if field.store and field.column_type:
                            with self.assertRaises(AccessError, msg="read_group"):
                                Model.read_group([], [name], [name])

    def test_portal_search_read_returns_no_assessment(self):
        """The reported case: search_read on invoices and customers as a portal user."""
        env = self.env(user=self.portal_user)
        with self.assertRaises(AccessError):
            env["account.move"].search_read(
                [("id", "=", self.invoice.id)], ["ai_risk_score", "ai_risk_band", "ai_risk_reasons"]
            )
        # The fields the web client and RPC clients discover leave them out.
        for model in ("account.move", "res.partner", "res.company", "res.users"):
            with self.subTest(model=model):
                self.assertFalse([name for name in env[model].fields_get() if "ai_" in name])

    def test_invoicing_user_reads_risk_not_collections_data(self):
        env = self.env(user=self.invoicing_user)
        invoice = env["account.move"].browse(self.invoice.id)
        (values,) = invoice.read(RISK_FIELDS["account.move"])
        self.assertEqual((values["ai_risk_score"], values["ai_risk_band"]), (80.0, "critical"))
        self.assertEqual(values["ai_risk_reasons"], "Pays late")
        partner = env["res.partner"].browse(self.portal_user.partner_id.id)
        (values,) = partner.read(RISK_FIELDS["res.partner"])
        self.assertEqual(values["ai_risk_band"], "critical")
        self.assertTrue(env["account.move"].search([("ai_risk_band", "=", "critical")]))
        # Collections data is for collectors.
        for name in ("ai_collector_id", "ai_dunning_sensitive", "ai_promise_kept_rate"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                partner.read([name])

    def test_users_without_the_groups_still_work_with_customers(self):
        """Duplicating and editing a customer does not touch fields the user cannot read."""
        employee = new_test_user(
            self.env,
            login="ai_fields_employee",
            groups="base.group_user,base.group_partner_manager",
        )
        partner = self.env["res.partner"].with_user(employee).create({"name": "Plain Customer"})
        partner.write({"phone": "+32 2 000 00 00"})
        copy = partner.copy()
        self.assertEqual(copy.sudo().ai_followup_mode, "automatic")
