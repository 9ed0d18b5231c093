"""Registry of the payment-risk models, training: the monthly retraining of each
company's risk and time-to-payment models, and the promotion of a challenger that
beats its champion on the same held-out period (or when monitoring made the
retraining mandatory, whatever the interval of Settings).
"""

import logging

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from . import risk_model_evaluation as evaluation
from .cron_isolation import report_skipped

_logger = logging.getLogger(__name__)


class AiRiskModel(models.Model):
    _inherit = "ai.risk.model"

    @api.model
    def _train_for_company(self, company, raise_if_too_small=False):
        """Train a risk and a time-to-payment model on ``company``'s history and
        register them.

        The first model of each type becomes champion; later ones are challengers
        promoted only if they beat the champion of their type on the same period
        by the company's promotion margin (the comparison is posted on the
        challenger).

        :return: the new records, risk model first (empty when the history is too
            small; the risk model alone when too small for a time-to-payment one)
        """
        from ..ar_ai_collections import training as engine_training

        self._check_can_register(company)
        history = self.env["ai.risk.scoring"]._extract_history(company)
        settled = 0 if history is None else int(history["paid_date"].notna().sum())
        if history is None or settled < company.ai_risk_min_history:
            message = self.env._(
                "Not enough settled invoices to train a model: %(settled)s, at least "
                "%(minimum)s needed (Settings). The bundled default model keeps scoring.",
                settled=settled,
                minimum=company.ai_risk_min_history,
            )
            if raise_if_too_small:
                raise UserError(message)
            _logger.info("Payment risk training skipped for company %s: %s", company.id, message)
            return self.browse()
        as_of = pd.Timestamp(fields.Date.context_today(self.with_company(company)))
        trained = engine_training.train_model(
            history,
            as_of=as_of,
            late_days=company.ai_risk_late_days,
            progress=lambda msg: _logger.info("Payment risk training: %s", msg),
            excluded_attributes=company._ai_excluded_attributes(),
        )
        record = self.create(
            self._values_from_engine(trained.onnx_bytes, trained.metadata, company, "trained")
        )
        record._promote_if_better(history)
        return record | self._train_ttp_for_company(company, history, as_of)

    @api.model
    def _train_ttp_for_company(self, company, history, as_of):
        """Train, calibrate and register the company's time-to-payment model.

        :return: the new record, or empty when the history has too few payments
        """
        from ..ar_ai_collections import training as engine_training
        from ..ar_ai_collections import ttp_model as engine_ttp
        from ..ar_ai_collections.ttp_calibration import calibrate_company

        try:
            trained = engine_ttp.train_ttp_model(
                history,
                as_of=as_of,
                progress=lambda msg: _logger.info("Time-to-payment training: %s", msg),
                excluded_attributes=company._ai_excluded_attributes(),
            )
        except engine_training.NotEnoughHistoryError as error:
            _logger.info("Time-to-payment training skipped for company %s: %s", company.id, error)
            return self.browse()
        model = engine_ttp.TTPModel.from_bytes(trained.onnx_bytes)
        calibration = calibrate_company(model, history, as_of=as_of)
        model.calibration = calibration
        metadata = trained.metadata
        values = self._values_from_engine(trained.onnx_bytes, metadata, company, "trained")
        values.update(
            model_type="ttp",
            name=self._model_name(self.env._("Time to payment"), "trained"),
            onnx_filename=f"ttp_model_{metadata.version}.onnx",
            n_rows=metadata.n_periods,
            calibration_json=calibration.to_json(),
        )
        record = self.create(values)
        record.auc = evaluation.compare_ttp(record, history, model)["auc"]
        record._promote_if_better(history)
        return record

    def _promote_if_better(self, history):
        """Promote this new model if its type has no champion, or if it beats the
        champion on the same period by the company's margin (posted on it)."""
        self.ensure_one()
        company = self.company_id
        champion = self._get_champion(company, self.model_type)
        if not champion:
            self._promote(self.env._("Automatic: the first model of its type."))
            return
        if self.model_type == "ttp":
            held_out = evaluation.compare_ttp(champion, history, cut=self.train_end)
            comparison = {
                "start": held_out["start"],
                "n": held_out["n"],
                "challenger_auc": self.auc,
                "champion_auc": held_out["auc"],
            }
        else:
            comparison = evaluation.compare_risk(self, champion, history)
        margin = company.ai_risk_promotion_margin
        beats = comparison["challenger_auc"] >= comparison["champion_auc"] + margin
        summary = self.env._(
            "Held-out comparison from %(start)s (%(n)s invoices): challenger AUC "
            "%(challenger).3f, champion %(champion_name)s AUC %(champion).3f, margin "
            "%(margin).3f: %(decision)s.",
            start=comparison["start"],
            n=comparison["n"],
            challenger=comparison["challenger_auc"],
            champion_name=champion.display_name,
            champion=comparison["champion_auc"],
            margin=margin,
            decision=self.env._("promoted") if beats else self.env._("kept as challenger"),
        )
        self.message_post(body=summary)
        if beats:
            self._promote(self.env._("Automatic: %(comparison)s", comparison=summary))

    @api.model
    def _cron_retrain(self):
        """Monthly job: train a challenger for each company whose champion is due, or
        whose monitoring alerted since the last retraining."""
        # The cron runs as the superuser: every company, no record rule.
        companies = self.env["res.company"].search([("ai_risk_enabled", "=", True)])
        for company in companies:
            champion = self._get_champion(company)
            # A monitoring alert makes the retraining due whatever the interval.
            if champion and champion.trained_at and not company.ai_risk_retrain_required:
                due = champion.trained_at + relativedelta(
                    months=company.ai_risk_retrain_interval, days=-1
                )
                if fields.Datetime.now() < due:
                    continue
            try:
                with self.env.cr.savepoint():
                    if self._train_for_company(company):
                        company.ai_risk_retrain_required = False
            except Exception as error:  # whatever it is, the other companies go on
                report_skipped(company, self.env._("Risk model retraining"), error)
        return True
