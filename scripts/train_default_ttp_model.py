#!/usr/bin/env python3
"""Train the bundled default time-to-payment model on the generator's data.

Like ``scripts/train_default_model.py`` for the risk model: a synthetic ledger
from :func:`ar_ai_collections.generator.generate_ledger`, deterministic for the
arguments below (same arguments, same bytes), written to
``ar_ai_collections/data/default_ttp_model.onnx``::

    /opt/odoo18/venv/bin/python scripts/train_default_ttp_model.py
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
from ar_ai_collections.survival import DEFAULT_TTP_MODEL_PATH, train_ttp_model  # noqa: E402

#: The bundled model must stay small (it ships inside the addon).
MAX_BYTES = 2_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--end-date", default="2026-06-30")
    parser.add_argument("--out", type=Path, default=DEFAULT_TTP_MODEL_PATH)
    args = parser.parse_args(argv)
    end = dt.date.fromisoformat(args.end_date)
    ledger = generate_ledger(args.customers, args.months, args.seed, end)
    trained = train_ttp_model(
        ledger.history,
        as_of=end,
        version=f"default-ttp-{end.isoformat()}",
        trained_at=f"{end.isoformat()}T00:00:00+00:00",
        progress=lambda msg: print(msg, file=sys.stderr),
    )
    if len(trained.onnx_bytes) > MAX_BYTES:
        print(f"model is {len(trained.onnx_bytes)} bytes, over {MAX_BYTES}", file=sys.stderr)
        return 1
    args.out.write_bytes(trained.onnx_bytes)
    print(json.dumps(trained.metadata.to_dict()["metrics"], indent=2))
    print(f"wrote {args.out} ({len(trained.onnx_bytes) / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
