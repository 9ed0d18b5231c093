"""What each role sees (menus, views, buttons) it may use: nothing ends in an access error.

For each role of the README's "Security" section, every Collections menu the role
sees is opened (the action's model is searched, its list, kanban and form views are
loaded with ``get_views``, as the web client loads them for that user); every button
left in the views after Odoo's group filtering is then checked on a real record of
the user's company in the state that shows it: the user has write access on a
record a button changes, the call raises no AccessError, and the window it opens
(a form, a wizard) is checked the same way.
"""

import ast
import logging
from collections import deque
from datetime import timedelta

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .roles_common import ROLES, RolesCase

_logger = logging.getLogger(__name__)

MODULE = "ar_ai_collections"
# The role matrix (README, "Security"): rights per model, "r"ead, "w"rite, "c"reate,
# "u"nlink.
RIGHTS = {
    "ai.risk.model": ("", "", "rwcu", "rwcu"),
    "ai.risk.model.upload": ("", "", "rwcu", "rwcu"),
    "ai.dunning.level": ("", "r", "rwcu", "rwcu"),
    "ai.dunning.log": ("", "r", "rw", "rw"),
    "ai.dunning.preview": ("", "rwcu", "rwcu", "rwcu"),
    "ai.dunning.preview.line": ("", "rwcu", "rwcu", "rwcu"),
    "ai.collection.worklist": ("", "rw", "rwcu", "rwcu"),
    "ai.collection.call.wizard": ("", "rwcu", "rwcu", "rwcu"),
    "ai.collection.call": ("", "rc", "rwcu", "rwcu"),
    "ai.collection.promise": ("", "rwc", "rwcu", "rwcu"),
    "ai.collection.dispute": ("", "rwc", "rwcu", "rwcu"),
    "ai.collection.payment.plan": ("", "rwc", "rwcu", "rwcu"),
    "ai.collection.payment.plan.line": ("", "rwcu", "rwcu", "rwcu"),
    "ai.collection.reply": ("", "rw", "rwcu", "rwcu"),
    "ai.cash.forecast": ("", "r", "rwcu", "rwcu"),
    "ai.collection.kpi": ("", "r", "rwcu", "rwcu"),
    "ai.model.monitoring": ("", "", "rwcu", "rwcu"),
    "ai.risk.prediction": ("", "", "r", "r"),
    "ai.fairness.report": ("", "", "rwcu", "rwcu"),
    "ai.collection.experiment": ("", "r", "rwcu", "rwcu"),
    "ai.collection.experiment.arm": ("", "r", "rwcu", "rwcu"),
    "ai.collection.experiment.assignment": ("", "r", "rwcu", "rwcu"),
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}
COLLECTOR_MENUS = {
    "collections_menu_root",
    "ai_collection_worklist_menu",
    "ai_collection_call_menu",
    "ai_collection_promise_menu",
    "ai_collection_payment_plan_menu",
    "ai_collection_dispute_menu",
    "ai_collection_reply_menu",
    "ai_dunning_log_menu",
    "ai_dunning_preview_menu",
    "collections_menu_configuration",
    "ai_dunning_level_menu",
    "collections_menu_reporting",
    "ai_cash_forecast_menu",
    "ai_cash_forecast_menu_snapshot",
    "ai_collection_kpi_menu_overview",
    "ai_collection_kpi_menu",
    "ai_collection_kpi_menu_breakdown",
    "ai_collection_experiment_menu",
}
MANAGER_MENUS = COLLECTOR_MENUS | {
    "ai_dunning_log_review_menu",
    "ai_risk_model_menu",
    "ai_model_monitoring_menu",
    "ai_risk_prediction_menu",
    "ai_fairness_report_menu",
}
MENUS = {
    "invoicing": set(),
    "collector": COLLECTOR_MENUS,
    "manager": MANAGER_MENUS,
    "admin": MANAGER_MENUS,
}
# Invoicing screens the addon adds buttons to (customer and invoice forms).
CORE_ACTIONS = ("account.res_partner_action_customer", "account.action_move_out_invoice_type")
VIEW_TYPES = ("list", "kanban", "form")


@tagged("post_install", "-at_install")
class TestRoleAccess(RolesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        records = cls.records[cls.company_a]
        cls.risk_models = cls._upload_risk_models(cls.company_a)
        cls.fixtures = {
            "res.partner": cls.customer,
            "account.move": records["invoices"][0],
            "ai.collection.worklist": records["line"],
            "ai.collection.call": cls.env["ai.collection.call"].create(
                {
                    "partner_id": cls.customer.id,
                    "company_id": cls.company_a.id,
                    "outcome": "reached",
                    "move_ids": [Command.set(records["invoices"][0].ids)],
                }
            ),
            "ai.collection.promise": cls.env["ai.collection.promise"].union(
                *records["promises"].values()
            ),
            "ai.collection.dispute": cls.env["ai.collection.dispute"].union(
                *records["disputes"].values()
            ),
            "ai.collection.reply": records["replies"],
            "ai.collection.payment.plan": cls._payment_plans(records["invoices"][0]),
            "ai.dunning.level": records["levels"],
            "ai.dunning.log": records["log"],
            "ai.risk.model": cls.risk_models,
            "ai.cash.forecast": cls.env["ai.cash.forecast"].create(
                {
                    "company_id": cls.company_a.id,
                    "currency_id": cls.company_a.currency_id.id,
                    "partner_id": cls.customer.id,
                    "week": 1,
                    "expected_amount": 100.0,
                }
            ),
            "ai.collection.kpi": cls.env["ai.collection.kpi"].create(
                {
                    "company_id": cls.company_a.id,
                    "currency_id": cls.company_a.currency_id.id,
                    "kind": "month",
                    "month": cls.today.replace(day=1),
                    "dso": 42.0,
                }
            ),
            "ai.model.monitoring": cls.env["ai.model.monitoring"].create(
                {
                    "company_id": cls.company_a.id,
                    "kind": "month",
                    "run_date": cls.today,
                    "month": cls.today.replace(day=1),
                    "auc": 0.7,
                }
            ),
            # sudo: only the scoring runs write the log
            "ai.risk.prediction": cls.env["ai.risk.prediction"]
            .sudo()
            .create(
                {
                    "company_id": cls.company_a.id,
                    "move_id": records["invoices"][0].id,
                    "snapshot_date": cls.today,
                    "p_paid_30": 40.0,
                    "band": "high",
                }
            ),
            "ai.fairness.report": cls.env["ai.fairness.report"].create(
                {
                    "company_id": cls.company_a.id,
                    "run_date": cls.today,
                    "attribute": "country",
                    "group_name": "BE",
                }
            ),
            "ai.collection.experiment": cls._experiments(),
        }
        # Wizards are created by the user (with the context of the action opening them).
        cls.wizard_values = {
            "ai.dunning.preview": {"partner_id": cls.customer.id},
            "ai.collection.call.wizard": {"worklist_id": records["line"].id},
            "ai.risk.model.upload": {
                "onnx_file": cls.risk_models[:1].with_context(bin_size=False).onnx_file
            },
        }

    @classmethod
    def _payment_plans(cls, invoice):
        """A plan in each state that shows buttons: draft, proposed, active, rejected."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=invoice.company_id.ids))
        plans = env["ai.collection.payment.plan"].create(
            [
                {
                    "partner_id": cls.customer.id,
                    "company_id": invoice.company_id.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "line_ids": [
                        Command.create(
                            {"date_due": cls.today + timedelta(days=10 * (n + 1)), "amount": 10.0}
                        )
                    ],
                }
                for n in range(4)
            ]
        )
        plans[1].state = "proposed"
        plans[2].action_approve()
        plans[3].action_reject()
        return plans

    @classmethod
    def _experiments(cls):
        """A draft, a running and a finished experiment (their buttons differ)."""
        experiments = cls.env["ai.collection.experiment"].create(
            [
                {
                    "name": f"Roles experiment {state}",
                    "company_id": cls.company_a.id,
                    "arm_ids": [
                        Command.create({"name": "A", "is_control": True, "allocation": 50.0}),
                        Command.create({"name": "B", "allocation": 50.0}),
                    ],
                }
                for state in ("draft", "running", "done")
            ]
        )
        experiments[1].state = "running"
        experiments[2].state = "done"
        return experiments

    # ------------------------------------------------------------------ #
    def test_model_rights_follow_the_matrix(self):
        for index, role in enumerate(ROLES):
            env = self._as(self.users[self.company_a][role])
            for model, rights in RIGHTS.items():
                for letter, operation in OPERATIONS.items():
                    with self.subTest(role=role, model=model, operation=operation):
                        self.assertEqual(env[model].has_access(operation), letter in rights[index])

    def test_actions_are_restricted_like_their_model(self):
        """A window action of the addon is offered (``groups_id``) only to users who
        may read its model; an action id typed in the URL by anyone else ends on the
        access rights, unless another action offered to them shows the same model
        (collectors read the dunning log, managers review it)."""
        actions = self.env["ir.actions.act_window"].search(
            [("id", "in", self._module_ids("ir.actions.act_window"))]
        )
        self.assertTrue(actions)
        for action in actions:
            self.assertTrue(action.groups_id, f"{action.name} has no groups")
            for role in ROLES:
                user = self.users[self.company_a][role]
                env = self._as(user)
                with self.subTest(action=action.name, role=role):
                    if action.groups_id & user.groups_id:
                        env[action.res_model].search([], limit=1)
                    elif env[action.res_model].has_access("read"):
                        offered = actions.filtered(
                            lambda other, action=action, user=user: (
                                other.res_model == action.res_model
                                and other.groups_id & user.groups_id
                            )
                        )
                        self.assertTrue(offered)

    def test_only_managers_change_collector_and_sensitivity(self):
        """The form makes them read-only for collectors; a write over RPC is refused too."""
        collector = self.users[self.company_a]["collector"]
        for role, allowed in (("collector", False), ("manager", True), ("admin", True)):
            customer = self._as(self.users[self.company_a][role])["res.partner"].browse(
                self.customer.id
            )
            for values in ({"ai_collector_id": collector.id}, {"ai_dunning_sensitive": True}):
                with self.subTest(role=role, values=values):
                    if allowed:
                        customer.write(values)
                    else:
                        with self.assertRaises(AccessError):
                            customer.write(values)
                        # Other collections fields stay theirs to write.
                        customer.write({"ai_dunning_do_not_contact": True})

    def test_menus_follow_the_matrix(self):
        for role in ROLES:
            with self.subTest(role=role):
                self.assertEqual(self._visible_menus(self.users[self.company_a][role]), MENUS[role])

    def test_every_visible_button_works(self):
        for role in ROLES:
            user = self.users[self.company_a][role]
            with self.subTest(role=role):
                checked = self._check_screens(user)
                if role == "invoicing":
                    # Only the risk buttons of the customer form ("Invoices by Risk").
                    self.assertEqual(checked, {("res.partner", "action_ai_open_invoices_by_risk")})
                else:
                    self.assertIn(("ai.collection.worklist", "action_escalate"), checked)
                    self.assertIn(("ai.dunning.preview", "action_run_now"), checked)
                    self.assertIn(("ai.collection.call.wizard", "action_confirm"), checked)
                    self.assertIn(("res.partner", "action_ai_open_calls"), checked)
                if role in ("manager", "admin"):
                    self.assertIn(("ai.dunning.log", "action_approve"), checked)
                    self.assertIn(("ai.risk.model", "action_promote"), checked)
                    self.assertIn(("ai.collection.kpi", "action_refresh"), checked)
                    self.assertIn(("ai.collection.experiment", "action_start"), checked)

    # ------------------------------------------------------------------ #
    def _module_ids(self, model):
        return (
            self.env["ir.model.data"]
            .search([("module", "=", MODULE), ("model", "=", model)])
            .mapped("res_id")
        )

    def _visible_menus(self, user):
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        data = self.env["ir.model.data"].search(
            [("module", "=", MODULE), ("model", "=", "ir.ui.menu"), ("res_id", "in", list(visible))]
        )
        return set(data.mapped("name"))

    def _check_screens(self, user):
        """Open every screen the user reaches; return the (model, button) checked."""
        env = self._as(user)
        menus = env["ir.ui.menu"].browse(self._module_ids("ir.ui.menu"))
        visible = env["ir.ui.menu"]._visible_menu_ids()
        actions = [menu.sudo().action for menu in menus if menu.id in visible and menu.action]
        actions += [self.env.ref(xmlid) for xmlid in CORE_ACTIONS]
        todo = deque()
        for action in actions:
            self.assertEqual(action._name, "ir.actions.act_window")
            env[action.res_model].search([], limit=1)
            todo.append((action.res_model, action.views, dict(safe_eval(action.context or "{}"))))
        seen, checked = set(), set()
        while todo:
            model, views, context = todo.popleft()
            for view_id, view_type in views:
                if view_type not in VIEW_TYPES or (model, view_type) in seen:
                    continue
                seen.add((model, view_type))
                arch = env[model].get_views([(view_id, view_type)])["views"][view_type]["arch"]
                for button in etree.fromstring(arch).iter("button"):
                    follow = self._check_button(env, model, button, context, checked)
                    if follow:
                        todo.append(follow)
        return checked

    def _check_button(self, env, model, button, context, checked):
        """Check one button; return the window it opens (to check next), if any."""
        name, kind = button.get("name"), button.get("type")
        if kind == "action":
            action = self.env["ir.actions.actions"].browse(int(name)).sudo()
            action = self.env[action.type].browse(action.id)
            self.assertTrue(env[action.res_model].has_access("read"), action.name)
            return None
        method = getattr(type(env[model]), name or "", None)
        if (
            kind != "object"
            or not method
            or not method.__module__.startswith(f"odoo.addons.{MODULE}.")
        ):
            return None  # a button of Odoo itself on a form the addon extends
        label = f"{model}.{name} as {env.user.login}"
        navigation = "oe_stat_button" in (button.get("class") or "") or "btn-link" in (
            button.get("class") or ""
        )
        if not navigation:
            self.assertTrue(env[model].has_access("write"), f"{label}: no write access")
        record = self._record_showing(env, model, button, context)
        checked.add((model, name))
        result = None
        try:
            with self.env.cr.savepoint():
                result = getattr(record, name)()
                opens = isinstance(result, dict) and result.get("type") == "ir.actions.act_window"
                if opens:
                    # What the button opens is readable (checked before the rollback).
                    target = result["res_model"]
                    self.assertTrue(env[target].has_access("read"), f"{label} opens {target}")
                    env[target].browse(result.get("res_id") or ()).check_access("read")
                raise _Rollback
        except _Rollback:
            _logger.debug("%s: done, rolled back", label)
        except AccessError as error:
            self.fail(f"{label}: {error}")
        except (UserError, ValidationError) as error:
            _logger.debug("%s: a business refusal, not an access error: %s", label, error)
        finally:
            self.env.invalidate_all(flush=False)
        if not isinstance(result, dict) or result.get("type") != "ir.actions.act_window":
            return None
        target = result["res_model"]
        views = result.get("views") or [(False, mode) for mode in result["view_mode"].split(",")]
        context = result.get("context") or {}
        if isinstance(context, str):
            context = safe_eval(context, {"uid": env.uid})
        return target, views, dict(context)

    def _record_showing(self, env, model, button, context):
        """A record of the user's company on which ``button`` is visible."""
        Model = env[model].with_context(**context)
        if Model._transient:
            values = {
                key: value
                for key, value in self.wizard_values.get(model, {}).items()
                if f"default_{key}" not in context
            }
            return Model.create(values)
        invisible = button.get("invisible") or "False"
        names = {
            node.id
            for node in ast.walk(ast.parse(invisible, mode="eval"))
            if isinstance(node, ast.Name) and node.id in Model._fields
        }
        for record in self.fixtures[model]:
            values = {"context": context}
            for field_name in names:
                value = record[field_name]
                field = record._fields[field_name]
                if field.type == "many2one":
                    value = value.id
                elif field.type in ("one2many", "many2many"):
                    value = value.ids
                values[field_name] = value
            if not safe_eval(invisible, values):
                return Model.browse(record.id)
        self.fail(f"no record of {model} shows {button.get('name')}")
        return None


class _Rollback(Exception):
    """Undo what a checked button did (each button is checked on the same records)."""
