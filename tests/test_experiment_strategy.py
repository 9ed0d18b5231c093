"""A/B tests change what the addon does: each arm's strategy reaches the dunning run
and the worklist for its customers, and adopting an arm makes it the company's."""

from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .test_dunning import TODAY, DunningCase
from .worklist_common import WorklistCase


def running_experiment(env, company, arms, customers, state="running"):
    """An experiment in ``state`` with ``arms`` (name -> strategy values, the first
    the control) and ``customers`` (partner -> arm name) assigned."""
    experiment = env["ai.collection.experiment"].create(
        {
            "name": "Strategy test",
            "company_id": company.id,
            "arm_ids": [
                (0, 0, {"name": name, "is_control": i == 0, "allocation": 50.0, **values})
                for i, (name, values) in enumerate(arms.items())
            ],
        }
    )
    experiment.write({"state": state, "date_start": "2026-01-01"})
    arm_of = {arm.name: arm for arm in experiment.arm_ids}
    env["ai.collection.experiment.assignment"].create(
        [
            {
                "experiment_id": experiment.id,
                "partner_id": partner.id,
                "arm_id": arm_of[name].id,
                "date_assigned": "2026-01-01",
            }
            for partner, name in customers.items()
        ]
    )
    return experiment


@tagged("post_install", "-at_install")
class TestExperimentDunning(DunningCase):
    def _levels_reached(self, partner):
        return self.env["ai.dunning.log"].search([("partner_id", "=", partner.id)]).level_id

    def test_age_only_and_risk_aware_arms_on_the_same_ledger(self):
        """Courtesy is set for the risky bands: a low-risk invoice 3 days before its
        due date gets it in the age-only arm only; outside the experiment the
        company's timing decides."""
        age_only, risk_aware, outside = (
            self._customer(name) for name in ("Age Arm", "Risk Arm", "Outside")
        )
        for partner in (age_only, risk_aware, outside):
            self._invoice(partner, -3, band="low")
        running_experiment(
            self.env,
            self.company,
            {"Age-only": {"dunning_timing": "age_only"}, "Risk-aware": {}},
            {age_only: "Age-only", risk_aware: "Risk-aware"},
        )
        self._run()
        self.assertEqual(self._levels_reached(age_only), self.level_courtesy)
        self.assertEqual(len(self._mails(age_only)), 1)
        self.assertFalse(self._levels_reached(risk_aware), "risk-aware: not for the low band")
        self.assertFalse(self._levels_reached(outside), "the company's timing: risk-aware")

    def test_company_timing_applies_outside_the_experiment(self):
        risk_aware, outside = self._customer("Risk Arm"), self._customer("Outside")
        for partner in (risk_aware, outside):
            self._invoice(partner, -3, band="low")
        running_experiment(
            self.env,
            self.company,
            {"Risk-aware": {"dunning_timing": "risk_aware"}, "Age-only": {}},
            {risk_aware: "Risk-aware"},
        )
        self.company.ai_dunning_timing = "age_only"
        self._run()
        self.assertEqual(self._levels_reached(outside), self.level_courtesy)
        self.assertFalse(self._levels_reached(risk_aware), "its arm's timing wins")

    def test_arm_ladder_and_finished_experiments(self):
        """An arm's set of levels is its customers' ladder (here without the second
        reminder: the call level comes next); a finished experiment no longer applies."""
        in_arm, finished = self._customer("Short Ladder"), self._customer("Finished")
        for partner in (in_arm, finished):
            move = self._invoice(partner, 35)
            self._executed(move, self.level_first, days_ago=15)
        short = {"dunning_level_ids": [(6, 0, (self.level_first | self.level_call).ids)]}
        running_experiment(self.env, self.company, {"Full": {}, "Short": short}, {in_arm: "Short"})
        running_experiment(
            self.env, self.company, {"Full": {}, "Short": short}, {finished: "Short"}, "done"
        )
        fresh = self._invoice(in_arm, 9)  # reaches the first reminder now
        self._run()
        self.assertEqual(self._levels_reached(in_arm), self.level_first | self.level_call)
        self.assertEqual(self._levels_reached(finished), self.level_first | self.level_second)
        # Its next level is the call (day 30), not the second reminder (day 20).
        self.assertEqual(fresh.ai_dunning_level_id, self.level_first)
        self.assertEqual(fresh.ai_dunning_next_date, TODAY + timedelta(days=21))

    def test_adopting_an_arm_applies_its_strategy_to_the_company(self):
        manager = new_test_user(
            self.env, login="adopt_manager", groups="ar_ai_collections.group_collections_manager"
        )
        experiment = running_experiment(
            self.env,
            self.company,
            {
                "Control": {},
                "Challenger": {
                    "dunning_timing": "age_only",
                    "worklist_call_tier": False,
                    "dunning_level_ids": [(6, 0, (self.level_first | self.level_call).ids)],
                },
            },
            {},
        )
        challenger = experiment.arm_ids.filtered(lambda arm: not arm.is_control)
        self.assertEqual(self.company.ai_dunning_timing, "risk_aware")
        self.assertTrue(self.company.ai_worklist_call_tier)
        challenger.with_user(manager).action_adopt()
        self.assertEqual(self.company.ai_dunning_timing, "age_only")
        self.assertFalse(self.company.ai_worklist_call_tier)
        ladder = self.env["ai.dunning.level"].search([("company_id", "=", self.company.id)])
        self.assertEqual(ladder, self.level_first | self.level_call)
        self.assertFalse(self.level_courtesy.active or self.level_second.active)
        self.assertEqual(
            (experiment.state, experiment.winner_arm_id, experiment.adopted_by_id),
            ("done", challenger, manager),
        )
        note = experiment.message_ids[0].body
        for words in ("Challenger adopted", "Age-only", "T first, T call", "call tier off"):
            self.assertIn(words, note)
        # The adopted ladder is the run's: after the first reminder, the call level.
        partner = self._customer("After Adoption")
        self._executed(self._invoice(partner, 35), self.level_first, days_ago=15)
        self._run()
        self.assertEqual(self._levels_reached(partner), self.level_first | self.level_call)

    def test_adopting_an_arm_without_levels_keeps_the_ladder(self):
        experiment = running_experiment(
            self.env, self.company, {"Control": {}, "Other": {"dunning_timing": "age_only"}}, {}
        )
        ladder = self.env["ai.dunning.level"].search([("company_id", "=", self.company.id)])
        experiment.arm_ids.filtered(lambda arm: not arm.is_control).action_adopt()
        self.assertEqual(self.company.ai_dunning_timing, "age_only")
        self.assertEqual(
            self.env["ai.dunning.level"].search([("company_id", "=", self.company.id)]), ladder
        )

    def test_arm_levels_belong_to_the_company(self):
        elsewhere = self.setup_other_company(name="Elsewhere")["company"]
        other = self.env["ai.dunning.level"].create(
            {"name": "Elsewhere", "days": 5, "send_email": False, "company_id": elsewhere.id}
        )
        with self.assertRaises(ValidationError):
            running_experiment(
                self.env,
                self.company,
                {"A": {}, "B": {"dunning_level_ids": [(6, 0, other.ids)]}},
                {},
            )


@tagged("post_install", "-at_install")
class TestExperimentWorklist(WorklistCase):
    def _tier(self, partner):
        return self.env["ai.collection.worklist"].search([("partner_id", "=", partner.id)]).tier

    def test_an_arm_without_the_call_tier_is_never_called(self):
        no_calls, with_calls, outside = (
            self._customer(name) for name in ("No Calls", "With Calls", "Outside")
        )
        for partner in (no_calls, with_calls, outside):
            self._invoice(partner, 30, amount=5000.0, default_probability=60.0)
        running_experiment(
            self.env,
            self.company,
            {"Calls": {}, "No calls": {"worklist_call_tier": False}},
            {no_calls: "No calls", with_calls: "Calls"},
        )
        self.env["ai.collection.worklist"].refresh_company(self.company)
        self.assertEqual(self._tier(no_calls), "follow_up")
        self.assertEqual(self._tier(with_calls), "call_now")
        self.assertEqual(self._tier(outside), "call_now")
        # Escalating does not put it in the call tier either.
        line = self.env["ai.collection.worklist"].search([("partner_id", "=", no_calls.id)])
        line.action_escalate()
        self.assertNotEqual(self._tier(no_calls), "call_now")
        # The company without the call tier: only the arm with calls is called.
        self.company.ai_worklist_call_tier = False
        self.env["ai.collection.worklist"].refresh_company(self.company)
        self.assertEqual(self._tier(outside), "follow_up")
        self.assertEqual(self._tier(with_calls), "call_now")
