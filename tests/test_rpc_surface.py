"""What of the addon's Python code a logged-in user can call over RPC.

Every public method (no ``_`` prefix, no ``@api.private``) the addon defines is
callable by any user through ``/web/dataset/call_kw`` or XML-RPC
(``odoo.service.model.get_public_method`` decides). Only the buttons of its views and
the Odoo methods it extends may be, each listed here after a review of its access
check; any other method must be private.
"""

import inspect

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError
from odoo.service.model import get_public_method
from odoo.tests import new_test_user, tagged

ADDON_PACKAGE = "odoo.addons.ar_ai_collections."

# (model, method): why it may be called over RPC (access checked before anything).
RPC_ALLOWLIST = {
    # Odoo's own methods the addon extends: Odoo checks access before them.
    ("account.move.line", "reconcile"): "Odoo's reconcile, access checked by Odoo",
    ("ai.collection.case.mixin", "create"): "ORM create: ACL and record rules",
    ("ai.collection.case.mixin", "write"): "ORM write: ACL and record rules",
    ("ai.collection.promise", "create"): "ORM create: ACL and record rules",
    ("ai.collection.promise", "write"): "ORM write: ACL and record rules",
    ("ai.collection.dispute", "create"): "ORM create: ACL and record rules",
    ("ai.collection.dispute", "write"): "ORM write: ACL and record rules",
    ("ai.collection.worklist", "write"): "ORM write: ACL (collectors) and record rules",
    ("ai.collection.answer.mixin", "create"): "ORM create: ACL and record rules",
    ("ai.collection.payment.plan", "create"): "ORM create: ACL and record rules",
    ("ai.collection.payment.plan.line", "create"): "ORM create: ACL and record rules",
    ("ai.collection.payment.plan.line", "write"): "ORM write: ACL and record rules",
    ("res.partner", "write"): "ORM write: managers only for collector and sensitive flag",
    # Buttons of the addon's views (or its server action): what they act on is
    # checked by the ORM (ACL, record rules) or by an explicit check first.
    ("res.partner", "action_ai_open_invoices_by_risk"): "opens an action on invoices (ACL)",
    ("res.partner", "action_ai_dunning_logs"): "opens an action on dunning logs (ACL)",
    ("res.partner", "action_ai_dunning_preview"): "creates a preview wizard (ACL)",
    ("res.partner", "action_ai_open_promises"): "opens an action on promises (ACL)",
    ("res.partner", "action_ai_open_disputes"): "opens an action on disputes (ACL)",
    ("res.partner", "action_ai_open_calls"): "opens an action on calls (ACL)",
    ("res.partner", "action_revoke_portal_links"): "managers only, checked first",
    ("res.config.settings", "action_ai_dunning_levels"): "opens an action (settings: admins)",
    ("ai.collection.promise", "action_confirm"): "writes the promise (ACL, rules)",
    ("ai.collection.promise", "action_cancel"): "writes the promise (ACL, rules)",
    ("ai.collection.promise", "action_draft"): "writes the promise (ACL, rules)",
    ("ai.collection.promise", "action_check_now"): "writes the promise (ACL, rules)",
    ("ai.collection.promise", "action_reject"): "writes the promise (ACL, rules)",
    ("ai.collection.payment.plan", "action_approve"): "check_access('write') first",
    ("ai.collection.payment.plan", "action_reject"): "check_access('write') first",
    ("ai.collection.payment.plan", "action_cancel"): "check_access('write') first",
    ("ai.collection.payment.plan", "action_draft"): "check_access('write') first",
    ("ai.collection.payment.plan", "action_check_now"): "check_access('write') first",
    ("ai.collection.worklist", "action_offer_plan"): "check_access('write'), opens a form",
    ("ai.collection.dispute", "action_confirm"): "writes the dispute (ACL, rules)",
    ("ai.collection.dispute", "action_resolve"): "writes the dispute (ACL, rules)",
    ("ai.collection.dispute", "action_reject"): "writes the dispute (ACL, rules)",
    ("ai.collection.dispute", "action_cancel"): "writes the dispute (ACL, rules)",
    ("ai.collection.dispute", "action_draft"): "writes the dispute (ACL, rules)",
    ("ai.collection.worklist", "action_refresh"): "check_access('write') first",
    ("ai.collection.worklist", "action_log_call"): "opens the call wizard (collectors' ACL)",
    ("ai.collection.worklist", "action_record_promise"): "opens a promise form (ACL)",
    ("ai.collection.worklist", "action_raise_dispute"): "opens a dispute form (ACL)",
    ("ai.collection.worklist", "action_snooze"): "writes the line (ACL, rules)",
    ("ai.collection.worklist", "action_escalate"): "writes the line (ACL, rules)",
    ("ai.collection.worklist", "action_assign_to_me"): "writes the line (ACL, rules)",
    ("ai.collection.worklist", "action_open_invoices"): "opens an action on invoices (ACL)",
    ("ai.collection.call.wizard", "action_confirm"): "the wizard is the user's (ACL)",
    ("ai.collection.reply", "action_apply"): "writes the reply (ACL, rules)",
    ("ai.collection.reply", "action_confirm_followup"): "confirms through the ORM (ACL)",
    ("ai.collection.reply", "action_retrain_reply_classifier"): "managers only, checked first",
    ("ai.dunning.level", "action_view_logs"): "opens an action on dunning logs (ACL)",
    ("ai.dunning.log", "action_approve"): "managers only, checked first",
    ("ai.dunning.log", "action_reject"): "managers only, checked first",
    ("ai.dunning.preview", "action_refresh"): "the wizard is the user's (ACL)",
    ("ai.dunning.preview", "action_run_now"): "collectors only, checked first",
    ("ai.risk.model", "action_train_now"): "managers only, checked first",
    ("ai.risk.model", "action_promote"): "managers only, checked first",
    ("ai.risk.model", "action_set_archived"): "managers only, checked first",
    ("ai.risk.model", "action_download_onnx"): "reads the model (ACL, rules)",
    ("ai.risk.model", "action_open_upload_wizard"): "opens the wizard (managers' ACL)",
    ("ai.risk.model.upload", "action_upload"): "managers only, checked first",
    ("ai.cash.forecast", "action_refresh"): "check_access('create') first (managers)",
    ("ai.collection.kpi", "action_refresh"): "check_access('create') first (managers)",
    ("ai.collection.experiment", "action_start"): "check_access('write') first (managers)",
    ("ai.collection.experiment", "action_stop"): "check_access('write') first (managers)",
    ("ai.collection.experiment", "action_measure"): "check_access('write') first (managers)",
    ("ai.collection.experiment", "action_open_assignments"): "opens an action (ACL)",
    ("ai.collection.experiment.arm", "action_adopt"): "experiment write access checked first",
}


def rpc_methods(env):
    """``{(model, method)}`` of the methods the addon defines (or overrides) that
    Odoo lets any user call over RPC."""
    found = set()
    for name in env.registry:
        model = env[name]
        for method_name, _method in inspect.getmembers(type(model), callable):
            if method_name.startswith("_"):
                continue
            defined_here = any(
                method_name in vars(cls) and cls.__module__.startswith(ADDON_PACKAGE)
                for cls in type(model).__mro__
            )
            if not defined_here:
                continue
            try:
                get_public_method(model, method_name)
            except AccessError:
                continue  # private: not callable over RPC
            found.add((name, method_name))
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(AccountTestInvoicingCommon):
    def test_only_reviewed_methods_are_callable_over_rpc(self):
        exposed = rpc_methods(self.env)
        self.assertIn(("ai.collection.worklist", "action_refresh"), exposed, "walk finds buttons")
        unreviewed = sorted(exposed - set(RPC_ALLOWLIST))
        self.assertFalse(
            unreviewed,
            "Public methods callable over RPC: make them private (_ prefix or "
            f"@api.private) or review their access check and list them: {unreviewed}",
        )

    def test_service_entry_points_are_private(self):
        """The reported case: a portal user asked the demo loader for a huge ledger."""
        portal = new_test_user(self.env, login="ai_rpc_portal", groups="base.group_portal")
        env = self.env(user=portal)
        for model, method in (
            ("ai.collections.demo", "load_demo_ledger"),
            ("ai.risk.scoring", "score_company"),
            ("ai.risk.scoring", "rescore_partners"),
            ("ai.dunning.run", "run"),
            ("ai.dunning.run", "refresh_company"),
            ("ai.collection.worklist", "refresh_company"),
            ("ai.risk.model", "_train_for_company"),
            ("ai.risk.model", "_create_from_bytes"),
        ):
            with self.subTest(method=f"{model}.{method}"), self.assertRaises(AccessError):
                get_public_method(env[model], method)
