#!/usr/bin/env python3
"""Speed and memory of the risk engine (reproducible, seeded; not a test).

Measures, on a generated ledger of ``--size`` invoices (default 1,000,000):

1. training on the settled history (time and peak RSS, in a child process so
   the figure is the training's own; targets <= 180 s and <= 4 GiB);
2. point-in-time features + ONNX scoring of every invoice at its issue date
   (target <= 15 s for 1M), next to the naive customer-late-share baseline
   computed on the same rows in the same run;
3. ONNX batch scoring vs scikit-learn on the same model and rows (target >= 3x),
   each with its default threads, then both on one thread;
4. single-invoice latency, raw ``predict`` and full ``score`` with reasons
   (target <= 2 ms).

Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_engine_speed.py [--size 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections.features import (  # noqa: E402
    FeatureMatrix,
    _days,
    build_snapshot_features,
)
from ar_ai_collections.generator import generate_ledger  # noqa: E402

END = dt.date(2026, 6, 30)
MONTHS = 24
SEED = 42
#: ~44,000 customers x 24 months give ~1.07M invoices.
INVOICES_PER_CUSTOMER = 1.07e6 / 44_000


def _ledger(size: int):
    customers = max(20, round(size / INVOICES_PER_CUSTOMER))
    return generate_ledger(customers=customers, months=MONTHS, seed=SEED, end_date=END).history


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB


def _train_phase(size: int, model_path: Path) -> dict:
    """Child process: generate, train, export; ONNX vs sklearn on the same rows."""
    from ar_ai_collections import training
    from ar_ai_collections.scoring import RiskModel

    start = time.perf_counter()
    history = _ledger(size)
    gen_s = time.perf_counter() - start
    rss_before = _rss_gib()
    n_settled = int(history["paid_date"].notna().sum())
    start, cpu = time.perf_counter(), _cpu_s()
    trained = training.train_model(history, version="bench", seed=0)
    train_s = time.perf_counter() - start
    train_cpu = _cpu_s() - cpu
    peak = _rss_gib()
    model_path.write_bytes(trained.onnx_bytes)
    model = RiskModel.from_bytes(trained.onnx_bytes)
    rng = np.random.default_rng(SEED)
    rows = np.sort(rng.choice(len(history), min(len(history), 200_000), replace=False))
    X = build_snapshot_features(history, rows, _days(history["invoice_date"].to_numpy()[rows]))
    model.predict(X)  # warm-up (and creation of the bulk session)
    start = time.perf_counter()
    onnx_out = model.predict(X)
    onnx_s = time.perf_counter() - start
    start = time.perf_counter()
    sk_out = training.predict_sklearn(trained.estimators, X)
    sk_s = time.perf_counter() - start
    from threadpoolctl import threadpool_limits

    from ar_ai_collections import scoring

    # Equal budgets of one thread: sklearn's OpenMP pool limited, the model's bulk
    # session (every core, from scoring.BULK_ROWS rows) switched off.
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        training.predict_sklearn(trained.estimators, X)
        sk1_s = time.perf_counter() - start
    bulk_rows, scoring.BULK_ROWS = scoring.BULK_ROWS, len(X) + 1
    start = time.perf_counter()
    model.predict(X)
    onnx1_s = time.perf_counter() - start
    scoring.BULK_ROWS = bulk_rows
    parity = max(float(np.abs(a - b).max()) for a, b in zip(onnx_out[:2], sk_out[:2], strict=True))
    return {
        "invoices": len(history),
        "settled": n_settled,
        "generate_s": gen_s,
        "train_s": train_s,
        "train_cpu_s": train_cpu,
        "train_rows": trained.metadata.n_rows,
        "rss_before_train_gib": rss_before,
        "peak_rss_gib": peak,
        "model_bytes": len(trained.onnx_bytes),
        "batch_rows": len(X),
        "onnx_batch_s": onnx_s,
        "sklearn_batch_s": sk_s,
        "sklearn_1thread_batch_s": sk1_s,
        "onnx_1thread_batch_s": onnx1_s,
        "bulk_threads": scoring.BULK_THREADS,
        "parity_max_abs_diff": parity,
        "metrics": trained.metadata.metrics,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="invoices to generate")
    parser.add_argument("--phase", choices=("all", "train"), default="all", help=argparse.SUPPRESS)
    parser.add_argument("--model", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "train":
        print(json.dumps(_train_phase(args.size, args.model), default=float))
        return 0

    from ar_ai_collections.evaluation import naive_baselines
    from ar_ai_collections.scoring import RiskModel

    scale = args.size / 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "bench.onnx"
        print(f"[1/4] training on ~{args.size:,} invoices in a child process ...", flush=True)
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--phase",
                "train",
                "--size",
                str(args.size),
                "--model",
                str(model_path),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        tr = json.loads(out.stdout.strip().splitlines()[-1])
        model = RiskModel.from_bytes(model_path.read_bytes())

    print("[2/4] features + scoring of every invoice at its issue date ...", flush=True)
    history = _ledger(args.size)
    rows = np.arange(len(history))
    t = _days(history["invoice_date"].to_numpy())
    start, cpu = time.perf_counter(), _cpu_s()
    X = build_snapshot_features(history, rows, t)
    feat_s = time.perf_counter() - start
    start = time.perf_counter()
    p_late, _p_def, _days_late = model.predict(X)
    score_s = time.perf_counter() - start
    pipe_cpu = _cpu_s() - cpu
    start = time.perf_counter()
    naive_baselines(history, rows, t)
    base_s = time.perf_counter() - start

    print("[3/4] single-invoice latency ...", flush=True)
    one = X[:1]
    for _ in range(50):
        model.predict(one)
    lat = []
    for i in range(2000):
        start = time.perf_counter()
        model.predict(X[i : i + 1])
        lat.append(time.perf_counter() - start)
    lat = np.array(lat) * 1000
    frame = history.iloc[:1][["invoice_id", "customer_id", "invoice_date", "due_date", "amount"]]
    frame = frame.reset_index(drop=True)
    import pandas as pd

    from ar_ai_collections.features import FEATURE_NAMES

    fm = FeatureMatrix(
        frame=pd.concat([frame, pd.DataFrame(X[:1], columns=list(FEATURE_NAMES))], axis=1),
        X=X[:1],
        feature_names=FEATURE_NAMES,
        as_of=pd.Timestamp(history["invoice_date"].iloc[0]),
    )
    model.score(fm)
    full = []
    for _ in range(300):
        start = time.perf_counter()
        model.score(fm)
        full.append(time.perf_counter() - start)
    full = np.array(full) * 1000

    print("[4/4] results\n")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"  (wall-clock figures; load average at the end {' '.join(load)} on this machine)")
    n = len(history)
    pipeline_s = feat_s + score_s
    target_pipe = 15.0 * max(scale, 1e-9)
    speedup = tr["sklearn_batch_s"] / tr["onnx_batch_s"]
    train_ratio = tr["train_s"] / (180 * max(scale, 1e-9))
    rows_out = [
        (
            "invoices generated",
            f"{n:,} ({tr['settled']:,} settled); generation {tr['generate_s']:.1f} s",
        ),
        (
            "training time",
            f"{tr['train_s']:.1f} s on {tr['train_rows']:,} snapshot rows "
            f"(target 180 s at 1M, scaled: ratio {train_ratio:.2f}); "
            f"process CPU {tr['train_cpu_s']:.1f} s",
        ),
        (
            "training peak RSS",
            f"{tr['peak_rss_gib']:.2f} GiB (after generation {tr['rss_before_train_gib']:.2f}"
            f" GiB; target 4 GiB: ratio {tr['peak_rss_gib'] / 4:.2f})",
        ),
        ("model size", f"{tr['model_bytes'] / 1e6:.2f} MB"),
        ("features", f"{feat_s:.2f} s ({n / feat_s:,.0f} invoices/s)"),
        ("ONNX scoring", f"{score_s:.2f} s ({n / score_s:,.0f} invoices/s)"),
        (
            "features + scoring",
            f"{pipeline_s:.2f} s (target {target_pipe:.1f} s scaled: "
            f"ratio {pipeline_s / target_pipe:.2f}); process CPU {pipe_cpu:.1f} s",
        ),
        (
            "naive baseline, same rows",
            f"{base_s:.2f} s (features+scoring / baseline = {pipeline_s / base_s:.1f}x)",
        ),
        (
            "ONNX vs sklearn (default threads)",
            f"{tr['onnx_batch_s']:.3f} s ({tr['bulk_threads']} threads) vs "
            f"{tr['sklearn_batch_s']:.3f} s on {tr['batch_rows']:,} rows: ONNX "
            f"{speedup:.1f}x faster (target >= 3x); max |diff| {tr['parity_max_abs_diff']:.2e}",
        ),
        (
            "  same, both on 1 thread",
            f"{tr['onnx_1thread_batch_s']:.3f} s vs {tr['sklearn_1thread_batch_s']:.3f} s: ONNX "
            f"{tr['sklearn_1thread_batch_s'] / tr['onnx_1thread_batch_s']:.1f}x faster",
        ),
        (
            "single predict latency",
            f"median {np.median(lat):.3f} ms, p99 {np.percentile(lat, 99):.3f} ms (target <= 2 ms)",
        ),
        (
            "single score + reasons",
            f"median {np.median(full):.3f} ms, p99 {np.percentile(full, 99):.3f} ms",
        ),
    ]
    for label, text in rows_out:
        print(f"  {label:<34} {text}")
    print(
        f"\n  mean p_late {float(np.mean(p_late)):.3f}; validation metrics "
        + ", ".join(f"{k}={v:.3f}" for k, v in tr["metrics"].items() if isinstance(v, float))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
