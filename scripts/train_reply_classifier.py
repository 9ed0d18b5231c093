"""Train the bundled reply classifier from the shipped labelled set.

Reads ``ar_ai_collections/data/replies_labelled.csv`` and writes
``ar_ai_collections/data/reply_classifier.json`` (plain JSON, no pickle).
Run from the repo root::

    /opt/odoo18/venv/bin/python scripts/train_reply_classifier.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections.replies import DEFAULT_CLASSIFIER_PATH, train_reply_classifier  # noqa: E402

DEFAULT_DATA = ROOT / "ar_ai_collections" / "data" / "replies_labelled.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_CLASSIFIER_PATH)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    examples = pd.read_csv(args.data, keep_default_na=False)
    classifier = train_reply_classifier(examples, seed=args.seed)
    payload = classifier.to_json()
    args.out.write_bytes(payload)
    print(f"trained on {len(examples)} replies -> {args.out} ({len(payload) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
