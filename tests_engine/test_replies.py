"""Reply classifier: shipped data and model, JSON scoring parity with scikit-learn."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_extraction import ADVERSARIAL_INPUTS, best_of_three

from ar_ai_collections.constants import DISPUTE_CATEGORIES, REPLY_LABELS
from ar_ai_collections.replies import (
    DEFAULT_CLASSIFIER_PATH,
    ReplyClassifier,
    ReplyClassifierError,
    ReplyPrediction,
    _fit_sklearn,
    normalize_reply,
    train_reply_classifier,
)

DATA = Path(__file__).resolve().parent.parent / "ar_ai_collections" / "data"
MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return pd.read_csv(DATA / "replies_labelled.csv", keep_default_na=False)


@pytest.fixture(scope="module")
def small(labelled) -> pd.DataFrame:
    """A stratified ~200-row sample: fast to train, every label and category present."""
    return (
        labelled.groupby(["label", "category"]).sample(n=12, random_state=0).reset_index(drop=True)
    )


@pytest.fixture(scope="module")
def default() -> ReplyClassifier:
    return ReplyClassifier.load_default()


# ---------------------------------------------------------------- shipped data
def test_labelled_set_is_large_varied_and_valid(labelled):
    assert list(labelled.columns) == ["text", "label", "category", "lang", "as_of"]
    assert len(labelled) >= 600
    assert set(labelled["label"]) == set(REPLY_LABELS)
    disputes = labelled[labelled["label"] == "dispute"]
    assert set(disputes["category"]) == set(DISPUTE_CATEGORIES)
    assert (labelled.loc[labelled["label"] != "dispute", "category"] == "none").all()
    share = labelled["lang"].value_counts(normalize=True)
    assert share["en"] >= 0.3 and share["fr"] >= 0.2 and share["de"] >= 0.2
    assert share["es"] >= 0.08 and share["it"] >= 0.08
    assert not labelled["text"].str.lower().duplicated().any()
    assert labelled["text"].str.len().between(2, 3000).all()


# ------------------------------------------------------------ scoring parity
def test_json_scoring_reproduces_sklearn_predict_proba(small, labelled):
    union, label_lr, cat_lr, _df = _fit_sklearn(small, seed=0)
    clf = train_reply_classifier(small, seed=0)
    clf = ReplyClassifier.from_json(clf.to_json())  # through the serialized form
    texts = [*labelled["text"].iloc[:150], "", "¿Qué? ÄÖÜ ß \u2013 naïve façade", "x"]
    X = union.transform([normalize_reply(t, MONDAY) for t in texts])
    label_p, cat_p = clf.predict_proba(texts, MONDAY)
    assert clf.labels == list(label_lr.classes_)
    assert clf.categories == list(cat_lr.classes_)
    np.testing.assert_allclose(label_p, label_lr.predict_proba(X), atol=1e-6, rtol=0)
    np.testing.assert_allclose(cat_p, cat_lr.predict_proba(X), atol=1e-6, rtol=0)


def test_binary_and_single_category_heads_match_sklearn(small):
    two = small[small["category"].isin(["pricing", "none"]) | (small["label"] != "dispute")]
    two = two[(two["label"] != "dispute") | (two["category"] == "pricing")]
    two = pd.concat([two, small[small["category"] == "goods_damaged"]])
    union, _label_lr, cat_lr, _ = _fit_sklearn(two)
    clf = train_reply_classifier(two)
    texts = list(small["text"].iloc[:40])
    X = union.transform([normalize_reply(t, MONDAY) for t in texts])
    np.testing.assert_allclose(
        clf.predict_proba(texts, MONDAY)[1], cat_lr.predict_proba(X), atol=1e-6
    )
    one = small[(small["label"] != "dispute") | (small["category"] == "pricing")]
    clf = train_reply_classifier(one)
    assert clf.categories == ["pricing"]
    preds = clf.predict(["The unit price doesn't match our agreed quote, we dispute it."])
    assert preds[0].category in ("pricing", "none")


def test_json_round_trip_is_identical_and_plain_json(default):
    payload = default.to_json()
    spec = json.loads(payload)
    assert spec["format"] == "ar_ai_collections.reply_classifier"
    again = ReplyClassifier.from_json(payload.decode("utf-8"))
    texts = ["We will pay next week", "Wir haben gestern bezahlt"]
    np.testing.assert_array_equal(default.predict_proba(texts)[0], again.predict_proba(texts)[0])
    assert DEFAULT_CLASSIFIER_PATH.read_bytes()[:1] == b"{"


@pytest.mark.parametrize(
    "payload",
    [
        b"\x80\x04\x95 not json",
        b"[]",
        b'{"format": "something-else"}',
        b'{"format": "ar_ai_collections.reply_classifier", "vectorizers": []}',
    ],
)
def test_corrupt_or_foreign_files_are_refused(payload):
    with pytest.raises(ReplyClassifierError):
        ReplyClassifier.from_json(payload)


def test_files_of_another_format_version_are_refused(default):
    spec = json.loads(default.to_json())
    spec["format_version"] = 1  # made before dates were read as past / future
    with pytest.raises(ReplyClassifierError, match="retrain"):
        ReplyClassifier.from_json(json.dumps(spec))


def test_model_reads_dates_as_past_or_future_not_their_shape():
    paid = normalize_reply("Die Rechnung wurde am 3. November bezahlt.", MONDAY)
    promised = normalize_reply("Nous allons régler cette facture le 20/12.", MONDAY)
    assert "zpast" in paid and "november" not in paid
    assert "zfuture" in promised and "0/0" not in promised
    assert "last friday zpast" in normalize_reply("paid last Friday", MONDAY)


def test_training_rejects_a_bad_as_of(small):
    bad = small.assign(as_of="2026-11-02")
    bad.loc[bad.index[3], "as_of"] = "next tuesday"
    with pytest.raises(ReplyClassifierError, match="as_of is not a date on rows \\[3\\]"):
        train_reply_classifier(bad)


def test_unknown_classes_in_file_are_refused(default):
    spec = json.loads(default.to_json())
    spec["heads"]["label"]["classes"][0] = "spam"
    with pytest.raises(ReplyClassifierError, match="unknown classes"):
        ReplyClassifier.from_json(json.dumps(spec))


# ------------------------------------------------------------ the contract
# Replies written for this test, not taken from the generator's fragments.
UNSEEN_REPLIES = [
    (
        "Hi, we'll transfer the money next Tuesday, sorry for the wait. Kind regards, Bob",
        "promise",
        "none",
    ),
    ("The payment was made on Monday by wire, please see attached confirmation.", "paid", "none"),
    ("Could you resend invoice 5521 as a PDF please? We can't find it.", "request", "none"),
    (
        "Automatic reply: I am on holiday until 4 January and have no access to my mailbox.",
        "autoreply",
        "none",
    ),
    ("The pallets arrived smashed and half the bottles were broken.", "dispute", "goods_damaged"),
    (
        "You have invoiced us twice for the same order, this is a duplicate.",
        "dispute",
        "duplicate_invoice",
    ),
    ("Nous réglerons cette facture le 15 décembre, désolés du retard.", "promise", "none"),
    (
        "Die Lieferung ist nie bei uns angekommen, wir zahlen nicht.",
        "dispute",
        "goods_not_received",
    ),
    (
        "Wir haben große Liquiditätsprobleme und bitten um Ratenzahlung.",
        "dispute",
        "financial_hardship",
    ),
    ("Thanks a lot, I passed your email on to our bookkeeper.", "other", "none"),
    ("We were billed for 20 hours but your engineer was here for 12.", "dispute", "billing_error"),
    ("Bitte senden Sie uns eine Kopie der Rechnung 8812.", "request", "none"),
    ("Je suis absente jusqu'au 3 janvier, réponse automatique.", "autoreply", "none"),
    ("We'll settle the balance on the 30th once our customer pays us.", "promise", "none"),
]


def test_default_model_on_unseen_replies(default):
    """Most replies worded unlike the training fragments are still right.

    A threshold, not a per-sentence oracle: the honest accuracy on new wording
    is measured in benchmarks/bench_replies.py (grouped split and unseen set).
    """
    preds = default.predict([t for t, _, _ in UNSEEN_REPLIES], today=MONDAY)
    misses = [
        (text, (label, category), (p.label, p.category))
        for p, (text, label, category) in zip(preds, UNSEEN_REPLIES, strict=True)
        if (p.label, p.category) != (label, category)
    ]
    label_ok = sum(p.label == label for p, (_, label, _) in zip(preds, UNSEEN_REPLIES, strict=True))
    assert label_ok / len(UNSEEN_REPLIES) >= 0.8, misses
    assert 1 - len(misses) / len(UNSEEN_REPLIES) >= 0.7, misses


def test_predict_fills_promise_and_follows_contract(default):
    texts = [
        "Hello, we will pay EUR 1.250,00 next Friday. Regards, Anna",
        "The unit price on the invoice is not what we agreed, we were quoted 20% less.",
        "Thanks, forwarded to our accounts team.",
    ]
    preds = default.predict(texts, today=MONDAY)
    assert len(preds) == 3 and all(isinstance(p, ReplyPrediction) for p in preds)
    promise, dispute, other = preds
    assert promise.label == "promise"
    assert promise.promised_date == date(2026, 11, 27)
    assert promise.promised_amount == 1250.0
    assert dispute.label == "dispute" and dispute.category == "pricing"
    assert dispute.promised_date is None and dispute.promised_amount is None
    assert other.label in REPLY_LABELS and other.category == "none"
    label_p, _ = default.predict_proba(texts, MONDAY)
    for pred, row in zip(preds, label_p, strict=True):
        assert pred.confidence == pytest.approx(row.max())
        assert 0.0 < pred.confidence <= 1.0
    np.testing.assert_allclose(label_p.sum(axis=1), 1.0)


def test_predict_edge_inputs(default):
    assert default.predict([]) == []
    with pytest.raises(TypeError):
        default.predict("a single string")


@pytest.mark.parametrize("text", ["", None, "   ", "\n\n\t", "> \n>>", "-- \n!?"])
def test_empty_reply_is_other_with_no_confidence(default, text):
    assert default.predict([text]) == [ReplyPrediction("other", "none", 0.0)]


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_INPUTS))
def test_crafted_replies_classify_fast(default, name):
    text = ADVERSARIAL_INPUTS[name]
    default.predict(["warm-up"])
    assert best_of_three(lambda: default.predict([text], today=MONDAY)) < 0.2


# ------------------------------------------------------------------ training
def test_training_rejects_bad_examples(small):
    with pytest.raises(ReplyClassifierError, match="unknown labels"):
        train_reply_classifier(pd.DataFrame({"text": ["a", "b"], "label": ["spam", "paid"]}))
    with pytest.raises(ReplyClassifierError, match="categories"):
        train_reply_classifier(
            pd.DataFrame(
                {"text": ["a", "b"], "label": ["dispute", "paid"], "category": ["weather", "none"]}
            )
        )
    with pytest.raises(ReplyClassifierError, match="columns"):
        train_reply_classifier(pd.DataFrame({"body": ["a"]}))
    with pytest.raises(ReplyClassifierError, match="two labels"):
        train_reply_classifier(pd.DataFrame({"text": ["a", "b"], "label": ["paid", "paid"]}))


def test_user_corrections_change_the_model(small):
    phrase = "Zorbulon gateway settlement confirmed for the account"
    before = train_reply_classifier(small, seed=0).predict([phrase])[0]
    corrections = pd.DataFrame(
        {
            "text": [f"{phrase} {i}" for i in range(6)],
            "label": "request",
            # corrections coming from Odoo may carry False / None / "" for "no category"
            "category": ["", None, False, float("nan"), "none", ""],
        }
    )
    after = train_reply_classifier(pd.concat([small, corrections]), seed=0).predict([phrase])[0]
    assert after.label == "request"
    assert before.label != "request" or after.confidence > before.confidence
    clf = train_reply_classifier(pd.concat([small, corrections]), seed=0)
    assert clf.metadata["n_examples"] == len(small) + 6


def test_held_out_per_class_f1_floor(labelled):
    """Held-out stratified split: every label keeps a sensible F1 (benchmarks/bench_replies.py
    reports the stricter grouped split, where held-out core sentences were never seen)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        labelled, test_size=0.25, stratify=labelled["label"], random_state=0
    )
    classifier = train_reply_classifier(train[["text", "label", "category"]], seed=0)
    predicted = [p.label for p in classifier.predict(test["text"].tolist(), today=MONDAY)]
    per_class = f1_score(test["label"], predicted, labels=list(REPLY_LABELS), average=None)
    assert dict(zip(REPLY_LABELS, per_class, strict=True)) == pytest.approx(
        dict.fromkeys(REPLY_LABELS, 1.0), abs=0.3
    ), per_class
    assert per_class.mean() >= 0.85, per_class
    disputes = test["label"] == "dispute"
    categories = [
        p.category
        for p, is_dispute in zip(
            classifier.predict(test["text"].tolist(), today=MONDAY), disputes, strict=True
        )
        if is_dispute
    ]
    assert f1_score(test.loc[disputes, "category"], categories, average="macro") >= 0.7


# ------------------------------------------------------ held-out, other authors
HELDOUT = Path(__file__).resolve().parent / "data" / "replies_heldout.csv"
# Measured on tests_engine/data/replies_heldout.csv (written apart from the training
# templates, never copied into them); the bundled classifier before this set existed
# scored EN 0.847, FR 0.741, DE 0.573. The goal is 0.90 for each of EN, FR, DE.
HELDOUT_MACRO_F1_FLOOR = {"en": 0.85, "fr": 0.85, "de": 0.85, "es": 0.9, "it": 0.75}


def test_heldout_macro_f1_per_language(default):
    from sklearn.metrics import f1_score

    heldout = pd.read_csv(HELDOUT, keep_default_na=False)
    assert heldout["language"].value_counts()[["en", "fr", "de"]].min() >= 40
    predicted = []
    for as_of, rows in heldout.groupby("as_of", sort=False):
        today = date.fromisoformat(as_of)
        predicted += [
            (i, p.label)
            for i, p in zip(
                rows.index, default.predict(rows["text"].tolist(), today=today), strict=True
            )
        ]
    heldout["predicted"] = pd.Series(dict(predicted))
    scores = {
        lang: f1_score(rows["label"], rows["predicted"], average="macro")
        for lang, rows in heldout.groupby("language")
    }
    assert set(scores) == set(HELDOUT_MACRO_F1_FLOOR)
    below = {lang: round(f1, 3) for lang, f1 in scores.items() if f1 < HELDOUT_MACRO_F1_FLOOR[lang]}
    assert not below, scores


# ------------------------------------------------ fresh held-out, frozen before tuning
FRESH_HELDOUT = Path(__file__).resolve().parent / "data" / "replies_heldout_fresh.csv"
# tests_engine/data/replies_heldout_fresh.csv (scripts/generate_replies_heldout.py): its
# own sentences, wrappers, seed and reply date, frozen before the classifier was tuned
# (tuning used grouped cross-validation on the training set only). Bundled classifier
# before it: EN 0.821, FR 0.790, DE 0.815; now EN 0.914, FR 0.902, DE 0.912.
FRESH_MACRO_F1_FLOOR = 0.90


def test_fresh_heldout_macro_f1_and_no_past_promise_date(default):
    from sklearn.metrics import f1_score

    heldout = pd.read_csv(FRESH_HELDOUT, keep_default_na=False)
    (as_of,) = heldout["as_of"].unique()
    today = date.fromisoformat(as_of)
    predictions = default.predict(heldout["text"].tolist(), today=today)
    heldout["predicted"] = [p.label for p in predictions]
    scores = {
        lang: f1_score(rows["label"], rows["predicted"], average="macro")
        for lang, rows in heldout.groupby("language")
    }
    assert set(scores) == {"en", "fr", "de"}
    below = {lang: round(f1, 3) for lang, f1 in scores.items() if f1 < FRESH_MACRO_F1_FLOOR}
    assert not below, scores
    past = [p.promised_date for p in predictions if p.promised_date and p.promised_date < today]
    assert not past
