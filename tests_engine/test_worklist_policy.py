import numpy as np
import pandas as pd
import pytest

from ar_ai_collections import worklist_policy as wp
from ar_ai_collections.constants import WORKLIST_TIERS


def _invoices(rows):
    return pd.DataFrame(rows, columns=list(wp.INVOICE_COLUMNS))


def test_no_pay_probability_uses_score_then_ageing_prior():
    p = wp.no_pay_probability(
        np.array([30.0, 0.0, 0.0, 0.0]),
        np.array([80.0, 0.0, 0.0, 10.0]),
        np.array([10, 0, 400, 10]),
    )
    assert p[0] == pytest.approx(0.30)
    assert p[1] == pytest.approx(wp.PRIOR_BASE)
    assert p[2] == pytest.approx(wp.PRIOR_MAX)
    # Scored (late probability only) but a zero default probability: 0, not the prior.
    assert p[3] == pytest.approx(0.0)
    older = wp.no_pay_probability(np.zeros(3), np.zeros(3), np.array([10, 30, 60]))
    assert np.all(np.diff(older) > 0)


def test_customer_lines_expected_value_excludes_disputed_and_promised():
    lines = wp.customer_lines(
        _invoices(
            [
                ("A", 1000.0, 30, 50.0, 90.0, False, False),
                ("A", 500.0, 10, 20.0, 60.0, True, False),  # disputed
                ("A", 200.0, -5, 10.0, 30.0, False, False),  # not yet due
                ("B", 800.0, 45, 40.0, 70.0, False, True),  # promised
            ]
        )
    ).set_index("customer_id")
    a, b = lines.loc["A"], lines.loc["B"]
    assert a.overdue_amount == pytest.approx(1500.0)
    assert a.open_amount == pytest.approx(1700.0)
    assert a.at_risk_amount == pytest.approx(1200.0)
    assert a.expected_value == pytest.approx(1000 * 0.5 + 200 * 0.1)
    assert a.no_pay_probability == pytest.approx(100 * 520 / 1200)
    assert a.max_days_overdue == 30
    assert a.priority == pytest.approx(520 * (1 + wp.URGENCY_WEIGHT * 30 / wp.URGENCY_DAYS))
    assert b.expected_value == 0 and b.at_risk_amount == 0 and b.overdue_amount == 800
    assert list(lines.reset_index().columns) == list(wp.LINE_COLUMNS)


def test_customer_lines_empty():
    lines = wp.customer_lines(_invoices([]))
    assert lines.empty and list(lines.columns) == list(wp.LINE_COLUMNS)


def _lines(n, collector=1, **extra):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "collector_id": collector,
            "priority": rng.uniform(200, 5000, n),
            "expected_value": rng.uniform(200, 5000, n),
            "no_pay_probability": rng.uniform(30, 90, n),
            "overdue_amount": rng.uniform(100, 9000, n),
        }
    )
    for key, value in extra.items():
        frame[key] = value
    return frame


def test_call_now_fills_each_collector_capacity_by_priority():
    lines = pd.concat([_lines(30, collector=1), _lines(12, collector=2)], ignore_index=True)
    tiers = wp.assign_tiers(lines, capacity={1: 10, 2: 20})
    assert set(tiers) <= set(WORKLIST_TIERS)
    c1 = lines.collector_id == 1
    assert (tiers[c1] == wp.CALL_NOW).sum() == 10
    assert (tiers[c1] == wp.FOLLOW_UP).sum() == 20
    # Collector 2 has spare capacity: everyone worth a call is called.
    assert (tiers[~c1] == wp.CALL_NOW).all()
    # The ten called are collector 1's ten highest priorities.
    called = lines[c1 & (tiers == wp.CALL_NOW)].priority
    assert called.min() > lines[c1 & (tiers == wp.FOLLOW_UP)].priority.max()


def test_default_capacity_applies_to_unknown_and_unassigned_collectors():
    lines = _lines(8, collector=0)
    tiers = wp.assign_tiers(lines, params=wp.WorklistParams(default_capacity=3))
    assert (tiers == wp.CALL_NOW).sum() == 3
    assert (wp.assign_tiers(lines, capacity={0: 0}) == wp.CALL_NOW).sum() == 0


def test_likely_payers_and_small_amounts_are_not_called():
    lines = _lines(4)
    lines.loc[0, "no_pay_probability"] = 5.0  # likely to pay anyway, overdue
    lines.loc[1, "expected_value"] = 20.0  # not worth a call, overdue
    lines.loc[2, ["expected_value", "overdue_amount"]] = [20.0, 0.0]  # at risk, not overdue
    tiers = wp.assign_tiers(lines, capacity={1: 100})
    assert list(tiers) == [wp.AUTOMATED, wp.AUTOMATED, wp.WATCH, wp.CALL_NOW]
    # A very valuable line that is likely to pay anyway still gets no call.
    lines.loc[0, ["expected_value", "priority"]] = [1e6, 1e6]
    assert wp.assign_tiers(lines, capacity={1: 1})[0] == wp.AUTOMATED


def test_nothing_overdue_is_never_called_now():
    # Three customers worth a call on their not-yet-due amount at risk, nothing overdue:
    # at most a personal email (within the follow-up slots), never a call slot.
    lines = _lines(4)
    lines.loc[[0, 1, 2], "overdue_amount"] = 0.0
    lines["priority"] = [9000.0, 8000.0, 7000.0, 100.0]
    params = wp.WorklistParams(follow_up_per_call=2.0)
    tiers = wp.assign_tiers(lines, capacity={1: 1}, params=params)
    assert list(tiers) == [wp.FOLLOW_UP, wp.FOLLOW_UP, wp.WATCH, wp.CALL_NOW]
    # Escalated by a collector, it is called all the same (a person decided).
    lines["escalated"] = [True, False, False, False]
    assert wp.assign_tiers(lines, capacity={1: 1}, params=params)[0] == wp.CALL_NOW


def test_snoozed_watched_and_escalated_pinned():
    lines = _lines(5)
    lines["snoozed"] = [True, False, False, False, False]
    lines["escalated"] = [True, False, False, False, True]
    lines.loc[4, ["expected_value", "priority", "no_pay_probability"]] = [1.0, 1.0, 1.0]
    tiers = wp.assign_tiers(lines, capacity={1: 2})
    assert tiers[0] == wp.WATCH  # snoozed wins over escalated
    assert tiers[4] == wp.CALL_NOW  # escalated: called whatever its value
    assert (tiers == wp.CALL_NOW).sum() == 2  # escalation uses a call slot


def test_next_actions_dates():
    tiers = pd.Series([wp.CALL_NOW, wp.FOLLOW_UP, wp.WATCH, wp.WATCH, wp.AUTOMATED])
    today = pd.Timestamp("2026-03-02")
    promised = pd.Series([pd.NaT, pd.NaT, pd.Timestamp("2026-03-10"), pd.NaT, pd.NaT])
    snoozed = pd.Series([pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2026-03-20"), pd.NaT])
    out = wp.next_actions(tiers, today, promised, snoozed, grace_days=2)
    assert list(out.next_action) == ["call", "email", "check_promise", "wait", "reminder"]
    assert list(out.next_action_date.dt.strftime("%m-%d")) == [
        "03-02",
        "03-04",
        "03-12",
        "03-20",
        "03-02",
    ]
    assert set(wp.NEXT_ACTION_LABELS) >= set(out.next_action)


def test_recently_contacted_customers_are_not_called_twice():
    lines = _lines(3)
    lines["contacted"] = [True, False, False]
    lines["priority"] = [3000.0, 2000.0, 1000.0]
    tiers = wp.assign_tiers(lines, capacity={1: 1})
    # The top customer was reached this week: the call slot goes to the next one.
    assert list(tiers) == [wp.FOLLOW_UP, wp.CALL_NOW, wp.FOLLOW_UP]


def test_follow_ups_are_bounded_too():
    lines = _lines(20)
    params = wp.WorklistParams(follow_up_per_call=1.5)
    tiers = wp.assign_tiers(lines, capacity={1: 4}, params=params)
    assert (tiers == wp.CALL_NOW).sum() == 4
    assert (tiers == wp.FOLLOW_UP).sum() == 6
    assert (tiers == wp.AUTOMATED).sum() == 10
    # By priority: every follow-up outranks every automated reminder.
    assert lines.priority[tiers == wp.FOLLOW_UP].min() > lines.priority[tiers == wp.AUTOMATED].max()


def test_promises_of_customers_who_break_them_stay_partly_at_risk():
    rows = [
        ("Reliable", 1000.0, 20, 50.0, 80.0, False, True),
        ("Breaker", 1000.0, 20, 50.0, 80.0, False, True),
        ("Breaker", 500.0, 20, 50.0, 80.0, True, True),  # disputed wins
    ]
    invoices = _invoices(rows)
    invoices["promise_break_rate"] = [0.0, 0.75, 0.75]
    lines = wp.customer_lines(invoices).set_index("customer_id")
    assert lines.loc["Reliable", "at_risk_amount"] == 0.0
    assert lines.loc["Breaker", "at_risk_amount"] == pytest.approx(750.0)
    assert lines.loc["Breaker", "expected_value"] == pytest.approx(375.0)


def test_expected_value_uses_p_paid_within_30_days_when_answered():
    # P(paid within 30 days) 80% -> 20% not coming in without a call, whatever the
    # default probability; NaN (not answered) keeps the default probability.
    p = wp.no_pay_probability(
        np.array([60.0, 60.0]), np.array([80.0, 80.0]), np.array([30, 30]), np.array([80.0, np.nan])
    )
    np.testing.assert_allclose(p, [0.2, 0.6])
    invoices = _invoices(
        [
            ("A", 1000.0, 30, 60.0, 80.0, False, False),  # likely paid this month
            ("B", 1000.0, 30, 60.0, 80.0, False, False),  # unlikely
            ("C", 1000.0, 30, 60.0, 80.0, False, False),  # not answered
        ]
    ).assign(p_paid_30d=[90.0, 5.0, np.nan])
    lines = wp.customer_lines(invoices).set_index("customer_id")
    assert lines.loc["A", "expected_value"] == pytest.approx(100.0)
    assert lines.loc["B", "expected_value"] == pytest.approx(950.0)
    assert lines.loc["C", "expected_value"] == pytest.approx(600.0)
    assert lines["priority"].idxmax() == "B"


def test_customers_without_the_call_tier_are_never_called():
    lines = _lines(10, escalated=[True] + [False] * 9)
    top = lines["priority"].nlargest(3).index
    lines["call_tier"] = None  # the company's setting
    lines.loc[[0, *top], "call_tier"] = False  # an arm without calls
    tiers = wp.assign_tiers(lines, capacity={1: 3})
    assert not (tiers[[0, *top]] == wp.CALL_NOW).any()
    assert (tiers[[0, *top]] == wp.FOLLOW_UP).all()  # worth a call: personal follow-up
    # Their call slots go to the others.
    assert (tiers == wp.CALL_NOW).sum() == 3
    # The company without the call tier: nobody is called, an arm with it is.
    lines["call_tier"] = None
    lines.loc[top[0], "call_tier"] = True
    tiers = wp.assign_tiers(lines, capacity={1: 3}, params=wp.WorklistParams(call_tier=False))
    assert tiers[tiers == wp.CALL_NOW].index.tolist() == [top[0]]
