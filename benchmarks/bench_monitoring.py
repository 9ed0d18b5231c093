#!/usr/bin/env python3
"""Drift drill of the model monitoring (reproducible, seeded; not a test).

On a generated ledger (``--customers`` over 30 months), the customers of
``--countries`` (about half of them by default) start paying 30 days later
from 2024-10-01. :func:`ar_ai_collections.monitoring_drill.drift_drill` trains the
model with the engine's training API (ONNX, scored with onnxruntime) 90 days
before the change, monitors the next two month ends on the unchanged
(control) and the changed (drift) ledger, retrains at the second run and
compares both models over the following three months. Prints the realized
AUC, ECE, PSI and alerts of every run and the figures after retraining.

Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_monitoring.py [--customers 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections.generator import generate_ledger  # noqa: E402
from ar_ai_collections.monitoring_drill import drift_drill  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--countries", default="BE,FR")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)

    ledger = generate_ledger(args.customers, 30, seed=4, end_date=dt.date(2025, 6, 30))
    customers = ledger.customers
    segment = customers.loc[customers["country"].isin(args.countries.split(",")), "customer_id"]
    print(
        f"{len(ledger.history):,} invoices, {len(customers):,} customers; "
        f"{len(segment)} ({len(segment) / len(customers):.0%}, {args.countries}) pay 30 days "
        "later from 2024-10-01"
    )
    t0 = time.perf_counter()
    drill = drift_drill(ledger.history, segment, "2024-10-01", delay_days=30, runs=2)
    print(f"drill (2 trainings, 4 monitoring runs): {time.perf_counter() - t0:.1f} s")
    print(f"validation AUC (out of sample, at issue): {drill.validation_auc:.3f}")
    runs = drill.runs.copy()
    runs["alerts"] = runs["alerts"].map(lambda kinds: ", ".join(kinds) or "-")
    print(runs.round(3).to_string(index=False))
    print("after retraining at the second run (same invoices, both models):")
    print(drill.retraining.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
