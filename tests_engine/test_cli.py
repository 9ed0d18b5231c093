"""CLI: outputs and exit codes."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from ar_ai_collections import cli
from ar_ai_collections.features import FEATURE_NAMES


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli")
    code = cli.main(
        [
            "generate",
            "--customers",
            "30",
            "--months",
            "14",
            "--seed",
            "5",
            "--end-date",
            "2026-06-30",
            "--out",
            str(path / "h.csv"),
            "--customers-out",
            str(path / "c.csv"),
        ]
    )
    assert code == 0
    return path


@pytest.fixture(scope="module")
def model_path(workdir):
    out = workdir / "m.onnx"
    code = cli.main(
        [
            "train",
            "--history",
            str(workdir / "h.csv"),
            "--model-out",
            str(out),
            "--as-of",
            "2026-06-30",
            "--late-days",
            "5",
            "--report",
            str(workdir / "r.json"),
        ]
    )
    assert code == 0
    return out


def test_generate_outputs(workdir):
    history = pd.read_csv(workdir / "h.csv")
    assert {"invoice_id", "customer_id", "invoice_date", "due_date", "amount", "paid_date"} <= set(
        history.columns
    )
    assert pd.read_csv(workdir / "c.csv")["customer_id"].nunique() == 30


def test_train_writes_model_and_report(model_path, workdir):
    from ar_ai_collections.scoring import RiskModel

    model = RiskModel.from_path(model_path)
    assert model.metadata.late_days == 5
    report = json.loads((workdir / "r.json").read_text())
    assert report["metadata"]["feature_names"] == list(FEATURE_NAMES)
    assert "auc" in report["metrics"]


def test_score_csv(model_path, workdir, capsys):
    out = workdir / "s.csv"
    code = cli.main(
        [
            "score",
            "--history",
            str(workdir / "h.csv"),
            "--model",
            str(model_path),
            "--as-of",
            "2026-05-31",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    scores = pd.read_csv(out)
    assert list(scores.columns[:8]) == [
        "invoice_id",
        "customer_id",
        "p_late",
        "p_default",
        "expected_days_late",
        "predicted_pay_date",
        "risk_band",
        "reasons",
    ]
    history = pd.read_csv(workdir / "h.csv", parse_dates=["invoice_date", "paid_date"])
    as_of = pd.Timestamp("2026-05-31")
    open_ids = history[
        (history["invoice_date"] <= as_of)
        & (history["paid_date"].isna() | (history["paid_date"] > as_of))
    ]["invoice_id"]
    assert set(scores["invoice_id"]) == set(open_ids)
    assert scores["p_late"].between(0, 1).all()
    assert json.loads(capsys.readouterr().out)["n_scored"] == len(scores)


def test_evaluate_report(workdir, capsys):
    report = workdir / "e.json"
    code = cli.main(["evaluate", "--history", str(workdir / "h.csv"), "--report", str(report)])
    assert code == 0
    data = json.loads(report.read_text())
    assert {"model", "baseline", "n_test", "split_date"} <= set(data)
    assert "AUC" in capsys.readouterr().out


def test_bad_history_exit_2_with_line_numbers(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "invoice_id,customer_id,invoice_date,due_date,amount,paid_date\n"
        "A1,C1,2025-01-01,2025-01-31,10,\n"
        "A2,C1,2025-13-01,2025-01-31,abc,\n"
    )
    code = cli.main(["train", "--history", str(bad), "--model-out", str(tmp_path / "m.onnx")])
    assert code == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "amount" in err
    assert not (tmp_path / "m.onnx").exists()


def test_missing_file_and_usage_exit_2(tmp_path, capsys):
    assert cli.main(["train", "--history", str(tmp_path / "nope.csv"), "--model-out", "x"]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["score", "--history", "h.csv"]) == 2  # missing required options
    assert cli.main(["score", "--history", "h.csv", "--as-of", "31/12/2025", "--out", "x"]) == 2
    assert "invalid date" in capsys.readouterr().err


def test_bad_model_exit_3(workdir, tmp_path, capsys):
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"\x00\x01 not a model")
    code = cli.main(
        [
            "score",
            "--history",
            str(workdir / "h.csv"),
            "--model",
            str(fake),
            "--as-of",
            "2026-05-31",
            "--out",
            str(tmp_path / "s.csv"),
        ]
    )
    assert code == 3
    assert "not a valid ONNX file" in capsys.readouterr().err


def test_not_enough_history_exit_4(workdir, tmp_path, capsys):
    small = tmp_path / "small.csv"
    lines = (workdir / "h.csv").read_text().splitlines()[:8]
    small.write_text("\n".join(lines) + "\n")
    code = cli.main(["train", "--history", str(small), "--model-out", str(tmp_path / "m.onnx")])
    assert code == 4
    assert "not enough history" in capsys.readouterr().err


def test_classify(tmp_path):
    src = tmp_path / "replies.csv"
    pd.DataFrame(
        {
            "id": [1, 2],
            "text": [
                "We will pay the full amount on 15 July 2026.",
                "This invoice is wrong, the unit price is not what we agreed.",
            ],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "labels.csv"
    assert cli.main(["classify", "--in", str(src), "--out", str(out), "--today", "2026-07-01"]) == 0
    labels = pd.read_csv(out, keep_default_na=False)
    assert list(labels.columns) == [
        "id",
        "text",
        "label",
        "category",
        "confidence",
        "promised_date",
        "promised_amount",
    ]
    # the CLI writes exactly what the engine's classifier predicts
    from ar_ai_collections.replies import ReplyClassifier

    expected = ReplyClassifier.load_default().predict(
        pd.read_csv(src)["text"].tolist(), today=dt.date(2026, 7, 1)
    )
    assert list(labels["label"]) == [p.label for p in expected]
    assert list(labels["category"]) == [p.category for p in expected]
    assert list(labels["promised_date"]) == [
        p.promised_date.isoformat() if p.promised_date else "" for p in expected
    ]
    assert labels["confidence"].between(0, 1).all()
    missing = tmp_path / "nocol.csv"
    missing.write_text("body\nhello\n")
    assert cli.main(["classify", "--in", str(missing), "--out", str(out)]) == 2


def test_module_entry_point(workdir):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "ar_ai_collections", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "train" in proc.stdout and "classify" in proc.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--as-of", "2300-01-01"], "outside the years 1900-2200"),
        (["--as-of", "1800-01-01"], "outside the years 1900-2200"),
        (["--late-days", "-3"], "-3 days is outside 0-3650"),
        (["--horizon-days", "-1"], "-1 days is outside 0-3650"),
        (["--horizon-days", "999999999"], "outside 0-3650"),
    ],
)
def test_absurd_options_exit_2(workdir, tmp_path, capsys, args, needle):
    out = tmp_path / "m.onnx"
    code = cli.main(["train", "--history", str(workdir / "h.csv"), "--model-out", str(out), *args])
    assert code == cli.EXIT_USAGE
    assert needle in capsys.readouterr().err
    assert not out.exists()


def test_absurd_amount_and_semicolons_exit_2_with_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "invoice_id,customer_id,invoice_date,due_date,amount,paid_date\n"
        "A1,C1,2025-01-01,2025-01-31,10,\n"
        "A2,C1,2025-01-01,2025-01-31,1.7e308,\n"
    )
    out = tmp_path / "s.csv"
    assert (
        cli.main(["score", "--history", str(bad), "--as-of", "2025-02-01", "--out", str(out)]) == 2
    )
    assert "line 3, column 'amount': '1.7e308' is above the maximum" in capsys.readouterr().err
    bad.write_text(bad.read_text().replace(",", ";"))
    assert (
        cli.main(["score", "--history", str(bad), "--as-of", "2025-02-01", "--out", str(out)]) == 2
    )
    assert "looks semicolon-separated; use commas" in capsys.readouterr().err
    assert not out.exists()
