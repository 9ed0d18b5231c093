"""A/B tests of collection strategies: arms, sticky assignment, results and verdict.

Starting an experiment assigns every customer with an overdue invoice to an arm
by the engine's stable hash (:func:`..ar_ai_collections.experiments.assign`):
the same customer always lands in the same arm of an experiment. Customers
overdue later are assigned when the results are measured (monthly job or
"Measure now"). The outcome of a customer is the share of its overdue amount at
assignment collected within the horizon (credit notes are not collections);
customers whose horizon is not over yet wait. The engine compares every arm
with the control, stratified by risk band, and words the verdict.
"""

import datetime as dt
import uuid

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..ar_ai_collections.constants import EXPERIMENT_MIN_EFFECT

#: Weeks of nightly scoring the demo logs before its monitoring runs.
DEMO_LOGGED_WEEKS = 13

# Customers of a company with an overdue balance at %(day)s (company currency).
OVERDUE_CUSTOMERS_SQL = """
    SELECT m.commercial_partner_id, max(partner.ai_risk_band)
      FROM account_move m
      JOIN res_partner partner ON partner.id = m.commercial_partner_id
     WHERE m.company_id = %(company_id)s
       AND m.move_type = 'out_invoice'
       AND m.state = 'posted'
       AND m.invoice_date <= %(day)s
       AND m.invoice_date_due < %(day)s
       AND m.amount_total_signed - COALESCE((
               SELECT sum(p.amount)
                 FROM account_move_line l
                 JOIN account_partial_reconcile p ON p.debit_move_id = l.id
                WHERE l.move_id = m.id AND l.display_type = 'payment_term'
                  AND p.max_date <= %(day)s), 0) > 0.005
       AND NOT (m.commercial_partner_id = ANY(%(assigned)s))
     GROUP BY m.commercial_partner_id
"""

# Per assignment whose horizon is over: overdue balance at assignment and what was
# collected on it within the horizon, and the disputes opened meanwhile.
OUTCOME_SQL = """
    WITH inv AS (
        SELECT a.id AS assignment_id, m.id AS move_id, m.amount_total_signed AS amount,
               a.date_assigned AS day
          FROM ai_collection_experiment_assignment a
          JOIN account_move m ON m.commercial_partner_id = a.partner_id
                             AND m.company_id = %(company_id)s
                             AND m.move_type = 'out_invoice'
                             AND m.state = 'posted'
                             AND m.invoice_date <= a.date_assigned
                             AND m.invoice_date_due < a.date_assigned
         WHERE a.experiment_id = %(experiment_id)s
           AND a.date_assigned + %(horizon)s <= %(as_of)s::date
    ), settled AS (
        SELECT inv.assignment_id, inv.move_id, inv.amount,
               COALESCE(sum(p.amount) FILTER (WHERE p.max_date <= inv.day), 0) AS before,
               COALESCE(sum(p.amount) FILTER (
                   WHERE p.max_date > inv.day AND p.max_date <= inv.day + %(horizon)s
                     AND cm.move_type IS DISTINCT FROM 'out_refund'), 0) AS collected
          FROM inv
          JOIN account_move_line l ON l.move_id = inv.move_id AND l.display_type = 'payment_term'
          LEFT JOIN account_partial_reconcile p ON p.debit_move_id = l.id
          LEFT JOIN account_move_line cl ON cl.id = p.credit_move_id
          LEFT JOIN account_move cm ON cm.id = cl.move_id
         GROUP BY inv.assignment_id, inv.move_id, inv.amount
    )
    SELECT a.partner_id, arm.name AS arm, COALESCE(a.band, '') AS band,
           sum(GREATEST(s.amount - s.before, 0))::float8 AS overdue,
           sum(s.collected)::float8 AS collected,
           (SELECT count(*) FROM ai_collection_dispute d
             WHERE d.partner_id = a.partner_id AND d.company_id = %(company_id)s
               AND d.date_opened >= a.date_assigned
               AND d.date_opened <= a.date_assigned + %(horizon)s) AS disputes
      FROM settled s
      JOIN ai_collection_experiment_assignment a ON a.id = s.assignment_id
      JOIN ai_collection_experiment_arm arm ON arm.id = a.arm_id
     GROUP BY a.id, a.partner_id, arm.name, a.band
    HAVING sum(GREATEST(s.amount - s.before, 0)) > 0.005
"""


class AiCollectionExperiment(models.Model):
    _name = "ai.collection.experiment"
    _description = "Collection Strategy Experiment"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    key = fields.Char(
        readonly=True,
        copy=False,
        default=lambda self: uuid.uuid4().hex,
        help="Seed of the assignment hash: customers keep their arm for the experiment's life.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Finished")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    hypothesis = fields.Text(help="What is compared, and what the team expects.")
    date_start = fields.Date(string="Start", readonly=True, tracking=True)
    date_stop = fields.Date(string="Stop", readonly=True, tracking=True)
    horizon_days = fields.Integer(
        string="Collected Within (days)",
        default=30,
        help="Primary metric: share of the "
        "overdue amount at assignment collected within this many days.",
    )
    arm_ids = fields.One2many("ai.collection.experiment.arm", "experiment_id", string="Arms")
    assignment_ids = fields.One2many("ai.collection.experiment.assignment", "experiment_id")
    assignment_count = fields.Integer(compute="_compute_assignment_count")
    measured_on = fields.Date(readonly=True)
    customers_measured = fields.Integer(readonly=True)
    verdict = fields.Text(readonly=True)
    winner_arm_id = fields.Many2one(
        "ai.collection.experiment.arm", string="Adopted Arm", readonly=True, tracking=True
    )
    adopted_by_id = fields.Many2one("res.users", readonly=True)

    @api.depends("assignment_ids")
    def _compute_assignment_count(self):
        counts = dict(
            self.env["ai.collection.experiment.assignment"]._read_group(
                [("experiment_id", "in", self.ids)], ["experiment_id"], ["__count"]
            )
        )
        for experiment in self:
            experiment.assignment_count = counts.get(experiment, 0)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_start(self):
        """Start (managers): check the arms and assign today's overdue customers."""
        self.check_access("write")
        for experiment in self:
            if experiment.state != "draft":
                raise UserError(self.env._("Only a draft experiment can be started."))
            experiment._check_arms()
            today = fields.Date.context_today(experiment)
            experiment.write({"state": "running", "date_start": today})
            experiment._assign(today)
        return True

    def action_stop(self):
        """Stop (managers): no new customer is assigned; results are measured once more."""
        self.check_access("write")
        today = fields.Date.context_today(self)
        self.write({"state": "done", "date_stop": today})
        self._measure(today)
        return True

    def action_measure(self):
        """Measure now (managers)."""
        self.check_access("write")
        self._measure(fields.Date.context_today(self))
        return True

    def action_open_assignments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ar_ai_collections.ai_collection_experiment_assignment_action"
        )
        action["domain"] = [("experiment_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _check_arms(self):
        self.ensure_one()
        if len(self.arm_ids) < 2 or len(self.arm_ids.filtered("is_control")) != 1:
            raise UserError(self.env._("An experiment needs two arms or more, one the control."))
        if abs(sum(self.arm_ids.mapped("allocation")) - 100.0) > 1e-6:
            raise UserError(self.env._("The allocations of the arms must add up to 100%."))

    def _assign(self, day):
        """Assign the customers overdue at ``day`` not assigned yet (sticky hash)."""
        from ..ar_ai_collections import experiments as engine_experiments

        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            OVERDUE_CUSTOMERS_SQL,
            {
                "company_id": self.company_id.id,
                "day": day,
                "assigned": self.assignment_ids.partner_id.ids,
            },
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return 0
        partner_ids = [partner_id for partner_id, _band in rows]
        arms = {arm.name: arm.id for arm in self.arm_ids}
        chosen = engine_experiments.assign(
            partner_ids, self.key, {arm.name: arm.allocation for arm in self.arm_ids}
        )
        self.env.cr.execute(
            """
            INSERT INTO ai_collection_experiment_assignment (
                experiment_id, company_id, partner_id, arm_id, band, date_assigned,
                create_uid, write_uid, create_date, write_date)
            SELECT %(experiment)s, %(company)s, v.partner, v.arm, v.band, %(day)s,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%(partner)s::int[], %(arm)s::int[], %(band)s::varchar[])
                   AS v(partner, arm, band)
            """,
            {
                "experiment": self.id,
                "company": self.company_id.id,
                "day": day,
                "uid": self.env.uid,
                "partner": partner_ids,
                "arm": [arms[name] for name in chosen],
                "band": [band for _partner, band in rows],
            },
        )
        self.invalidate_recordset(["assignment_ids", "assignment_count"])
        return len(rows)

    def _measure(self, as_of):
        """Assign the newly overdue customers (running), then compute the results."""
        from ..ar_ai_collections import experiments as engine_experiments

        for experiment in self:
            if experiment.state == "running":
                experiment._assign(as_of)
            experiment.env.flush_all()
            experiment.env.cr.execute(
                OUTCOME_SQL,
                {
                    "company_id": experiment.company_id.id,
                    "experiment_id": experiment.id,
                    "horizon": experiment.horizon_days,
                    "as_of": as_of,
                },
            )
            columns = [column.name for column in experiment.env.cr.description]
            data = pd.DataFrame(experiment.env.cr.fetchall(), columns=columns)
            experiment.arm_ids.write(_EMPTY_RESULTS)
            values = {"measured_on": as_of, "customers_measured": len(data)}
            control = experiment.arm_ids.filtered("is_control")[:1]
            if data.empty or control.name not in set(data["arm"]):
                values["verdict"] = experiment.env._("No customer outcome to compare yet.")
                experiment.write(values)
                continue
            result = engine_experiments.analyze(
                data, control.name, min_effect=EXPERIMENT_MIN_EFFECT
            )
            comparisons = {c.arm: c for c in result.comparisons}
            disputes = data.groupby("arm")["disputes"].sum()
            for arm_result in result.arms:
                arm = experiment.arm_ids.filtered(lambda a, n=arm_result.arm: a.name == n)
                arm.write(_arm_values(arm_result, comparisons.get(arm_result.arm), disputes))
            values["verdict"] = "\n".join(c.verdict for c in result.comparisons)
            experiment.write(values)
        return True

    def _adopt(self, arm):
        """End the experiment with ``arm`` adopted: its strategy becomes the
        company's, recording who decided in the chatter."""
        self.ensure_one()
        arm._apply_to_company()
        self.write(
            {
                "winner_arm_id": arm.id,
                "adopted_by_id": self.env.uid,
                "state": "done",
                "date_stop": self.date_stop or fields.Date.context_today(self),
            }
        )
        timing = dict(arm._fields["dunning_timing"]._description_selection(self.env))
        self.message_post(
            body=self.env._(
                "%(arm)s adopted by %(user)s: dunning timing %(timing)s, ladder %(ladder)s, "
                "call tier %(call_tier)s. Verdict: %(verdict)s",
                arm=arm.name,
                user=self.env.user.name,
                timing=timing[arm.dunning_timing],
                ladder=", ".join(arm.dunning_level_ids.mapped("name")) or self.env._("unchanged"),
                call_tier=self.env._("on") if arm.worklist_call_tier else self.env._("off"),
                verdict=self.verdict or "-",
            )
        )

    @api.private
    @api.model
    def load_demo_insights(self, months=6, horizon_days=30):
        """Demo data: a finished experiment measured on the demo ledger (two arms,
        50/50, customers assigned when they became overdue over ``months`` months,
        the monthly job's pace, ended ``horizon_days`` days ago), the prediction log
        of a scoring run a week over the last :data:`DEMO_LOGGED_WEEKS` weeks (each
        as of its day, by the bundled models: what the nightly scoring would have
        logged; the last run is today's), then this month's KPIs, model monitoring
        and fairness audit."""
        today = fields.Date.context_today(self)
        stop = today - dt.timedelta(days=horizon_days)
        start = stop - relativedelta(months=months)
        experiment = self.create(
            {
                "name": self.env._("Risk-aware reminder timing vs age-only timing"),
                "key": "demo-timing",
                "company_id": self.env.company.id,
                "hypothesis": self.env._(
                    "Sending the reminders of high-risk customers earlier collects more of "
                    "the overdue amount within 30 days than the age-only ladder."
                ),
                "horizon_days": horizon_days,
                "arm_ids": [
                    fields.Command.create(
                        {
                            "name": self.env._("Age-only timing"),
                            "is_control": True,
                            "allocation": 50.0,
                            "dunning_timing": "age_only",
                        }
                    ),
                    fields.Command.create(
                        {
                            "name": self.env._("Risk-aware timing"),
                            "allocation": 50.0,
                            "dunning_timing": "risk_aware",
                        }
                    ),
                ],
            }
        )
        experiment.write({"state": "running", "date_start": start})
        self.env["ai.collections.demo"]._plan_on_booked_rows()
        for month in range(months + 1):
            experiment._assign(start + relativedelta(months=month))
        experiment.write({"state": "done", "date_stop": stop})
        experiment._measure(today)
        scoring = self.env["ai.risk.scoring"]
        for weeks in range(DEMO_LOGGED_WEEKS, -1, -1):
            scoring.score_company(self.env.company, as_of=today - dt.timedelta(weeks=weeks))
        self.env["ai.collection.kpi"]._refresh(self.env.company, today)
        return experiment


_EMPTY_RESULTS = {
    "customers": 0,
    "overdue_amount": 0.0,
    "collected_amount": 0.0,
    "metric": 0.0,
    "difference": 0.0,
    "ci_low": 0.0,
    "ci_high": 0.0,
    "p_value": 0.0,
    "significant": False,
    "customers_needed": 0,
    "verdict": False,
    "disputes": 0,
}


def _arm_values(arm, comparison, disputes):
    """Stored results of an arm (and of its comparison with the control)."""
    values = {
        "customers": arm.customers,
        "overdue_amount": arm.overdue,
        "collected_amount": arm.collected,
        "metric": 100.0 * arm.metric,
        "disputes": int(disputes.get(arm.arm, 0)),
    }
    if comparison is not None:
        values.update(
            {
                "difference": 100.0 * comparison.difference,
                "ci_low": 100.0 * comparison.ci_low if np.isfinite(comparison.ci_low) else 0.0,
                "ci_high": 100.0 * comparison.ci_high if np.isfinite(comparison.ci_high) else 0.0,
                "p_value": comparison.p_value if np.isfinite(comparison.p_value) else 0.0,
                "significant": comparison.significant,
                "customers_needed": max(comparison.customers_needed, 0),
                "verdict": comparison.verdict,
            }
        )
    return values
