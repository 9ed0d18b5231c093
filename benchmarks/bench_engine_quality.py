#!/usr/bin/env python3
"""Risk-model quality next to naive baselines, on the SAME rows (not a test).

Two protocols (see :mod:`ar_ai_collections.evaluation`):

* time split: train on what was known at a split date, score every invoice
  issued after it at its issue date with the history known then;
* weekly backtest (production protocol): train once at a cut-off, then week by
  week score the invoices issued that week and not yet due, with only the
  history known at the end of that week.

Data: the generator's ledgers (seeded) and, when present, the IBM accounts
receivable sample read IN PLACE from ``../shared/datasets/ibm_ar_sample/history.csv``
(never copied into the repository). Baselines: the customer's late share so far
(AUC, PR-AUC, Brier, ECE), the customer's mean days late so far and "pays on the
due date" (days-late MAE). Goals: AUC >= baseline + 0.03; MAE >= 15% below the
customer-mean baseline. Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_engine_quality.py [--ibm PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections import evaluation  # noqa: E402
from ar_ai_collections.generator import generate_ledger  # noqa: E402
from ar_ai_collections.history import load_history  # noqa: E402

IBM = ROOT.parent / "shared" / "datasets" / "ibm_ar_sample" / "history.csv"
AUC_GOAL = 0.03
MAE_GOAL = 0.15


def _fmt(value) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def _line(label: str, model, base, lower_is_better: bool = False) -> str:
    if model is None or base is None or base == 0:
        return f"  {label:<22} model {_fmt(model)}  baseline {_fmt(base)}"
    ratio = model / base
    delta = model - base
    arrow = "better" if (delta < 0) == lower_is_better and delta != 0 else "worse"
    return (
        f"  {label:<22} model {_fmt(model)}  baseline {_fmt(base)}  "
        f"ratio {ratio:5.3f}  diff {delta:+.3f} ({arrow})"
    )


def show(name: str, report: evaluation.EvaluationReport, seconds: float) -> dict:
    d = report.to_dict()
    m, b = d["model"], d["baseline"]
    print(
        f"\n{name} [{d['protocol']}, cut {d['split_date']}, {d['n_test']} test invoices, "
        f"{d['late_rate'] * 100:.0f}% late, {seconds:.1f}s]"
    )
    print(_line("AUC paid late", m.get("auc"), b.get("auc")))
    print(_line("PR-AUC", m.get("pr_auc"), b.get("pr_auc")))
    print(_line("Brier", m.get("brier"), b.get("brier"), lower_is_better=True))
    print(_line("ECE", m.get("ece"), b.get("ece"), lower_is_better=True))
    print(_line("MAE days (cust. mean)", m.get("mae_days"), b.get("mae_days"), True))
    print(_line("MAE days (due date)", m.get("mae_days"), b.get("mae_days_due_date"), True))
    if m.get("default_auc") is not None:
        print(f"  AUC unpaid 90d        model {_fmt(m['default_auc'])}")
    goals = {}
    if m.get("auc") is not None and b.get("auc") is not None:
        goals["auc_goal_met"] = m["auc"] >= b["auc"] + AUC_GOAL
    if m.get("mae_days") is not None and b.get("mae_days"):
        goals["mae_reduction"] = 1 - m["mae_days"] / b["mae_days"]
        goals["mae_goal_met"] = goals["mae_reduction"] >= MAE_GOAL
    print(
        "  goals: AUC >= baseline+0.03: "
        f"{'MET' if goals.get('auc_goal_met') else 'not met'}; MAE reduction "
        f"{goals.get('mae_reduction', float('nan')) * 100:.1f}% (goal 15%): "
        f"{'MET' if goals.get('mae_goal_met') else 'not met'}"
    )
    return {"name": name, **d, "goals": goals, "seconds": round(seconds, 2)}


def run(name: str, func, *args) -> dict:
    start = time.perf_counter()
    report = func(*args)
    return show(name, report, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ibm", type=Path, default=IBM)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = []
    end = dt.date(2026, 6, 30)
    for customers, months, seed in ((60, 18, 21), (300, 24, 5), (1000, 24, 11)):
        history = generate_ledger(customers, months, seed, end).history
        split = pd.Timestamp(history["invoice_date"].quantile(0.75)).normalize()
        tag = f"generator {customers} customers x {months} months (seed {seed})"
        results.append(run(tag, evaluation.evaluate, history, split))
        results.append(run(tag, evaluation.weekly_backtest, history, split))
    if args.ibm.exists():
        ibm = load_history(args.ibm)
        for q in (0.6, 0.75):
            cut = pd.Timestamp(ibm["invoice_date"].quantile(q)).normalize()
            tag = f"IBM AR sample (cut at {int(q * 100)}% of invoices)"
            results.append(run(tag, evaluation.evaluate, ibm, cut))
            results.append(run(tag, evaluation.weekly_backtest, ibm, cut))
    else:
        print(f"\n(IBM sample not found at {args.ibm}: skipped)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
