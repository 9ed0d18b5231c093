#!/usr/bin/env python3
"""Train a bundled default model on the generator's data.

``--model risk`` (the default) writes ``ar_ai_collections/data/default_model.onnx``,
the payment-risk model that scores companies without enough history of their own
(see ``DEFAULT_MIN_HISTORY``); ``--model ttp`` writes ``default_ttp_model.onnx``,
the time-to-payment model. Both are trained on a synthetic ledger from
:func:`ar_ai_collections.generator.generate_ledger`, deterministic for the
arguments below::

    /opt/odoo18/venv/bin/python scripts/train_default_model.py [--model ttp]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections.generator import generate_ledger  # noqa: E402
from ar_ai_collections.survival import DEFAULT_TTP_MODEL_PATH  # noqa: E402
from ar_ai_collections.training import train_model  # noqa: E402
from ar_ai_collections.ttp_model import train_ttp_model  # noqa: E402

OUT = {
    "risk": ROOT / "ar_ai_collections" / "data" / "default_model.onnx",
    "ttp": DEFAULT_TTP_MODEL_PATH,
}
#: A bundled model must stay small (it ships inside the addon).
MAX_BYTES = 2_000_000


def progress(message: str) -> None:
    print(message, file=sys.stderr)


def train(kind: str, history, end: dt.date) -> tuple[bytes, dict]:
    """ONNX bytes and metrics of the ``kind`` model trained on ``history``."""
    if kind == "risk":
        trained = train_model(
            history, as_of=end, version=f"default-{end.isoformat()}", progress=progress
        )
        return trained.onnx_bytes, trained.metadata.metrics
    trained = train_ttp_model(
        history,
        as_of=end,
        version=f"default-ttp-{end.isoformat()}",
        trained_at=f"{end.isoformat()}T00:00:00+00:00",
        progress=progress,
    )
    return trained.onnx_bytes, trained.metadata.to_dict()["metrics"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(OUT), default="risk")
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--end-date", default="2026-06-30")
    parser.add_argument("--out", type=Path, help="default: the bundled model's path")
    args = parser.parse_args(argv)
    out = args.out or OUT[args.model]
    end = dt.date.fromisoformat(args.end_date)
    ledger = generate_ledger(args.customers, args.months, args.seed, end)
    onnx_bytes, metrics = train(args.model, ledger.history, end)
    if len(onnx_bytes) > MAX_BYTES:
        print(f"model is {len(onnx_bytes)} bytes, over {MAX_BYTES}", file=sys.stderr)
        return 1
    out.write_bytes(onnx_bytes)
    print(json.dumps(metrics, indent=2, default=str))
    print(f"wrote {out} ({len(onnx_bytes) / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
