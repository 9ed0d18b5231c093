"""Classify customer replies to payment reminders.

A reply is labelled one of ``constants.REPLY_LABELS`` (dispute, promise, paid,
request, autoreply, other); a dispute also gets one of
``constants.DISPUTE_CATEGORIES``; a promise gets the date and amount the
customer committed to (see :mod:`.extraction`).

The model is a TF-IDF (word 1-2 grams + character 2-5 grams within word
boundaries) -> multinomial logistic regression, one head for the label and one
for the dispute category, trained with scikit-learn (imported lazily, in
training only). It is stored as plain JSON (vocabularies, idf weights,
coefficients, intercepts) and scored here with numpy alone, reproducing
scikit-learn's ``predict_proba``: no pickle, nothing executable in the file.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .constants import DISPUTE_CATEGORIES, MAX_REPLY_CHARS, REPLY_LABELS
from .extraction import extract_amount, extract_promise_date, mask_dates, strip_quoted

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DEFAULT_CLASSIFIER_PATH",
    "ReplyClassifier",
    "ReplyClassifierError",
    "ReplyPrediction",
    "normalize_reply",
    "train_reply_classifier",
]

DEFAULT_CLASSIFIER_PATH = Path(__file__).resolve().parent / "data" / "reply_classifier.json"
FORMAT = "ar_ai_collections.reply_classifier"
FORMAT_VERSION = 2

# Training hyper-parameters (chosen on a validation split, see benchmarks/bench_replies.py).
WORD_PARAMS = {"analyzer": "word", "ngram_range": (1, 2), "min_df": 1, "max_features": 6000}
CHAR_PARAMS = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "max_features": 12000}
LABEL_C = 10.0
CATEGORY_C = 10.0
# Coefficients are stored with this many significant digits (keeps the JSON
# small; probabilities still match scikit-learn to well under 1e-6).
SIGNIFICANT_DIGITS = 8

_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_DIGIT = re.compile(r"\d")
_WORD_CHAR = re.compile(r"\w")


class ReplyClassifierError(ValueError):
    """A reply-classifier file or training set that cannot be used."""


class OutdatedClassifierError(ReplyClassifierError):
    """A classifier file written by an older engine (another feature layout)."""


@dataclass
class ReplyPrediction:
    """What a reply says: its label, dispute category and promise details."""

    label: str
    category: str
    confidence: float
    promised_date: date | None = None
    promised_amount: float | None = None


def normalize_reply(text: str, today: date) -> str:
    """Text the model sees: quoted reminder removed, dates marked, digits folded to ``0``.

    Removing the quoted reminder keeps our own wording ("if you have already
    paid...") from voting; each date is marked past or future relative to
    ``today`` (the day the reply was received), the strongest cue between "we
    paid" and "we will pay" in any language; folding digits makes amounts and
    invoice numbers look alike to the n-grams. At most ``MAX_REPLY_CHARS`` are read.
    """
    text = (text or "")[:MAX_REPLY_CHARS]
    body = strip_quoted(text).strip() or text
    return _DIGIT.sub("0", mask_dates(body, today))


def _strip_accents(s: str) -> str:
    # Same as sklearn.feature_extraction.text.strip_accents_unicode.
    try:
        s.encode("ASCII", errors="strict")
        return s
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", s)
        return "".join([c for c in normalized if not unicodedata.combining(c)])


class _Vectorizer:
    """numpy re-implementation of a fitted ``TfidfVectorizer`` (sublinear tf, l2)."""

    def __init__(self, spec: dict[str, Any]):
        self.analyzer = spec["analyzer"]
        if self.analyzer not in ("word", "char_wb"):
            raise ReplyClassifierError(f"unsupported analyzer {self.analyzer!r}")
        self.min_n, self.max_n = (int(n) for n in spec["ngram_range"])
        self.terms = list(spec["terms"])
        self.index = {term: i for i, term in enumerate(self.terms)}
        self.idf = np.asarray(spec["idf"], dtype=np.float64)
        if len(self.idf) != len(self.terms):
            raise ReplyClassifierError("vectorizer terms and idf differ in length")

    def _ngrams(self, doc: str) -> list[str]:
        doc = _strip_accents(doc.lower())
        if self.analyzer == "word":
            tokens = _TOKEN.findall(doc)
            grams = list(tokens) if self.min_n == 1 else []
            for n in range(max(self.min_n, 2), min(self.max_n + 1, len(tokens) + 1)):
                grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            return grams
        grams = []
        for w in _WHITE_SPACES.sub(" ", doc).split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(self.min_n, self.max_n + 1):
                offset = 0
                grams.append(w[offset : offset + n])
                while offset + n < w_len:
                    offset += 1
                    grams.append(w[offset : offset + n])
                if offset == 0:
                    break
        return grams

    def transform_one(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        for gram in self._ngrams(doc):
            j = self.index.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self.idf[idx]
        norm = math.sqrt(float(values @ values))
        return idx, (values / norm if norm else values)


class _Head:
    """A fitted ``LogisticRegression`` (multinomial, binary or single-class)."""

    def __init__(self, spec: dict[str, Any], n_features: int):
        self.classes = [str(c) for c in spec["classes"]]
        self.coef = np.asarray(spec["coef"], dtype=np.float64).reshape(-1, n_features)
        self.intercept = np.asarray(spec["intercept"], dtype=np.float64)
        n_classes = len(self.classes)
        expected = 0 if n_classes == 1 else (1 if n_classes == 2 else n_classes)
        if len(self.coef) != expected or len(self.intercept) != expected:
            raise ReplyClassifierError("classifier head has inconsistent shapes")

    def proba(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        if len(self.classes) == 1:
            return np.ones(1)
        z = self.coef[:, idx] @ values + self.intercept
        if len(self.classes) == 2:
            p = 1.0 / (1.0 + math.exp(-float(z[0])))
            return np.array([1.0 - p, p])
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()


class ReplyClassifier:
    """Label + dispute-category classifier, JSON-serializable, numpy-scored."""

    def __init__(self, spec: dict[str, Any]):
        if not isinstance(spec, dict) or spec.get("format") != FORMAT:
            raise ReplyClassifierError("not a reply-classifier file (missing format marker)")
        version = spec.get("format_version", 0)
        if version != FORMAT_VERSION:
            # Version 2 reads dates as past/future: older files saw other features.
            raise OutdatedClassifierError(
                f"reply-classifier format {version} does not match this engine's "
                f"{FORMAT_VERSION}: retrain it"
            )
        try:
            self._vectorizers = [_Vectorizer(v) for v in spec["vectorizers"]]
            n_features = sum(len(v.terms) for v in self._vectorizers)
            self._label_head = _Head(spec["heads"]["label"], n_features)
            self._category_head = _Head(spec["heads"]["category"], n_features)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ReplyClassifierError):
                raise
            raise ReplyClassifierError(f"corrupt reply-classifier file: {exc}") from exc
        unknown = set(self._label_head.classes) - set(REPLY_LABELS)
        unknown |= set(self._category_head.classes) - set(DISPUTE_CATEGORIES)
        if unknown:
            raise ReplyClassifierError(f"unknown classes in classifier: {sorted(unknown)}")
        self._offsets = np.cumsum([0] + [len(v.terms) for v in self._vectorizers])
        self._spec = spec
        self.metadata: dict[str, Any] = dict(spec.get("metadata", {}))

    # ------------------------------------------------------------------ I/O
    @classmethod
    def from_json(cls, data: bytes | str) -> ReplyClassifier:
        """Load a classifier from its JSON text (bytes or str)."""
        try:
            if isinstance(data, bytes):
                data = data.decode("utf-8")
            spec = json.loads(data)
        except ValueError as exc:
            raise ReplyClassifierError(f"reply classifier is not valid JSON: {exc}") from exc
        return cls(spec)

    @classmethod
    def load_default(cls) -> ReplyClassifier:
        """The classifier shipped with the engine (trained on the bundled set)."""
        return _load_default()

    def to_json(self) -> bytes:
        """The classifier as UTF-8 JSON bytes (``from_json`` reads it back)."""
        return json.dumps(self._spec, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def labels(self) -> list[str]:
        return list(self._label_head.classes)

    @property
    def categories(self) -> list[str]:
        return list(self._category_head.classes)

    # -------------------------------------------------------------- scoring
    def _features(self, text: str, today: date) -> tuple[np.ndarray, np.ndarray]:
        doc = normalize_reply(text, today)
        parts = [v.transform_one(doc) for v in self._vectorizers]
        idx = np.concatenate([p[0] + off for p, off in zip(parts, self._offsets, strict=False)])
        values = np.concatenate([p[1] for p in parts])
        return idx, values

    def predict_proba(
        self, texts: Sequence[str], today: date | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(label probabilities n x len(labels), category probabilities n x len(categories)).

        ``today`` is the day the replies were received (default: today).
        """
        texts = _check_texts(texts)
        today = today or date.today()
        label_p = np.zeros((len(texts), len(self._label_head.classes)))
        cat_p = np.zeros((len(texts), len(self._category_head.classes)))
        for i, text in enumerate(texts):
            idx, values = self._features(text, today)
            label_p[i] = self._label_head.proba(idx, values)
            cat_p[i] = self._category_head.proba(idx, values)
        return label_p, cat_p

    def predict(self, texts: Sequence[str], today: date | None = None) -> list[ReplyPrediction]:
        """Classify ``texts``; promises get their date (relative to ``today``) and amount."""
        texts = _check_texts(texts)
        today = today or date.today()
        label_p, cat_p = self.predict_proba(texts, today)
        out = []
        for text, lp, cp in zip(texts, label_p, cat_p, strict=True):
            if not _WORD_CHAR.search(strip_quoted(text).strip() or text):
                # Nothing to read (empty, whitespace, bare quote markers): no evidence.
                out.append(ReplyPrediction(label="other", category="none", confidence=0.0))
                continue
            k = int(np.argmax(lp))
            label = self._label_head.classes[k]
            pred = ReplyPrediction(label=label, category="none", confidence=float(lp[k]))
            if label == "dispute":
                pred.category = self._category_head.classes[int(np.argmax(cp))]
            elif label == "promise":
                pred.promised_date = extract_promise_date(text or "", today)
                pred.promised_amount = extract_amount(text or "")
            out.append(pred)
        return out


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise TypeError("texts must be a sequence of strings, not a single string")
    return ["" if t is None or (isinstance(t, float) and math.isnan(t)) else str(t) for t in texts]


@lru_cache(maxsize=1)
def _load_default() -> ReplyClassifier:
    if not DEFAULT_CLASSIFIER_PATH.exists():
        raise ReplyClassifierError(
            f"bundled reply classifier missing: {DEFAULT_CLASSIFIER_PATH} "
            "(run scripts/train_reply_classifier.py)"
        )
    return ReplyClassifier.from_json(DEFAULT_CLASSIFIER_PATH.read_bytes())


# ---------------------------------------------------------------- training
def _clean_examples(examples: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    missing = {"text", "label"} - set(examples.columns)
    if missing:
        raise ReplyClassifierError(f"training examples lack columns: {sorted(missing)}")
    df = examples.copy()
    if "category" not in df.columns:
        df["category"] = "none"
    df["text"] = df["text"].fillna("").astype(str)
    df["label"] = df["label"].fillna("").astype(str).str.strip().str.lower()
    # Missing categories (None, NaN, "", or Odoo's False) mean "none".
    df["category"] = [
        c.strip().lower() if isinstance(c, str) and c.strip() else "none" for c in df["category"]
    ]
    bad = sorted(set(df["label"]) - set(REPLY_LABELS))
    if bad:
        raise ReplyClassifierError(f"unknown labels {bad}; expected one of {REPLY_LABELS}")
    bad = sorted(set(df["category"]) - set(DISPUTE_CATEGORIES) - {"none"})
    if bad:
        raise ReplyClassifierError(
            f"unknown dispute categories {bad}; expected one of {DISPUTE_CATEGORIES} or 'none'"
        )
    # The day each reply was received: its dates are read as past or future from it.
    as_of = df["as_of"] if "as_of" in df.columns else pd.Series("", index=df.index)
    parsed = pd.to_datetime(as_of.replace({"": None, False: None}), errors="coerce")
    bad_rows = df.index[parsed.isna() & as_of.notna() & (as_of.astype(str) != "")]
    if len(bad_rows):
        raise ReplyClassifierError(
            f"as_of is not a date on rows {list(bad_rows[:5])}: {as_of[bad_rows[0]]!r}"
        )
    df["as_of"] = [d.date() if not pd.isna(d) else date.today() for d in parsed]
    df["lang"] = df["lang"].fillna("").astype(str) if "lang" in df.columns else ""
    df = df[df["text"].str.strip() != ""]
    if df["label"].nunique() < 2:
        raise ReplyClassifierError("training needs examples of at least two labels")
    return df.reset_index(drop=True)


def _fit_sklearn(examples: pd.DataFrame, seed: int = 0):
    """Fit the scikit-learn objects: (union, label_lr, category_lr or class name, frame)."""
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    # A small problem: BLAS threads only contend (4x slower on a shared 2-core box).
    with threadpool_limits(limits=1):
        return _fit_sklearn_unthreaded(examples, seed)


def _label_weights(df: pd.DataFrame) -> np.ndarray:
    """Sample weights giving every label the same weight within each language.

    In a language where disputes outnumber the rest, its common words would
    otherwise all vote "dispute". Rows without a language (users' corrections)
    keep weight 1, like an average row.
    """
    lang = df["lang"].astype(str) if "lang" in df.columns else None
    weights = np.ones(len(df))
    if lang is None or not (known := (lang != "").to_numpy()).any():
        return weights
    sizes = df[known].groupby([lang[known], df.loc[known, "label"]])["label"].transform("size")
    inverse = 1.0 / sizes.to_numpy()
    weights[known] = inverse * known.sum() / inverse.sum()
    return weights


def _fit_sklearn_unthreaded(examples: pd.DataFrame, seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    df = _clean_examples(examples)
    docs = [normalize_reply(t, d) for t, d in zip(df["text"], df["as_of"], strict=True)]
    common = {"lowercase": True, "strip_accents": "unicode", "sublinear_tf": True, "norm": "l2"}
    union = FeatureUnion(
        [
            ("word", TfidfVectorizer(**common, **WORD_PARAMS)),
            ("char", TfidfVectorizer(**common, **CHAR_PARAMS)),
        ]
    )
    X = union.fit_transform(docs)
    label_lr = LogisticRegression(C=LABEL_C, max_iter=3000, random_state=seed).fit(
        X, df["label"].to_numpy(), sample_weight=_label_weights(df)
    )
    mask = ((df["label"] == "dispute") & (df["category"] != "none")).to_numpy()
    cats = df.loc[mask, "category"].to_numpy()
    if len(set(cats)) >= 2:
        cat_lr: Any = LogisticRegression(
            C=CATEGORY_C, max_iter=3000, class_weight="balanced", random_state=seed
        ).fit(X[mask], cats)
    else:
        cat_lr = str(cats[0]) if len(cats) else "other"
    return union, label_lr, cat_lr, df


def _round(values: np.ndarray) -> list:
    flat = np.asarray(values, dtype=np.float64).ravel()
    return [float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in flat]


def _head_spec(lr: Any) -> dict[str, Any]:
    if isinstance(lr, str):
        return {"classes": [lr], "coef": [], "intercept": []}
    return {
        "classes": [str(c) for c in lr.classes_],
        "coef": _round(lr.coef_),
        "intercept": _round(lr.intercept_),
    }


def train_reply_classifier(examples: pd.DataFrame, seed: int = 0) -> ReplyClassifier:
    """Train on ``examples`` (columns text, label, category, as_of) and return the classifier.

    ``as_of`` is the day each reply was received (default: today); ``category`` is used
    for ``dispute`` rows only (rows whose category is
    ``none`` train the label head alone). Raises :class:`ReplyClassifierError`
    on unknown labels or categories, or when fewer than two labels are present.
    """
    union, label_lr, cat_lr, df = _fit_sklearn(examples, seed=seed)
    vectorizers = []
    for name, vec in union.transformer_list:
        terms = [""] * len(vec.vocabulary_)
        for term, j in vec.vocabulary_.items():
            terms[j] = term
        vectorizers.append(
            {
                "name": name,
                "analyzer": vec.analyzer,
                "ngram_range": list(vec.ngram_range),
                "terms": terms,
                "idf": _round(vec.idf_),
            }
        )
    spec = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": {
            "engine_version": __version__,
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "n_examples": len(df),
            "label_counts": {k: int(v) for k, v in df["label"].value_counts().items()},
            "seed": seed,
        },
        "vectorizers": vectorizers,
        "heads": {"label": _head_spec(label_lr), "category": _head_spec(cat_lr)},
    }
    return ReplyClassifier(spec)
