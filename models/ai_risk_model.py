"""Registry of the payment-risk models (ONNX) of each company.

Each record is one trained or uploaded ONNX model with its engine metadata and
evaluation metrics, of one of two types: the late-payment *risk* model
(P(paid after the due date) of invoices not yet due) and the *time-to-payment*
model (P(paid within 7/30/90 days), payment dates, bands), which carries its
company's calibration of P(paid within 30 days). Per company and type at most
one model is the *champion* (the one that scores; without one the bundled
default of that type scores); retrained or uploaded models start as
*challengers*.

Access: the ACL gives write and create to Collections Managers only and the
multi-company record rule limits them to their companies; every action checks
them (``check_access``) on the records it changes, so a manager of company A
cannot archive or promote company B's models by calling the buttons on B's ids.
The engine refuses a model file (size, external data, operators, trial
prediction: ``ar_ai_collections/model_guard.py``) before it is registered or
promoted. Training and the monthly retraining: ``ai_risk_model_training.py``.
"""

import base64
import json

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_datetime
from odoo.tools.sql import create_index

# Loaded onnxruntime sessions, keyed by (database, record id, write date).
_SESSION_CACHE = {}
_SESSION_CACHE_SIZE = 16


class AiRiskModel(models.Model):
    _name = "ai.risk.model"
    _description = "Payment Risk Model"
    _inherit = ["mail.thread"]
    _order = "company_id, trained_at desc, id desc"

    name = fields.Char(required=True, tracking=True)
    model_type = fields.Selection(
        [("risk", "Late-payment risk"), ("ttp", "Time to payment")],
        string="Type",
        required=True,
        default="risk",
        readonly=True,
        index=True,
    )
    version = fields.Char(required=True, readonly=True)
    engine_version = fields.Char(readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        readonly=True,
    )
    state = fields.Selection(
        [("champion", "Champion"), ("challenger", "Challenger"), ("archived", "Archived")],
        default="challenger",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    source = fields.Selection(
        [("trained", "Trained in Odoo"), ("uploaded", "Uploaded")],
        required=True,
        default="trained",
        readonly=True,
    )
    onnx_file = fields.Binary(string="ONNX Model", attachment=True, readonly=True)
    onnx_filename = fields.Char(readonly=True)
    train_start = fields.Date(string="Training From", readonly=True)
    train_end = fields.Date(string="Training To", readonly=True)
    n_rows = fields.Integer(string="Training Rows", readonly=True)
    late_days = fields.Integer(readonly=True)
    horizon_days = fields.Integer(readonly=True)
    metrics_json = fields.Text(string="Metrics (JSON)", readonly=True)
    auc = fields.Float(string="AUC", digits=(4, 3), readonly=True)
    brier = fields.Float(string="Brier Score", digits=(4, 3), readonly=True)
    ece = fields.Float(string="Calibration Error (ECE)", digits=(4, 3), readonly=True)
    baseline_auc = fields.Float(string="Baseline AUC", digits=(4, 3), readonly=True)
    feature_names = fields.Text(string="Features", readonly=True)
    excluded_attributes = fields.Char(
        string="Kept Out of the Model",
        readonly=True,
        help="Fairness attributes this model was trained without (Settings at its "
        "training); the fairness audit still reports them.",
    )
    calibration_json = fields.Text(
        string="Calibration (JSON)",
        readonly=True,
        help="Time-to-payment models: the company's calibration map of P(paid within "
        "30 days), fitted on its recent outcomes when the model was trained.",
    )
    trained_by_id = fields.Many2one("res.users", readonly=True)
    trained_at = fields.Datetime(string="Trained On", readonly=True)
    approval_note = fields.Text(
        string="Why Promote",
        tracking=True,
        help="Required to promote the model by hand: the reason a manager gives "
        "(automatic promotions write the held-out comparison).",
    )
    approved_by_id = fields.Many2one("res.users", readonly=True)
    approved_at = fields.Datetime(string="Approved On", readonly=True)

    def init(self):
        # At most one champion per company and model type, enforced by the database.
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS ai_risk_model_one_champion_per_company;
            CREATE UNIQUE INDEX IF NOT EXISTS ai_risk_model_one_champion_per_company_type
                ON ai_risk_model (company_id, model_type) WHERE state = 'champion'
            """
        )
        # The fast rescoring after posting / paying reads one customer's posted
        # invoices; account does not index account_move.commercial_partner_id.
        create_index(
            self.env.cr,
            "account_move_ai_risk_customer_invoice_idx",
            "account_move",
            ["commercial_partner_id", "company_id"],
            where="move_type = 'out_invoice'",
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_train_now(self):
        """Train a risk and a time-to-payment challenger on the company's history."""
        models = self._train_for_company(self.env.company, raise_if_too_small=True)
        return models[:1]._get_form_action()

    def action_promote(self):
        """Make this model the champion of its company (the previous one is archived),
        recording the manager who approved it and why (required)."""
        self.check_access("write")
        for model in self:
            if not (model.approval_note or "").strip():
                raise UserError(
                    self.env._(
                        "Say why %(model)s should become the champion (Why Promote) "
                        "before promoting it.",
                        model=model.display_name,
                    )
                )
            model._promote(model.approval_note)
        return True

    def action_set_archived(self):
        """Archive the model: it no longer scores nor competes."""
        self.check_access("write")
        self.write({"state": "archived"})
        return True

    def action_download_onnx(self):
        """Download the ONNX file."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/ai.risk.model/{self.id}/onnx_file/"
            f"{self.onnx_filename or 'model.onnx'}?download=true",
            "target": "self",
        }

    def action_open_upload_wizard(self):
        self.env["ai.risk.model.upload"].check_access("create")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Upload ONNX Model"),
            "res_model": "ai.risk.model.upload",
            "view_mode": "form",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    @api.model
    def _check_can_register(self, company):
        """Raise AccessError unless the user may create models of ``company``.

        Checked before the work (extracting a history, training, validating a
        file) rather than by the final ``create`` only: the history extraction
        is SQL, which no record rule filters.
        """
        self.check_access("create")
        if not self.env.su and company not in self.env.companies:
            raise AccessError(
                self.env._(
                    "You cannot manage the risk models of %(company)s.", company=company.name
                )
            )

    @api.model
    def _get_champion(self, company, model_type="risk"):
        """The ``model_type`` champion of ``company`` (empty if the bundled model
        scores), to read only."""
        # sudo: which model scores is public to score readers and Settings admins
        return self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("model_type", "=", model_type),
                ("state", "=", "champion"),
            ],
            limit=1,
        )

    def _get_form_action(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _promote(self, reason):
        """Make this model champion once the engine accepts it (trial prediction),
        approved by the current user for ``reason``.

        :raise UserError: the engine refuses the model; the champion stays.
        """
        self.ensure_one()
        if self.state == "champion":
            return
        self._engine_model(self._get_onnx_bytes(), self.company_id, self.model_type)
        previous = self._get_champion(self.company_id, self.model_type).with_env(self.env)
        if previous:
            previous.write({"state": "archived"})
            # One UPDATE swapping both states could hit the one-champion index first.
            previous.flush_recordset(["state"])
            previous.message_post(
                body=self.env._("Replaced as champion by %(model)s.", model=self.display_name)
            )
        self.write(
            {
                "state": "champion",
                "approved_by_id": self.env.user.id,
                "approved_at": fields.Datetime.now(),
                "approval_note": reason,
            }
        )
        self.message_post(
            body=self.env._(
                "Promoted to champion, approved by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            )
        )

    def _load_risk_model(self):
        """Return the engine model of this record: a RiskModel, or a TTPModel for a
        time-to-payment record (cached per write date)."""
        self.ensure_one()
        key = (self.env.cr.dbname, self.id, str(self.write_date))
        model = _SESSION_CACHE.get(key)
        if model is None:
            model = self._engine_model(self._get_onnx_bytes(), self.company_id, self.model_type)
            if self.model_type == "ttp":
                model.calibration = self._ttp_calibration()
            if len(_SESSION_CACHE) >= _SESSION_CACHE_SIZE:
                _SESSION_CACHE.pop(next(iter(_SESSION_CACHE)))
            _SESSION_CACHE[key] = model
        return model

    def _ttp_calibration(self):
        """The engine Calibration stored with this time-to-payment model (or None)."""
        self.ensure_one()
        if not self.calibration_json:
            return None
        from ..ar_ai_collections.ttp_calibration import Calibration

        return Calibration.from_json(self.calibration_json)

    def _get_onnx_bytes(self):
        self.ensure_one()
        data = self.with_context(bin_size=False).onnx_file
        return base64.b64decode(data) if data else b""

    @api.model
    def _model_name(self, kind, source):
        """What a person reads in the registry: "Payment risk, trained 27/11/2026 20:43"
        (the engine's timestamp version stays in its own field)."""
        how = self.env._("uploaded") if source == "uploaded" else self.env._("trained")
        when = format_datetime(self.env, fields.Datetime.now(), dt_format="short")
        return f"{kind}, {how} {when}"

    @api.model
    def _values_from_engine(self, onnx_bytes, metadata, company, source, filename=None):
        """Return create values from an engine ModelMetadata (or TTPMetadata, which
        has no training start, row count, lateness or horizon)."""
        metrics = dict(metadata.metrics or {})

        def metric(*names):
            for name in names:
                value = metrics.get(name)
                if isinstance(value, int | float):
                    return float(value)
            return 0.0

        return {
            "name": self._model_name(self.env._("Payment risk"), source),
            "version": metadata.version,
            "engine_version": metadata.engine_version,
            "company_id": company.id,
            "source": source,
            "state": "challenger",
            "onnx_file": base64.b64encode(onnx_bytes),
            "onnx_filename": filename or f"risk_model_{metadata.version}.onnx",
            "train_start": _to_date(getattr(metadata, "train_start", None)),
            "train_end": _to_date(metadata.train_end),
            "n_rows": int(getattr(metadata, "n_rows", 0) or 0),
            "late_days": int(getattr(metadata, "late_days", 0) or 0),
            "horizon_days": int(getattr(metadata, "horizon_days", 0) or 0),
            "metrics_json": json.dumps(metrics, indent=2, sort_keys=True, default=str),
            "auc": metric("auc", "roc_auc"),
            "brier": metric("brier", "brier_score"),
            "ece": metric("ece", "calibration_error"),
            "baseline_auc": metric("baseline_auc"),
            "feature_names": "\n".join(metadata.feature_names),
            "excluded_attributes": ", ".join(
                attribute.replace("_", " ") for attribute in metadata.excluded_attributes
            ),
            "trained_by_id": self.env.user.id,
            "trained_at": fields.Datetime.now(),
        }

    @api.model
    def _engine_model(self, onnx_bytes, company, model_type="risk"):
        """The engine's model of ``onnx_bytes`` (RiskModel, or TTPModel for
        ``model_type`` "ttp") under ``company``'s size limit.

        :raise UserError: the engine refuses the file (too big, external data,
            foreign operators or outputs, missing metadata, absurd trial
            prediction), with its reason.
        """
        from ..ar_ai_collections import scoring as engine_scoring
        from ..ar_ai_collections import ttp_model as engine_ttp

        loader = engine_ttp.TTPModel if model_type == "ttp" else engine_scoring.RiskModel
        try:
            return loader.from_bytes(onnx_bytes, max_bytes=company._ai_risk_model_max_bytes())
        except engine_scoring.ModelSignatureError as error:
            raise UserError(
                self.env._("This file is not a valid payment-risk model: %(error)s", error=error)
            ) from error

    @api.model
    def _create_from_bytes(self, onnx_bytes, company, filename=None, source="uploaded"):
        """Validate an ONNX file with the engine and register it as a challenger.

        :raise UserError: when the engine refuses the file; nothing is created then.
        """
        self._check_can_register(company)
        risk_model = self._engine_model(onnx_bytes, company)
        values = self._values_from_engine(
            onnx_bytes, risk_model.metadata, company, source, filename=filename
        )
        return self.create(values)


def _to_date(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    stamp = pd.Timestamp(value)
    return False if pd.isna(stamp) else stamp.date()
