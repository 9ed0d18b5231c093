"""Command line: ``python -m ar_ai_collections <command>`` (or ``ar-ai-collections``).

Commands: ``train``, ``score``, ``evaluate``, ``generate``, ``classify``, ``forecast``,
``kpis``, ``audit``, ``monitor``.
Progress goes to stderr, results to files (and a short summary to stdout).

Exit codes (stable, for scripts):

* 0: success;
* 1: unexpected error;
* 2: usage error or bad input (the history errors are listed by CSV line);
* 3: model error (not a valid / not a matching AI Collections model);
* 4: not enough history to train or evaluate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from .constants import MAX_HISTORY_YEAR, MIN_HISTORY_YEAR
from .features import ATTRIBUTE_FEATURES

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_NOT_ENOUGH_HISTORY = 4


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        raise _UsageError(f"{self.prog}: error: {message}")


def _progress(start: float):
    def say(message: str) -> None:
        print(f"[{time.monotonic() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def _date(value: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}, expected YYYY-MM-DD") from error
    if not MIN_HISTORY_YEAR <= date.year <= MAX_HISTORY_YEAR:
        raise argparse.ArgumentTypeError(
            f"date {value!r} is outside the years {MIN_HISTORY_YEAR}-{MAX_HISTORY_YEAR}"
        )
    return date


#: Upper bound of the day-count options (ten years).
MAX_DAYS_OPTION = 3650


def _days(value: str) -> int:
    """A day count between 0 and ``MAX_DAYS_OPTION``."""
    try:
        days = int(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid number of days {value!r}") from error
    if not 0 <= days <= MAX_DAYS_OPTION:
        raise argparse.ArgumentTypeError(
            f"{value} days is outside 0-{MAX_DAYS_OPTION} (a number of days after the due date)"
        )
    return days


def _auc(value: str) -> float:
    """An AUC between 0 and 1."""
    try:
        auc = float(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid AUC {value!r}") from error
    if not 0.0 <= auc <= 1.0:
        raise argparse.ArgumentTypeError(f"AUC {value} is outside 0-1")
    return auc


def _load(path: Path, say):
    from .history import load_history

    say(f"reading {path}")
    try:
        history = load_history(path)
    except FileNotFoundError as error:
        raise _UsageError(f"history file not found: {path}") from error
    say(f"{len(history)} invoices, {history['customer_id'].nunique()} customers")
    return history


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def _cmd_train(args, say) -> int:
    from .training import train_model

    history = _load(args.history, say)
    trained = train_model(
        history,
        as_of=args.as_of,
        late_days=args.late_days,
        horizon_days=args.horizon_days,
        version=args.version,
        progress=say,
        excluded_attributes=tuple(args.exclude_attribute or ()),
    )
    args.model_out.write_bytes(trained.onnx_bytes)
    say(f"model written to {args.model_out} ({len(trained.onnx_bytes) / 1e6:.2f} MB)")
    if args.report:
        _write_json(args.report, trained.report)
    print(json.dumps(trained.metadata.metrics, indent=2, default=str))
    return EXIT_OK


def _cmd_score(args, say) -> int:
    import pandas as pd

    from .features import build_features
    from .scoring import SCORE_COLUMNS, RiskModel, load_default_model
    from .ttp_model import TTP_SCORE_COLUMNS

    model = RiskModel.from_path(args.model) if args.model else load_default_model()
    history = _load(args.history, say)
    as_of = pd.Timestamp(args.as_of)
    say(f"building features of the invoices open at {as_of.date()}")
    features = build_features(history, as_of)
    say(f"scoring {len(features.frame)} invoices")
    frame = model.score(features, reasons=not args.no_reasons).to_frame()
    frame = _with_time_to_payment(frame, history, as_of, args.ttp_model, say)
    frame["predicted_pay_date"] = pd.to_datetime(frame["predicted_pay_date"]).dt.strftime(
        "%Y-%m-%d"
    )
    for col in ("pay_date_low", "pay_date_high"):
        frame[col] = pd.to_datetime(frame[col]).dt.strftime("%Y-%m-%d")
    frame[[*SCORE_COLUMNS, *TTP_SCORE_COLUMNS]].to_csv(args.out, index=False, float_format="%.4f")
    say(f"scores written to {args.out}")
    counts = frame["risk_band"].value_counts().to_dict()
    print(json.dumps({"n_scored": len(frame), "bands": counts}))
    return EXIT_OK


def _cmd_evaluate(args, say) -> int:
    from .evaluation import evaluate, weekly_backtest

    history = _load(args.history, say)
    if args.weekly:
        if not args.split_date:
            raise _UsageError("--weekly needs --split-date (the training cut-off)")
        report = weekly_backtest(history, args.split_date, late_days=args.late_days, progress=say)
    else:
        report = evaluate(
            history, split_date=args.split_date, late_days=args.late_days, progress=say
        )
    data = report.to_dict()
    ttp_summary = _time_to_payment_backtest(history, args, data, say)
    _write_json(args.report, data)
    print(report.summary())
    if ttp_summary:
        print(ttp_summary)
    return EXIT_OK


def _cmd_generate(args, say) -> int:
    from .generator import generate_ledger
    from .history import write_history

    say(f"generating {args.customers} customers over {args.months} months (seed {args.seed})")
    ledger = generate_ledger(args.customers, args.months, args.seed, args.end_date)
    write_history(ledger.history, args.out)
    say(f"{len(ledger.history)} invoices written to {args.out}")
    if args.customers_out:
        ledger.customers.to_csv(args.customers_out, index=False)
        say(f"customers written to {args.customers_out}")
    return EXIT_OK


def _cmd_classify(args, say) -> int:
    import pandas as pd

    from .replies import ReplyClassifier

    try:
        frame = pd.read_csv(args.input, dtype=str, keep_default_na=False)
    except FileNotFoundError as error:
        raise _UsageError(f"input file not found: {args.input}") from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise _UsageError(f"cannot read {args.input}: {error}") from error
    if args.column not in frame.columns:
        raise _UsageError(
            f"{args.input} has no '{args.column}' column (columns: {', '.join(frame.columns)})"
        )
    classifier = ReplyClassifier.load_default()
    say(f"classifying {len(frame)} replies")
    predictions = classifier.predict(frame[args.column].tolist(), today=args.today)
    out = frame.copy()
    out["label"] = [p.label for p in predictions]
    out["category"] = [p.category for p in predictions]
    out["confidence"] = [round(float(p.confidence), 4) for p in predictions]
    out["promised_date"] = [
        p.promised_date.isoformat() if p.promised_date else "" for p in predictions
    ]
    out["promised_amount"] = [
        "" if p.promised_amount is None else f"{p.promised_amount:.2f}" for p in predictions
    ]
    out.to_csv(args.out, index=False)
    say(f"labels written to {args.out}")
    print(json.dumps({"n": len(out), "labels": out["label"].value_counts().to_dict()}))
    return EXIT_OK


# --- time to payment and cash forecast (ar_ai_collections.survival / forecast) ---
def _with_time_to_payment(frame, history, as_of, model_path, say):
    """Score columns with P(paid within 7/30/90 days) and the model's pay dates."""
    from .ttp_model import TTPModel, load_default_ttp_model, merge_time_to_payment

    model = TTPModel.from_path(model_path) if model_path else load_default_ttp_model()
    say("time to payment of the open invoices")
    return merge_time_to_payment(frame, history, as_of, model)


def _time_to_payment_backtest(history, args, data: dict, say) -> str:
    """Add the time-to-payment backtest to an evaluation report; return its summary."""
    from .training import NotEnoughHistoryError
    from .ttp_backtest import backtest_time_to_payment

    if args.no_time_to_payment:
        return ""
    try:
        ttp = backtest_time_to_payment(history, progress=say)
    except NotEnoughHistoryError as error:
        data["time_to_payment"] = {"skipped": str(error)}
        return f"time to payment: skipped ({error})"
    data["time_to_payment"] = ttp.to_dict()
    return ttp.summary()


def _cmd_forecast(args, say) -> int:
    import pandas as pd

    from .forecast import forecast_collections, write_forecast
    from .ttp_model import TTPModel

    if not 1 <= args.weeks <= 104:
        raise _UsageError(f"--weeks must be between 1 and 104, got {args.weeks}")
    model = TTPModel.from_path(args.model) if args.model else None
    history = _load(args.history, say)
    forecast = forecast_collections(history, pd.Timestamp(args.as_of), args.weeks, model)
    write_forecast(forecast, args.out)
    say(f"forecast written to {args.out}")
    total = forecast.total
    print(
        json.dumps(
            {
                "weeks": args.weeks,
                "open_amount": round(forecast.open_amount, 2),
                "expected": round(float(total["expected"].sum()), 2),
            }
        )
    )
    return EXIT_OK


def _add_forecast_parser(sub) -> None:
    p = sub.add_parser("forecast", help="weekly cash collections forecast of the open invoices")
    p.add_argument("--history", type=Path, required=True)
    p.add_argument("--as-of", type=_date, required=True)
    p.add_argument("--weeks", type=int, default=13)
    p.add_argument("--model", type=Path, default=None, help="default: the bundled TTP model")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_cmd_forecast)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ar_ai_collections", description="AI Collections payment-risk engine")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("train", help="train a model on a history CSV and export it to ONNX")
    p.add_argument("--history", type=Path, required=True)
    p.add_argument("--model-out", type=Path, required=True)
    p.add_argument("--as-of", type=_date, default=None, help="train on what was known then")
    p.add_argument("--late-days", type=_days, default=0)
    p.add_argument("--horizon-days", type=_days, default=90)
    p.add_argument("--version", default=None)
    p.add_argument("--report", type=Path, default=None)
    p.add_argument(
        "--exclude-attribute",
        action="append",
        choices=tuple(ATTRIBUTE_FEATURES),
        help="keep this fairness attribute out of the model (repeatable); "
        "the audit still reports it",
    )
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("score", help="score the invoices open at a date")
    p.add_argument("--history", type=Path, required=True)
    p.add_argument("--model", type=Path, default=None, help="default: the bundled model")
    p.add_argument("--as-of", type=_date, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--no-reasons", action="store_true")
    p.add_argument("--ttp-model", type=Path, default=None, help="time-to-payment model")
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("evaluate", help="time-based evaluation against naive baselines")
    p.add_argument("--history", type=Path, required=True)
    p.add_argument("--split-date", type=_date, default=None)
    p.add_argument("--late-days", type=_days, default=0)
    p.add_argument("--weekly", action="store_true", help="weekly backtest after --split-date")
    p.add_argument("--no-time-to-payment", action="store_true", help="skip the TTP backtest")
    p.add_argument("--report", type=Path, required=True)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("generate", help="generate a demo invoice history")
    p.add_argument("--customers", type=int, default=80)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--end-date", type=_date, default=None)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--customers-out", type=Path, default=None)
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("classify", help="classify customer replies (CSV with a text column)")
    p.add_argument("--in", dest="input", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--column", default="text")
    p.add_argument("--today", type=_date, default=None, help="reference date for promises")
    p.set_defaults(func=_cmd_classify)

    from . import fairness, kpis, monitoring  # collections insights: their commands live with them

    kpis.add_cli_command(sub)
    fairness.add_cli_command(sub)
    monitoring.add_cli_command(sub)
    _add_forecast_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    from .history import HistoryError
    from .scoring import ModelSignatureError
    from .training import NotEnoughHistoryError

    say = _progress(time.monotonic())
    try:
        args = build_parser().parse_args(argv)
        return args.func(args, say)
    except _UsageError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except HistoryError as error:
        print(f"error: invalid history:\n{error}", file=sys.stderr)
        return EXIT_USAGE
    except ModelSignatureError as error:
        print(f"error: model refused: {error}", file=sys.stderr)
        return EXIT_MODEL
    except NotEnoughHistoryError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_ENOUGH_HISTORY
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        print(f"unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
