from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .test_dunning import DunningCase


@tagged("post_install", "-at_install")
class TestDunningAccess(DunningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.invoicing_user = Users.create(
            {
                "name": "Invoicing User",
                "login": "dun_invoicing",
                "email": "inv@example.com",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref("account.group_account_invoice").id,
                            cls.env.ref("base.group_partner_manager").id,
                        ],
                    )
                ],
            }
        )
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.collection_user = new_test_user(
            cls.env,
            login="dun_collection_user",
            groups="ar_ai_collections.group_collections_user,base.group_partner_manager",
            **company,
        )
        cls.collections_manager = new_test_user(
            cls.env,
            login="dun_collections_manager",
            groups="ar_ai_collections.group_collections_manager",
            **company,
        )
        cls.accountant = Users.create(
            {
                "name": "Accounting Manager",
                "login": "dun_manager",
                "email": "mgr@example.com",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref("account.group_account_manager").id,
                            cls.env.ref("base.group_system").id,
                        ],
                    )
                ],
            }
        )

    def test_collections_managers_edit_levels(self):
        """Collectors read the levels, Collections managers edit them, plain invoicing
        users do not see them."""
        with self.assertRaises(AccessError):
            self.level_first.with_user(self.invoicing_user).read(["name"])
        level = self.level_first.with_user(self.collection_user)
        self.assertEqual(level.name, "T first")
        with self.assertRaises(AccessError):
            level.write({"days": 9})
        with self.assertRaises(AccessError):
            self.env["ai.dunning.level"].with_user(self.collection_user).create(
                {"name": "x", "days": 1, "send_email": False}
            )
        self.level_first.with_user(self.collections_manager).write({"days": 9})
        self.assertEqual(self.level_first.days, 9)
        self.env["ai.dunning.level"].with_user(self.collections_manager).create(
            {"name": "Manager level", "days": 40, "send_email": False}
        ).unlink()
        self.level_first.with_user(self.accountant).write({"days": 8})
        self.assertEqual(self.level_first.days, 8)

    def test_collector_reads_dunning_screens(self):
        partner = self._customer("Readable")
        inv = self._invoice(partner, 8)
        self._run()
        env = self.env(user=self.collection_user)
        logs = env["ai.dunning.log"].search([("move_id", "=", inv.id)])
        self.assertEqual(len(logs), 1)
        # Views the user can open render without access errors.
        for model, view in (
            ("ai.dunning.log", "list"),
            ("ai.dunning.log", "pivot"),
            ("ai.dunning.log", "form"),
            ("ai.dunning.level", "list"),
        ):
            env[model].get_views([(False, view)])
        logs.read(["partner_id", "move_id", "level_id", "outcome", "reason", "collector_id"])
        # The follow-up fields of customers and invoices are the collectors'.
        partner_fields = [
            "ai_followup_mode",
            "ai_dunning_next_date",
            "ai_dunning_invoice_ids",
            "ai_dunning_recipient_id",
            "ai_dunning_log_count",
        ]
        move_fields = ["ai_dunning_level_id", "ai_dunning_next_date", "ai_dunning_blocked"]
        env["res.partner"].browse(partner.id).read(partner_fields)
        env["account.move"].browse(inv.id).read(move_fields)
        plain = self.env(user=self.invoicing_user)
        with self.assertRaises(AccessError):
            plain["res.partner"].browse(partner.id).read(partner_fields)
        with self.assertRaises(AccessError):
            plain["account.move"].browse(inv.id).read(move_fields)
        with Form(env["res.partner"].browse(partner.id)) as form:
            form.ai_dunning_do_not_contact = True
        self.assertTrue(partner.ai_dunning_do_not_contact)
        # ...but cannot approve reviews or write the log.
        with self.assertRaises(AccessError):
            logs.write({"outcome": "approved"})
        # Plain invoicing users see no dunning log at all.
        with self.assertRaises(AccessError):
            self.env["ai.dunning.log"].with_user(self.invoicing_user).search([])

    def test_preview_access(self):
        partner = self._customer("Preview")
        inv = self._invoice(partner, 8)
        with self.assertRaises(AccessError):
            self.env["ai.dunning.preview"].with_user(self.invoicing_user).create(
                {"partner_id": partner.id}
            )
        env = self.env(user=self.collection_user)
        wizard = env["ai.dunning.preview"].create({"partner_id": partner.id})
        wizard.action_refresh()
        self.assertEqual(wizard.line_ids.move_id, inv)
        self.assertEqual(wizard.line_ids.level_id, self.level_first)
        self.assertFalse(self._logs(inv), "a preview never acts")

    def test_settings_access(self):
        """Accounting managers with settings rights see the dunning settings and open
        the levels; invoicing users cannot reach the settings."""
        env = self.env(user=self.accountant)
        env["res.config.settings"].get_views([(False, "form")])
        settings = env["res.config.settings"].create({})
        action = settings.action_ai_dunning_levels()
        self.assertEqual(action["res_model"], "ai.dunning.level")
        with self.assertRaises(AccessError):
            self.env(user=self.invoicing_user)["res.config.settings"].create({})

    def test_run_now_fee_respects_the_user_rights(self):
        """ "Run now" creates the level's fee invoice with the collector's own rights: a
        collector this company does not let issue invoices gets none created (nor
        anything else of the run); one who may gets the draft fee, as its author."""
        product = self.env["product.product"].create({"name": "Reminder fee", "type": "service"})
        self.level_first.write(
            {"fee_enabled": True, "fee_product_id": product.id, "fee_amount": 15.0}
        )
        partner = self._customer("Fee Run Now")
        inv = self._invoice(partner, 8)
        Move = self.env["account.move"]
        fee_domain = [("partner_id", "=", partner.id), ("state", "=", "draft")]
        self.env["ir.rule"].create(
            {
                "name": "This collector issues no invoices in this company",
                "model_id": self.env["ir.model"]._get_id("account.move"),
                "domain_force": f"[('company_id', 'not in', [{self.company.id}] "
                f"if user.id == {self.collection_user.id} else [])]",
                "perm_read": False,
                "perm_write": False,
                "perm_unlink": False,
            }
        )
        wizard = (
            self.env["ai.dunning.preview"]
            .with_user(self.collection_user)
            .create({"partner_id": partner.id})
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            wizard.action_run_now()
        self.assertFalse(Move.search(fee_domain))
        self.assertFalse(self._logs(inv))
        other = self.collection_user.copy({"login": "dun_other_collector"})
        self.env["ai.dunning.preview"].with_user(other).create(
            {"partner_id": partner.id}
        ).action_run_now()
        fee = Move.search(fee_domain)
        self.assertEqual((len(fee), fee.create_uid), (1, other))
        self.assertIn("fee", self._logs(inv).action)

    def test_run_now_from_preview(self):
        partner = self._customer("RunNow", ai_followup_mode="manual", tz="Asia/Tokyo")
        inv = self._invoice(partner, 8)
        wizard = self.env["ai.dunning.preview"].create({"partner_id": partner.id})
        wizard.action_run_now()
        self.assertEqual(self._logs(inv).outcome, "queued", "the email waits in the mail queue")
