#!/usr/bin/env python3
"""Train the bundled default risk model on the generator's data.

The default model scores companies that do not yet have enough history of
their own (see ``DEFAULT_MIN_HISTORY``). It is trained on a synthetic ledger
from :func:`ar_ai_collections.generator.generate_ledger`, deterministic for the
arguments below, and written to ``ar_ai_collections/data/default_model.onnx``::

    /opt/odoo18/venv/bin/python scripts/train_default_model.py
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
from ar_ai_collections.training import train_model  # noqa: E402

OUT = ROOT / "ar_ai_collections" / "data" / "default_model.onnx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--end-date", default="2026-06-30")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    end = dt.date.fromisoformat(args.end_date)
    ledger = generate_ledger(args.customers, args.months, args.seed, end)
    trained = train_model(
        ledger.history,
        as_of=end,
        version=f"default-{end.isoformat()}",
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    args.out.write_bytes(trained.onnx_bytes)
    print(json.dumps(trained.metadata.metrics, indent=2, default=str))
    print(f"wrote {args.out} ({len(trained.onnx_bytes) / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
