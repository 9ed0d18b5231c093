import re
from pathlib import Path

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

MODULE = "ar_ai_collections"
ADDON = Path(__file__).resolve().parents[1]
# Files whose sudo() calls other work streams review (risk-model registry, portal).
SUDO_REVIEWED_ELSEWHERE = {
    "models/ai_risk_model.py",
    "wizards/ai_risk_model_upload.py",
    "controllers/portal.py",
}
SUDO_CALL = re.compile(r"\.sudo\(\s*\)")
SUDO_COMMENT = re.compile(r"#\s*sudo:\s*\S")
# A "# sudo: <why>" comment covers the next sudo() within this many lines.
SUDO_COMMENT_REACH = 3
# Stored models of the addon: each must be company-bound with a multi-company
# record rule (checked generically below for every stored model of the addon;
# this list makes a model that disappears from the registry fail loudly).
EXPECTED_MODELS = {
    "ai.risk.model",
    "ai.dunning.level",
    "ai.dunning.log",
    "ai.collection.promise",
    "ai.collection.dispute",
    "ai.collection.worklist",
    "ai.collection.reply",
}


@tagged("post_install", "-at_install")
class TestSecurity(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Collections Company B")["company"]
        cls.company_a = cls.env.company
        cls.user_a = new_test_user(
            cls.env,
            login="collections_user_a",
            groups="ar_ai_collections.group_collections_manager",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.user_b = new_test_user(
            cls.env,
            login="collections_user_b",
            groups="ar_ai_collections.group_collections_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.invoicing_user = new_test_user(
            cls.env,
            login="plain_invoicing_user",
            groups="account.group_account_invoice",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )

    @classmethod
    def _addon_models(cls):
        """Persistent models defined (not only inherited) by this addon.

        Wizards (transient models) are left out: Odoo already restricts their
        records to the user who created them.
        """
        names = []
        for name, model in cls.env.registry.items():
            if model._abstract or model._transient or not model._auto:
                continue
            if model._original_module != MODULE:
                continue
            names.append(name)
        return sorted(names)

    def _as(self, user):
        """Environment of ``user`` working in all (and only) their companies."""
        return self.env(
            user=user, context=dict(self.env.context, allowed_company_ids=user.company_ids.ids)
        )

    # ------------------------------------------------------------------ #
    # Groups
    # ------------------------------------------------------------------ #
    def test_groups_are_layered_on_accounting(self):
        user = self.env.ref("ar_ai_collections.group_collections_user")
        manager = self.env.ref("ar_ai_collections.group_collections_manager")
        invoice = self.env.ref("account.group_account_invoice")
        account_manager = self.env.ref("account.group_account_manager")
        self.assertIn(invoice, user.trans_implied_ids)
        self.assertIn(user, manager.trans_implied_ids)
        self.assertIn(manager, account_manager.trans_implied_ids)
        self.assertNotIn(manager, user.trans_implied_ids)
        self.assertNotIn(user, invoice.trans_implied_ids)

        adviser = new_test_user(self.env, login="acc_admin", groups="account.group_account_manager")
        self.assertTrue(adviser.has_group("ar_ai_collections.group_collections_manager"))
        self.assertTrue(adviser.has_group("ar_ai_collections.group_collections_user"))
        self.assertFalse(self.invoicing_user.has_group("ar_ai_collections.group_collections_user"))

    # ------------------------------------------------------------------ #
    # Multi-company
    # ------------------------------------------------------------------ #
    def test_addon_models_are_company_bound(self):
        models = self._addon_models()
        self.assertLessEqual(EXPECTED_MODELS, set(models))
        for name in models:
            with self.subTest(model=name):
                self.assertIn("company_id", self.env[name]._fields)
                rules = (
                    self.env["ir.rule"]
                    .sudo()
                    .search([("model_id.model", "=", name), ("global", "=", True)])
                )
                self.assertTrue(rules, f"{name} has no global (multi-company) record rule")

    def test_other_company_user_sees_nothing(self):
        """For every model of the addon, the record rules hide the records of
        company B from a user of company A (and show them to a user of B).

        The rule domains are evaluated for each user on a record of each
        company; where a model's defaults allow it, a real record is also
        created in company B and searched for as both users.
        """
        for name in self._addon_models():
            with self.subTest(model=name):
                model = self.env[name].sudo()
                domain_a = self._as(self.user_a)["ir.rule"]._compute_domain(name, "read")
                domain_b = self._as(self.user_b)["ir.rule"]._compute_domain(name, "read")
                self.assertTrue(domain_a, f"no record rule restricts {name}")
                record_b = model.new({"company_id": self.company_b.id})
                record_a = model.new({"company_id": self.company_a.id})
                self.assertFalse(record_b.filtered_domain(domain_a))
                self.assertTrue(record_a.filtered_domain(domain_a))
                self.assertTrue(record_b.filtered_domain(domain_b))
                self.assertFalse(record_a.filtered_domain(domain_b))

                try:
                    with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                        real_b = model.with_company(self.company_b).create(
                            {"company_id": self.company_b.id}
                        )
                except Exception:
                    continue
                self.assertFalse(self._as(self.user_a)[name].search([("id", "=", real_b.id)]))
                self.assertEqual(
                    self._as(self.user_b)[name].search([("id", "=", real_b.id)]).ids,
                    real_b.ids,
                )

    # ------------------------------------------------------------------ #
    # Plain invoicing users
    # ------------------------------------------------------------------ #
    def test_invoicing_user_reads_risk_fields(self):
        invoice = self.init_invoice("out_invoice", amounts=[500.0], post=True)
        fields_to_read = [
            name
            for name in ("ai_risk_score", "ai_default_probability", "ai_risk_band")
            if name in invoice._fields
        ]
        self.assertEqual(len(fields_to_read), 3)
        values = invoice.with_user(self.invoicing_user).read(fields_to_read)
        self.assertEqual(len(values), 1)
        partner_values = invoice.partner_id.with_user(self.invoicing_user).read(
            ["ai_risk_score", "ai_risk_band"]
        )
        self.assertEqual(len(partner_values), 1)

    def test_invoicing_user_cannot_manage_models_or_levels(self):
        """Plain invoicing users read scores but cannot train/upload/promote
        models nor edit dunning levels."""
        checked = 0
        for name in ("ai.risk.model", "ai.dunning.level"):
            if name not in self.env:
                continue
            model = self._as(self.invoicing_user)[name]
            for operation in ("create", "write", "unlink"):
                with self.subTest(model=name, operation=operation):
                    self.assertFalse(model.has_access(operation))
            checked += 1
        self.assertGreaterEqual(checked, 1)

    def test_other_company_records_hidden(self):
        """Real records of company B (dunning level, promise to pay, dispute)
        are invisible to a collections manager of company A, even searching
        without any domain, and visible to the manager of company B."""
        partner_b = self.env["res.partner"].create(
            {"name": "Customer of B", "company_id": self.company_b.id}
        )
        vals = {
            "ai.dunning.level": {"name": "Level of B", "days": 10, "send_email": False},
            "ai.collection.promise": {
                "partner_id": partner_b.id,
                "promised_date": fields.Date.today(),
                "amount": 100.0,
            },
            "ai.collection.dispute": {"partner_id": partner_b.id},
        }
        for name, values in vals.items():
            with self.subTest(model=name):
                self.assertIn(name, self.env)
                record = (
                    self.env[name]
                    .with_company(self.company_b)
                    .create({**values, "company_id": self.company_b.id})
                )
                env_a, env_b = self._as(self.user_a), self._as(self.user_b)
                self.assertNotIn(record.id, env_a[name].search([]).ids)
                self.assertFalse(env_a[name].search_count([("id", "=", record.id)]))
                self.assertIn(record.id, env_b[name].search([]).ids)

    # ------------------------------------------------------------------ #
    # sudo()
    # ------------------------------------------------------------------ #
    def test_every_sudo_says_why(self):
        """Each sudo() of the addon's server code carries its own one-line
        ``# sudo: <why>`` comment, on its line or just above it."""
        unexplained, checked = [], 0
        for folder in ("models", "wizards", "controllers"):
            for path in sorted((ADDON / folder).glob("*.py")):
                relative = path.relative_to(ADDON).as_posix()
                if relative in SUDO_REVIEWED_ELSEWHERE:
                    continue
                comment_line = None
                for number, line in enumerate(path.read_text().splitlines(), 1):
                    code = line.split("#", 1)[0]
                    if not SUDO_CALL.search(code):
                        if SUDO_COMMENT.search(line):
                            comment_line = number
                        continue
                    checked += 1
                    if SUDO_COMMENT.search(line):
                        continue
                    if comment_line and number - comment_line <= SUDO_COMMENT_REACH:
                        comment_line = None  # one comment per sudo()
                        continue
                    unexplained.append(f"{relative}:{number}")
        self.assertGreater(checked, 10)
        self.assertEqual(unexplained, [], "sudo() without a '# sudo: <why>' comment")
