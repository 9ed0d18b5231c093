#!/usr/bin/env python3
"""Time-to-payment model and 13-week cash forecast next to two baselines (not a test).

Protocol (:mod:`ar_ai_collections.ttp_backtest`): cut dates every 14 days over
the last 40% of the history, the model trained once on what was known at the
first cut, then at every cut EVERY invoice open that day (overdue included)
scored with what was known then (a dispute flag counts only once settled).
Figures on the same rows for the model, (a) due date + the customer's mean
days late (never before the day after the cut) and (b) Kaplan-Meier curves by
days-overdue bucket: payment-date MAE, AUC and ECE of P(paid within 30 days),
13-week weekly-collections WAPE.

Data: the generator's ledger (1,000 customers x 24 months, seed 11) and, when
present, the IBM accounts receivable sample read IN PLACE from
``../shared/datasets/ibm_ar_sample/history.csv`` (never copied here). Goals:
MAE >= 15% below baseline (a); WAPE >= 20% below the better baseline; ECE <= 0.05.
Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_time_to_payment.py \\
        [--kinds blend,gbm,logistic] [--retrain-every N] [--ibm PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections.generator import generate_ledger  # noqa: E402
from ar_ai_collections.history import load_history  # noqa: E402
from ar_ai_collections.ttp_backtest import backtest_time_to_payment  # noqa: E402

IBM = ROOT.parent / "shared" / "datasets" / "ibm_ar_sample" / "history.csv"


def run(name: str, history, kind: str, retrain_every: int = 0, calibrate: bool = True) -> dict:
    start = time.perf_counter()
    report = backtest_time_to_payment(
        history, kind=kind, retrain_every=retrain_every, calibrate=calibrate
    )
    seconds = time.perf_counter() - start
    schedule = f", retrained every {retrain_every} cuts" if retrain_every else ""
    calibration = "company calibration" if calibrate else "uncalibrated"
    print(f"\n{name} [hazard: {kind}{schedule}, {calibration}, {seconds:.0f}s]")
    print(report.summary())
    print("  payment-date MAE by days overdue at the cut (model / cust. mean / K-M):")
    for bucket, row in report.extra["mae_days_by_bucket"].items():
        if row["n"]:
            print(
                f"    {bucket:<8} n={row['n']:<6} {row['model']:7.2f} "
                f"{row['customer_mean']:7.2f} {row['km']:7.2f}"
            )
    return {
        "name": name,
        "kind": kind,
        "calibrated": calibrate,
        "seconds": round(seconds, 1),
        **report.to_dict(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="blend", help="comma-separated: blend,gbm,logistic")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--ibm", type=Path, default=IBM)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--retrain-every", type=int, default=0, help="also run retraining every N cuts (0: no)"
    )
    parser.add_argument(
        "--uncalibrated", action="store_true", help="also run without the company calibration"
    )
    parser.add_argument("--no-ibm", action="store_true", help="the generator's ledger only")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    results = []
    ledger = generate_ledger(args.customers, 24, 11, dt.date(2026, 6, 30)).history
    ibm = load_history(args.ibm) if args.ibm.exists() and not args.no_ibm else None
    if ibm is None:
        print(f"(IBM sample not found at {args.ibm}: skipped)")
    for kind in kinds:
        tag = f"generator {args.customers} customers x 24 months (seed 11)"
        results.append(run(tag, ledger, kind))
        if args.uncalibrated:
            results.append(run(tag, ledger, kind, calibrate=False))
        if ibm is not None:
            results.append(run("IBM AR sample", ibm, kind))
        if args.retrain_every:
            results.append(run(tag, ledger, kind, args.retrain_every))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
