import base64
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..ar_ai_collections.features import FEATURE_NAMES, build_features
from ..ar_ai_collections.survival import TTP_FEATURE_NAMES, ttp_features
from .test_risk_scoring import RiskLedgerMixin
from .test_rpc_surface import rpc_methods

ADDON = Path(__file__).resolve().parents[1]
DEFAULT_ONNX = ADDON / "ar_ai_collections" / "data" / "default_model.onnx"


def _foreign_onnx_bytes():
    """A valid ONNX graph that is not a payment-risk model (no engine metadata)."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "foreign",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def _doctored_default_model(tensor_name, doctor):
    """The bundled model with ``doctor(tensor)`` applied to one of its initializers."""
    from onnx import ModelProto

    proto = ModelProto.FromString(DEFAULT_ONNX.read_bytes())
    doctor(next(t for t in proto.graph.initializer if t.name == tensor_name))
    return proto.SerializeToString()


def _to_external_data(tensor):
    """Store the tensor's values in a server file (relative path), as in the finding."""
    from onnx import TensorProto

    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "odoo.conf"), ("offset", "0"), ("length", "4")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value


def _to_nan(tensor):
    from onnx import numpy_helper

    tensor.CopyFrom(numpy_helper.from_array(np.array(np.nan, dtype=np.float32), tensor.name))


@tagged("post_install", "-at_install")
class TestRiskModelRegistry(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.Model = cls.env["ai.risk.model"]
        cls.champion = cls.Model._create_from_bytes(
            DEFAULT_ONNX.read_bytes(), cls.company, filename="champion.onnx"
        )
        cls.champion._promote("The test's champion.")
        cls.invoicing_user = new_test_user(
            cls.env,
            login="risk_invoicing_user",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )

    def _upload(self, data, promote=True):
        wizard = self.env["ai.risk.model.upload"].create(
            {
                "onnx_file": base64.b64encode(data),
                "onnx_filename": "upload.onnx",
                "company_id": self.company.id,
                "promote": promote,
                "approval_note": "Uploaded in a test.",
            }
        )
        return wizard.action_upload()

    def test_upload_refuses_corrupt_and_foreign_files(self):
        count = self.Model.search_count([])
        for data in (b"not an onnx file at all", _foreign_onnx_bytes(), b""):
            with self.assertRaises(UserError) as caught:
                self._upload(data)
            self.assertIn("not a valid payment-risk model", str(caught.exception))
        self.assertEqual(self.Model.search_count([]), count)
        self.assertEqual(self.Model._get_champion(self.company), self.champion)
        self.assertEqual(self.champion.state, "champion")

    def test_upload_valid_model_and_promote(self):
        action = self._upload(DEFAULT_ONNX.read_bytes(), promote=False)
        uploaded = self.Model.browse(action["res_id"])
        self.assertEqual(uploaded.state, "challenger")
        self.assertEqual(uploaded.source, "uploaded")
        self.assertTrue(uploaded.feature_names)
        self.assertEqual(self.Model._get_champion(self.company), self.champion)
        # A manager promotes by hand only with a reason, recorded with their name.
        manager = new_test_user(
            self.env,
            login="promoting_manager",
            groups="ar_ai_collections.group_collections_manager",
        )
        as_manager = uploaded.with_user(manager)
        with self.assertRaisesRegex(UserError, "Why Promote"):
            as_manager.action_promote()
        self.assertEqual(uploaded.state, "challenger")
        as_manager.approval_note = "Beats the champion on the last quarter."
        as_manager.action_promote()
        self.assertEqual(uploaded.state, "champion")
        self.assertEqual(uploaded.approved_by_id, manager)
        self.assertTrue(uploaded.approved_at)
        self.assertEqual(uploaded.approval_note, "Beats the champion on the last quarter.")
        chatter = " ".join(uploaded.message_ids.mapped("body"))
        self.assertIn("Promoted to champion, approved by", chatter)
        self.assertIn("Beats the champion on the last quarter.", chatter)
        self.assertEqual(self.champion.state, "archived")
        self.assertEqual(self.Model._get_champion(self.company), uploaded)
        settings = self.env["res.config.settings"].create({})
        self.assertIn(f"Champion {uploaded.display_name}", settings.ai_risk_model_status)
        # The new champion scores the company's invoices.
        invoice = self.init_invoice(
            "out_invoice", self.partner_a, dt.date.today(), amounts=[500.0], post=True
        )
        self.env["ai.risk.scoring"].score_company(self.company)
        self.assertEqual(invoice.ai_risk_model_id, uploaded)
        self.assertFalse(invoice.ai_scored_by_default_model)

    def test_download_onnx_roundtrip(self):
        self.assertEqual(self.champion._get_onnx_bytes(), DEFAULT_ONNX.read_bytes())
        action = self.champion.action_download_onnx()
        self.assertIn(f"/web/content/ai.risk.model/{self.champion.id}/onnx_file/", action["url"])

    def test_one_champion_per_company(self):
        other = self.Model._create_from_bytes(DEFAULT_ONNX.read_bytes(), self.company)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            other.sudo().write({"state": "champion"})
            other.flush_recordset()

    def test_invoicing_user_reads_but_cannot_manage(self):
        invoice = self.init_invoice(
            "out_invoice", self.partner_a, dt.date.today(), amounts=[500.0], post=True
        )
        self.env["ai.risk.scoring"].score_company(self.company)
        env = self.env(user=self.invoicing_user)
        as_user = env["account.move"].browse(invoice.id)
        self.assertTrue(as_user.ai_risk_band)
        # Which registry model scored is for Collections managers.
        with self.assertRaises(AccessError):
            as_user.read(["ai_risk_model_id"])
        self.assertEqual(invoice.ai_risk_model_id, self.champion)
        customer = as_user.commercial_partner_id
        self.assertEqual(customer.ai_risk_band, invoice.commercial_partner_id.ai_risk_band)
        self.assertTrue(customer.ai_risk_reasons)
        self.assertEqual(customer.ai_open_invoice_count, 1)
        customer.action_ai_open_invoices_by_risk()
        # The registry itself is the Collections managers'.
        with self.assertRaises(AccessError):
            env["ai.risk.model"].browse(self.champion.id).read(["state"])
        challenger = self.Model._create_from_bytes(DEFAULT_ONNX.read_bytes(), self.company)
        as_user_challenger = env["ai.risk.model"].browse(challenger.id)
        for call in (
            as_user_challenger.action_promote,
            as_user_challenger.action_set_archived,
            as_user_challenger.action_train_now,
            lambda: env["ai.risk.model"]._create_from_bytes(
                DEFAULT_ONNX.read_bytes(), self.company
            ),
            lambda: env["ai.risk.model"]._train_for_company(self.company),
            lambda: as_user_challenger.write({"name": "renamed"}),
            lambda: env["ai.risk.model.upload"].create(
                {"onnx_file": base64.b64encode(DEFAULT_ONNX.read_bytes())}
            ),
        ):
            with self.assertRaises(AccessError):
                call()
        self.assertEqual(challenger.state, "challenger")
        self.assertEqual(self.champion.state, "champion")

    def test_only_buttons_are_callable_over_rpc(self):
        """Finding 3: helpers such as _create_from_bytes cannot be called remotely."""
        buttons = {
            "ai.risk.model": {
                "action_train_now",
                "action_promote",
                "action_set_archived",
                "action_download_onnx",
                "action_open_upload_wizard",
            },
            "ai.risk.model.upload": {"action_upload"},
        }
        exposed = rpc_methods(self.env)
        for model, expected in buttons.items():
            self.assertEqual({method for name, method in exposed if name == model}, expected)

    def _assert_refused_upload(self, data, needle):
        count = self.Model.search_count([])
        with self.assertRaises(UserError) as caught:
            self._upload(data)
        self.assertIn(needle, str(caught.exception))
        self.assertEqual(self.Model.search_count([]), count)
        self.assertEqual(self.Model._get_champion(self.company), self.champion)
        self.assertEqual(self.champion.state, "champion")
        return str(caught.exception)

    def test_upload_refuses_external_data(self):
        """Finding 1: a tensor read from a server file is refused, saying nothing of files."""
        evil = _doctored_default_model("late_ab", _to_external_data)
        message = self._assert_refused_upload(evil, "the model uses external data")
        self.assertNotIn("odoo.conf", message)
        self.assertNotIn("No such file", message)

    def test_upload_refuses_absurd_trial_prediction(self):
        nan = _doctored_default_model("late_a", _to_nan)
        self._assert_refused_upload(nan, "trial prediction gave non-finite p_late")

    def test_upload_size_limit_is_a_company_setting(self):
        self.assertEqual(self.company.ai_risk_model_max_mb, 50)
        settings = self.env["res.config.settings"].create({"ai_risk_model_max_mb": 1})
        settings.execute()
        self.assertEqual(self.company.ai_risk_model_max_mb, 1)
        junk = b"\0" * 1_100_000
        self._assert_refused_upload(junk, "larger than the upload limit of 1 MB")
        # The engine enforces the same limit on the decoded bytes.
        with self.assertRaisesRegex(UserError, "the limit is 1,000,000 bytes"):
            self.Model._create_from_bytes(junk, self.company)
        with self.assertRaises(ValidationError):
            self.company.ai_risk_model_max_mb = 0

    def test_promotion_runs_the_trial_prediction(self):
        """A stored model the engine now refuses is not promoted; the champion stays."""
        challenger = self.Model._create_from_bytes(DEFAULT_ONNX.read_bytes(), self.company)
        nan = _doctored_default_model("late_a", _to_nan)
        challenger.sudo().onnx_file = base64.b64encode(nan)  # a file stored before the checks
        challenger.approval_note = "Trial."
        with self.assertRaisesRegex(UserError, "trial prediction gave non-finite p_late"):
            challenger.action_promote()
        self.assertEqual(challenger.state, "challenger")
        self.assertEqual(self.Model._get_champion(self.company), self.champion)


@tagged("post_install", "-at_install")
class TestRiskModelMultiCompany(AccountTestInvoicingCommon):
    """Finding 4: a manager of company A cannot touch company B's models."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company_data["company"]
        cls.company_b = cls.setup_other_company()["company"]
        cls.Model = cls.env["ai.risk.model"]
        data = DEFAULT_ONNX.read_bytes()
        cls.models = {}
        for key, company in (("a", cls.company_a), ("b", cls.company_b)):
            champion = cls.Model._create_from_bytes(data, company, filename=f"{key}.onnx")
            champion._promote("The test's champion.")
            challenger = cls.Model._create_from_bytes(data, company)
            manager = new_test_user(
                cls.env,
                login=f"risk_manager_{key}",
                groups="ar_ai_collections.group_collections_manager",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
            cls.models[key] = (champion, challenger, manager)

    def _as(self, key, records):
        return records.with_user(self.models[key][2])

    def test_manager_cannot_change_another_company_models(self):
        champion_b, challenger_b, _manager = self.models["b"]
        data = DEFAULT_ONNX.read_bytes()
        env_a = self.env(user=self.models["a"][2])
        calls = {
            "promote": lambda: self._as("a", challenger_b).action_promote(),
            "archive": lambda: self._as("a", champion_b).action_set_archived(),
            "download": lambda: self._as("a", champion_b).action_download_onnx(),
            "train": lambda: env_a["ai.risk.model"]._train_for_company(self.company_b),
            "train now": lambda: (
                env_a["ai.risk.model"]
                .with_context(allowed_company_ids=self.company_b.ids)
                .action_train_now()
            ),
            "upload": lambda: env_a["ai.risk.model.upload"].create(
                {"onnx_file": base64.b64encode(data), "company_id": self.company_b.id}
            ),
            "register": lambda: env_a["ai.risk.model"]._create_from_bytes(data, self.company_b),
        }
        count = self.Model.search_count([("company_id", "=", self.company_b.id)])
        for name, call in calls.items():
            with self.subTest(action=name), self.assertRaises(AccessError):
                call()
        self.assertEqual(champion_b.state, "champion")
        self.assertEqual(challenger_b.state, "challenger")
        self.assertEqual(self.Model.search_count([("company_id", "=", self.company_b.id)]), count)

    def test_each_manager_manages_their_own_company(self):
        for key, company in (("a", self.company_a), ("b", self.company_b)):
            champion, challenger, manager = self.models[key]
            action = self._as(key, champion).action_download_onnx()
            self.assertIn(f"/ai.risk.model/{champion.id}/", action["url"])
            wizard = (
                self.env["ai.risk.model.upload"]
                .with_user(manager)
                .create(
                    {"onnx_file": base64.b64encode(DEFAULT_ONNX.read_bytes()), "promote": False}
                )
            )
            self.assertEqual(wizard.company_id, company)
            uploaded = self.Model.browse(wizard.action_upload()["res_id"])
            self.assertEqual((uploaded.company_id, uploaded.state), (company, "challenger"))
            self._as(key, challenger).approval_note = "Better on our book."
            self._as(key, challenger).action_promote()
            self.assertEqual(challenger.approved_by_id, manager)
            self.assertEqual((challenger.state, champion.state), ("champion", "archived"))
            self._as(key, uploaded).action_set_archived()
            self.assertEqual(uploaded.state, "archived")
            with self.assertRaisesRegex(UserError, "Not enough settled invoices"):
                self.env["ai.risk.model"].with_user(manager).action_train_now()


@tagged("post_install", "-at_install")
class TestRiskModelTraining(RiskLedgerMixin, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls._load_training_ledger(cls.company)

    def test_too_small_history_refused(self):
        self.company.ai_risk_min_history = 100_000
        self.assertFalse(self.env["ai.risk.model"]._train_for_company(self.company))
        with self.assertRaises(UserError):
            self.env["ai.risk.model"].with_company(self.company).action_train_now()

    def test_train_first_champion_then_challenger_rules(self):
        Model = self.env["ai.risk.model"]
        first, first_ttp = Model._train_for_company(self.company)
        self.assertEqual((first.model_type, first_ttp.model_type), ("risk", "ttp"))
        # one champion per company and type, each with its own champion
        self.assertEqual(first.state, "champion")
        self.assertEqual(first_ttp.state, "champion")
        self.assertTrue(first_ttp.calibration_json)
        self.assertGreater(first_ttp.auc, 0.5)
        self.assertEqual(first.source, "trained")
        self.assertGreater(first.n_rows, 0)
        self.assertTrue(first.metrics_json)
        # An impossible margin: the challenger stays challenger, comparison posted.
        self.company.ai_risk_promotion_margin = 1.0
        second, second_ttp = Model._train_for_company(self.company)
        self.assertEqual(second.state, "challenger")
        self.assertEqual(first.state, "champion")
        self.assertIn("kept as challenger", second.message_ids[:1].body)
        self.assertEqual((second_ttp.state, first_ttp.state), ("challenger", "champion"))
        self.assertIn("kept as challenger", second_ttp.message_ids[:1].body)
        # A negative margin: the challenger always wins and the champion is archived.
        self.company.ai_risk_promotion_margin = -1.0
        third, third_ttp = Model._train_for_company(self.company)
        self.assertEqual(third.state, "champion")
        self.assertEqual(first.state, "archived")
        self.assertEqual((third_ttp.state, first_ttp.state), ("champion", "archived"))
        self.assertIn("promoted", " ".join(third.message_ids.mapped("body")))
        # Automatic promotions record who ran them and the comparison that decided.
        self.assertEqual(third.approved_by_id, self.env.user)
        self.assertIn("Automatic: Held-out comparison", third.approval_note)
        self.assertIn("Automatic: the first model", first.approval_note)
        # Scoring now uses the company's own champion.
        stats = self.env["ai.risk.scoring"].score_company(self.company)
        self.assertFalse(stats["default_model"])
        self.assertEqual(stats["model_version"], third.version)
        # ... and its own calibrated time-to-payment champion
        Scoring = self.env["ai.risk.scoring"]
        ttp_model, ttp_record = Scoring._get_ttp_model(self.company)
        self.assertEqual(ttp_record, third_ttp)
        self.assertIsNotNone(ttp_model.calibration)
        self.assertEqual(ttp_model.metadata.version, third_ttp.version)
        invoice = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("ai_risk_band", "!=", False)], limit=1
        )
        history = Scoring._extract_history(self.company)
        rows = history.index[history["invoice_id"] == str(invoice.id)].to_numpy()
        today = fields.Date.context_today(Scoring.with_company(self.company))
        expected = ttp_model.score_rows(history, rows, today).frame["p_paid_30d"].iloc[0]
        self.assertAlmostEqual(invoice.ai_p_paid_30d, round(expected * 100, 2), places=2)

    def test_training_keeps_customer_age_out(self):
        """The Settings switch reaches both trainings; tenure then changes no score."""
        self.env["res.config.settings"].create({"ai_exclude_customer_age": True}).execute()
        self.assertEqual(self.company._ai_excluded_attributes(), ("customer_age",))
        risk, ttp = self.env["ai.risk.model"]._train_for_company(self.company)
        self.assertEqual([risk.excluded_attributes, ttp.excluded_attributes], ["customer age"] * 2)
        Scoring = self.env["ai.risk.scoring"]
        history = Scoring._extract_history(self.company)
        today = pd.Timestamp(fields.Date.context_today(Scoring.with_company(self.company)))
        # each open invoice twice, the second from a customer invoiced for ten years
        X = build_features(history, today).X
        twin = X.copy()
        twin[:, FEATURE_NAMES.index("tenure_days")] = 3650.0
        self.assertTrue((twin != X).any())
        model = risk._load_risk_model()
        self.assertEqual(model.metadata.excluded_attributes, ("customer_age",))
        for a, b in zip(model.predict(X), model.predict(twin), strict=True):
            np.testing.assert_array_equal(a, b)
        rows = np.flatnonzero(history["paid_date"].isna().to_numpy())
        self.assertTrue(len(rows))
        X = ttp_features(history, rows, np.full(len(rows), today.to_datetime64()))
        twin = X.copy()
        twin[:, TTP_FEATURE_NAMES.index("tenure_days")] = 3650.0
        ttp_model = ttp._load_risk_model()
        np.testing.assert_array_equal(
            ttp_model.predict_paid_within_30d(X), ttp_model.predict_paid_within_30d(twin)
        )

    def test_monthly_retrain_cron(self):
        cron = self.env.ref("ar_ai_collections.ir_cron_ai_risk_retrain")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "months"))
        Model = self.env["ai.risk.model"]
        domain = [("company_id", "=", self.company.id)]
        cron.method_direct_trigger()
        champion = Model._get_champion(self.company)
        self.assertTrue(champion, "the first retraining makes a champion")
        count = Model.search_count(domain)
        # The champion is younger than the schedule: nothing is trained.
        cron.method_direct_trigger()
        self.assertEqual(Model.search_count(domain), count)
        # Due, but the challenger cannot beat the champion by the margin.
        champion.sudo().trained_at = fields.Datetime.now() - relativedelta(months=2)
        self.company.ai_risk_promotion_margin = 1.0
        cron.method_direct_trigger()
        self.assertEqual(Model.search_count(domain), count + 2)  # risk and time to payment
        challenger = Model.search([*domain, ("model_type", "=", "risk")], order="id desc", limit=1)
        self.assertEqual(challenger.state, "challenger")
        self.assertEqual(Model._get_champion(self.company), champion)
        self.assertIn("kept as challenger", challenger.message_ids[:1].body)
        # A monitoring alert makes the next run retrain the young champion's company,
        # once: the flag is cleared by the retraining.
        champion.sudo().trained_at = fields.Datetime.now()
        cron.method_direct_trigger()
        self.assertEqual(Model.search_count(domain), count + 2, "not due: nothing trained")
        self.company.ai_risk_retrain_required = True
        cron.method_direct_trigger()
        self.assertEqual(Model.search_count(domain), count + 4)
        self.assertFalse(self.company.ai_risk_retrain_required)
        cron.method_direct_trigger()
        self.assertEqual(Model.search_count(domain), count + 4)
