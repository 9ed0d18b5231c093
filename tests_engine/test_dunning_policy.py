"""Engine tests of the dunning policy maths (no Odoo)."""

from datetime import datetime, timezone

import numpy as np
import pytest

from ar_ai_collections import dunning_policy as policy
from ar_ai_collections.constants import RISK_BANDS

# Ladder: courtesy (-5, high/critical), first (7, all), call (15, high/critical), final (45, all)
LEVEL_DAYS = np.array([-5, 7, 15, 45])
ALL = [True] * len(RISK_BANDS)
RISKY = [band in ("high", "critical") for band in RISK_BANDS]
LEVEL_BANDS = np.array([RISKY, ALL, RISKY, ALL])


def rank(days, band, last=-1):
    return policy.next_level_rank(
        np.array([days]), [band], np.array([last]), LEVEL_DAYS, LEVEL_BANDS
    )[0]


def test_risk_dependent_timing_before_due():
    assert rank(-3, "high") == 0
    assert rank(-3, "low") == policy.NO_LEVEL
    assert rank(-6, "critical") == policy.NO_LEVEL


def test_low_risk_first_email_a_week_after_due():
    assert rank(6, "low") == policy.NO_LEVEL
    assert rank(7, "low") == 1
    # Call level does not apply to low risk: still the first reminder at 20 days.
    assert rank(20, "low", last=-1) == 1
    assert rank(20, "low", last=1) == policy.NO_LEVEL
    assert rank(20, "high", last=1) == 2


def test_jumps_to_highest_due_level_without_backlog_and_never_repeats():
    assert rank(60, "medium") == 3
    assert rank(60, "medium", last=3) == policy.NO_LEVEL
    assert rank(8, "high", last=0) == 1
    assert rank(8, "high", last=1) == policy.NO_LEVEL


def test_unscored_invoice_uses_default_band():
    assert rank(-3, None) == policy.NO_LEVEL  # medium: no courtesy
    assert rank(7, None) == 1


def test_vectorized_matches_scalar():
    rng = np.random.default_rng(0)
    n = 500
    days = rng.integers(-20, 100, n)
    bands = rng.choice(np.array([*RISK_BANDS, None], dtype=object), n)
    last = rng.integers(-1, 4, n)
    out = policy.next_level_rank(days, bands, last, LEVEL_DAYS, LEVEL_BANDS)
    for i in range(n):
        assert out[i] == rank(days[i], bands[i], last[i])


def test_empty_inputs():
    assert policy.next_level_rank(np.array([]), [], np.array([]), LEVEL_DAYS, LEVEL_BANDS).size == 0
    out = policy.next_level_rank(
        np.array([10]), ["low"], np.array([-1]), np.array([]), np.zeros((0, 4), bool)
    )
    assert out.tolist() == [policy.NO_LEVEL]


def test_next_level_date_offset():
    out = policy.next_level_date_offset(
        ["low", "high", "low"], np.array([-1, 1, 3]), LEVEL_DAYS, LEVEL_BANDS
    )
    assert out[0] == 7
    assert out[1] == 15
    assert np.isnan(out[2])


def test_frequency_cap():
    ok = policy.frequency_cap_ok(np.array([0, 1, 2, 1]), np.array([0, 0, 0, 1]), 2)
    assert ok.tolist() == [True, True, False, False]
    assert policy.frequency_cap_ok(np.array([9]), None, 0).tolist() == [True]


def test_business_hours_in_customer_time_zone():
    # Monday 2026-11-23 15:00 UTC = 10:00 in New York, 00:00 in Tokyo (Tuesday)
    now = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
    ok = policy.business_hours_ok(now, ["America/New_York", "Asia/Tokyo", None, "Bad/Zone"], 8, 18)
    assert ok.tolist() == [True, False, True, True]
    # Saturday
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert policy.business_hours_ok(saturday, ["UTC"], 8, 18).tolist() == [False]
    assert policy.business_hours_ok(saturday, ["UTC"], 8, 18, weekdays_only=False).tolist() == [
        True
    ]
    with pytest.raises(ValueError):
        policy.business_hours_ok(datetime(2026, 11, 23, 12), ["UTC"], 8, 18)


def test_min_amount_and_review():
    assert policy.min_amount_ok(np.array([10.0, 50.0]), 50).tolist() == [False, True]
    review = policy.needs_review(
        np.array([100.0, 60000.0, 10.0]), np.array([False, False, True]), 50000
    )
    assert review.tolist() == [False, True, True]
    assert policy.needs_review(np.array([1e9]), np.array([False]), 0).tolist() == [False]
