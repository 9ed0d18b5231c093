"""Benchmark of the reply classifier against baselines measured in the same run.

1. Held-out splits (25 %) of the shipped labelled set: the model is trained
   with ``train_reply_classifier`` on the other 75 % and scored with the numpy
   JSON scorer. Macro-F1 and per-class precision/recall/F1 for the label,
   macro-F1 for the dispute category (on true disputes), per language. Two
   evaluations: a random stratified split (optimistic, since generated replies
   built on the same core sentence land on both sides) and a 4-fold
   cross-validation grouped by core sentence, out-of-fold predictions pooled
   (the honest one: every held-out reply is built on a sentence never trained
   on).
2. An "unseen" set of replies written separately from the generator's
   fragments (below), scored with the model trained on the full shipped set:
   a check that the model does not merely recognise the generator's sentences.
3. The held-out set ``tests_engine/data/replies_heldout.csv`` (EN/FR/DE/ES/IT,
   written apart from the training templates and never copied into them):
   macro-F1 per language of the bundled classifier, next to the classifier
   shipped before that set existed (commit ``PREVIOUS_REVISION``, run with its
   own engine code taken from git) on the same rows.

Baselines, on the same rows: the majority class, and a multilingual keyword
rule (what a collector would write as a first mail filter).

Usage::

    /opt/odoo18/venv/bin/python benchmarks/bench_replies.py [--seed 0] [--test-size 0.25]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ar_ai_collections.constants import DISPUTE_CATEGORIES, REPLY_LABELS  # noqa: E402
from ar_ai_collections.replies import ReplyClassifier, train_reply_classifier  # noqa: E402

DATA = ROOT / "ar_ai_collections" / "data" / "replies_labelled.csv"
HELDOUT = ROOT / "tests_engine" / "data" / "replies_heldout.csv"
# The last commit whose bundled reply classifier predates the held-out set.
PREVIOUS_REVISION = "f5417ed"
LANGUAGES = ("en", "fr", "de", "es", "it")

# Keyword baseline: first matching rule wins (order matters).
KEYWORDS = [
    (
        "autoreply",
        r"out of (the )?office|automatic reply|auto-?reply|annual leave|absent|"
        r"abwesen|automatische antwort|r[ée]ponse automatique|urlaub|cong[ée]s",
    ),
    (
        "paid",
        r"\bpaid\b|already paid|transfer (went|was)|pay[eé]|r[ée]gl[ée]|bezahlt|"
        r"[üu]berwiesen|virement (est|a [ée]t[ée])",
    ),
    (
        "promise",
        r"will pay|we'll pay|payment (will|is planned)|by (the )?end of|next (week|friday)|"
        r"paierons|r[ée]glerons|sera effectu|werden .* (zahlen|begleichen)|zahlen .* bis|"
        r"erfolgt",
    ),
    (
        "dispute",
        r"dispute|wrong|incorrect|damaged|broken|never received|not received|"
        r"duplicate|twice|conteste|erron|endommag|jamais re[çc]u|doublon|falsch|"
        r"besch[äa]digt|nie .*angekommen|doppelt|widersprechen|bestreiten|cannot pay|"
        r"can't pay|difficult|insolv",
    ),
    (
        "request",
        r"copy|statement|resend|send (us|me)|bank details|iban|copie|relev[ée]|"
        r"rib|kopie|kontoauszug|bankverbindung",
    ),
]

CATEGORY_KEYWORDS = [
    ("duplicate_invoice", r"duplicate|twice|two invoices|doublon|deux fois|doppelt|zweimal"),
    ("already_paid", r"already paid|paid .*ago|d[ée]j[àa] .*r[ée]gl|bereits .*bezahlt"),
    ("goods_damaged", r"damaged|broken|defective|endommag|d[ée]fectu|besch[äa]digt|defekt"),
    (
        "goods_not_received",
        r"never received|not (arrived|received)|missing|jamais re[çc]u|"
        r"nie .*angekommen|fehlen",
    ),
    ("pricing", r"price|discount|quote|prix|remise|devis|preis|rabatt|angebot"),
    ("needs_copy_po", r"\bpo\b|purchase order|bon de commande|bestellnummer"),
    ("financial_hardship", r"cash|bankrupt|payment plan|difficult|tr[ée]sorerie|insolv|raten"),
    ("service_quality", r"not satisfied|quality|work|prestation|leistung|mangelhaft"),
    ("billing_error", r"vat|tva|mwst|mehrwertsteuer|quantity|quantit|error|erreur|falsch"),
]

# Written independently of scripts/generate_replies.py (different wording).
UNSEEN = [
    ("Hey, money's going out to you Thursday. Apologies again.", "promise", "none"),
    ("We are arranging the payment and you'll receive it before the 20th.", "promise", "none"),
    (
        "Our treasury will process your invoice in the first payment batch of January.",
        "promise",
        "none",
    ),
    ("I'll make sure the outstanding balance is cleared by Wednesday evening.", "promise", "none"),
    ("Le règlement interviendra courant de la semaine prochaine.", "promise", "none"),
    ("Wir begleichen den offenen Betrag bis Mitte nächster Woche.", "promise", "none"),
    ("Already transferred last Tuesday - check your account please.", "paid", "none"),
    ("Remittance advice attached, funds sent 02/11.", "paid", "none"),
    ("The amount was debited from our account on Friday.", "paid", "none"),
    ("Le paiement a été effectué, vous devriez le recevoir sous peu.", "paid", "none"),
    ("Betrag ist raus, Überweisung wurde gestern ausgeführt.", "paid", "none"),
    ("Please email the invoice to our AP inbox, we never got it.", "request", "none"),
    ("Could you provide an account statement as of 31 October?", "request", "none"),
    ("Pouvez-vous m'envoyer le détail des factures ouvertes ?", "request", "none"),
    ("Schicken Sie mir bitte die Rechnung nochmal zu.", "request", "none"),
    ("I'm on parental leave until March. Please contact finance@example.com.", "autoreply", "none"),
    ("Thank you for your message. This mailbox is not monitored.", "autoreply", "none"),
    ("Je suis actuellement absent et reviendrai le 2 janvier.", "autoreply", "none"),
    ("Vielen Dank für Ihre E-Mail. Ich bin ab dem 8. Januar wieder im Haus.", "autoreply", "none"),
    ("Thanks for letting me know.", "other", "none"),
    ("Great, we'd also like to order 50 more units next month.", "other", "none"),
    ("Merci pour l'information.", "other", "none"),
    ("Danke für die Info, ich gebe das weiter.", "other", "none"),
    ("We were charged for 5 licences but only use 3.", "dispute", "billing_error"),
    ("The invoice shows the wrong VAT number and address.", "dispute", "billing_error"),
    ("Your rate is higher than the one in our framework agreement.", "dispute", "pricing"),
    ("Der Preis ist höher als im Angebot vereinbart.", "dispute", "pricing"),
    ("The order never showed up at our site.", "dispute", "goods_not_received"),
    ("Nous attendons toujours la livraison, rien n'est arrivé.", "dispute", "goods_not_received"),
    ("Three of the chairs were scratched and one leg snapped.", "dispute", "goods_damaged"),
    ("Die Ware war bei Ankunft zerkratzt und teilweise zerbrochen.", "dispute", "goods_damaged"),
    ("The consultants did a poor job and missed every deadline.", "dispute", "service_quality"),
    ("La prestation n'a pas été réalisée correctement.", "dispute", "service_quality"),
    ("We paid this back in September, your reminder is a mistake.", "dispute", "already_paid"),
    (
        "Cette facture est payée depuis septembre, vos relances sont injustifiées.",
        "dispute",
        "already_paid",
    ),
    (
        "This is the same invoice you sent last week under another number.",
        "dispute",
        "duplicate_invoice",
    ),
    ("Diese Rechnung haben Sie uns doppelt geschickt.", "dispute", "duplicate_invoice"),
    (
        "Our AP system rejected the invoice, there's no purchase order reference on it.",
        "dispute",
        "needs_copy_po",
    ),
    (
        "We simply can't afford to pay right now, sales have collapsed.",
        "dispute",
        "financial_hardship",
    ),
    (
        "Nous sommes en grande difficulté financière, pouvons-nous étaler le paiement ?",
        "dispute",
        "financial_hardship",
    ),
    ("We never ordered anything from your company.", "dispute", "other"),
]


def keyword_label(text: str) -> str:
    low = text.lower()
    for label, pattern in KEYWORDS:
        if re.search(pattern, low):
            return label
    return "other"


def keyword_category(text: str) -> str:
    low = text.lower()
    for cat, pattern in CATEGORY_KEYWORDS:
        if re.search(pattern, low):
            return cat
    return "other"


def _macro(y, pred) -> float:
    from sklearn.metrics import f1_score

    return f1_score(y, pred, labels=list(REPLY_LABELS), average="macro", zero_division=0)


def _groups(df: pd.DataFrame) -> pd.Series | None:
    """Core-sentence groups from the generator, if the CSV is its unedited output."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from generate_replies import generate

    rows = pd.DataFrame(generate())
    if len(rows) != len(df) or not (rows["text"].to_numpy() == df["text"].to_numpy()).all():
        return None
    return rows["group"]


def _report(
    name: str, df: pd.DataFrame, model_y, model_c, kw_y, majority_y, extra: str = ""
) -> None:
    from sklearn.metrics import classification_report, f1_score

    y = df["label"].to_numpy()
    model_y, kw_y = np.asarray(model_y), np.asarray(kw_y)
    labels = list(REPLY_LABELS)
    m_model, m_major, m_kw = _macro(y, model_y), _macro(y, majority_y), _macro(y, kw_y)
    print(f"\n######## {name}: {len(df)} held-out predictions {extra}")
    print(
        f"LABEL macro-F1  model {m_model:.3f} | keyword rule {m_kw:.3f} | "
        f"majority class {m_major:.3f}   (model / keyword rule = {m_model / max(m_kw, 1e-9):.2f}x)"
    )
    print("model, per class:")
    print(classification_report(y, model_y, labels=labels, digits=3, zero_division=0))
    print("keyword rule, per class:")
    print(classification_report(y, kw_y, labels=labels, digits=3, zero_division=0))
    for lang in LANGUAGES:
        mask = (df["lang"] == lang).to_numpy()
        print(
            f"  {lang}: n={mask.sum():3d}  macro-F1 model {_macro(y[mask], model_y[mask]):.3f}"
            f" | keyword rule {_macro(y[mask], kw_y[mask]):.3f}"
        )
    disp = (df["label"] == "dispute").to_numpy()
    cats = list(DISPUTE_CATEGORIES)
    yc = df.loc[disp, "category"].to_numpy()
    model_c = np.asarray(model_c)[disp]
    kw_c = [keyword_category(t) for t in df.loc[disp, "text"]]
    mc = f1_score(yc, model_c, labels=cats, average="macro", zero_division=0)
    kc = f1_score(yc, kw_c, labels=cats, average="macro", zero_division=0)
    print(
        f"CATEGORY (true disputes, n={disp.sum()}) macro-F1  model {mc:.3f} | keyword rule {kc:.3f}"
    )
    print(classification_report(yc, model_c, labels=cats, digits=3, zero_division=0))


def _proba(clf: ReplyClassifier, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of ``frame``'s texts, each read on its own ``as_of`` day."""
    label_p = np.zeros((len(frame), len(clf.labels)))
    cat_p = np.zeros((len(frame), len(clf.categories)))
    for as_of, rows in frame.reset_index(drop=True).groupby("as_of", sort=False):
        lp, cp = clf.predict_proba(rows["text"].tolist(), date.fromisoformat(as_of))
        label_p[rows.index], cat_p[rows.index] = lp, cp
    return label_p, cat_p


def _fit_predict(train: pd.DataFrame, test: pd.DataFrame, seed: int):
    """Model labels and category-head argmax (for every row) on ``test``."""
    clf = train_reply_classifier(train, seed=seed)
    label_p, cat_p = _proba(clf, test)
    labels = [clf.labels[i] for i in label_p.argmax(axis=1)]
    cats = [clf.categories[i] for i in cat_p.argmax(axis=1)]
    return labels, cats, train["label"].value_counts().idxmax()


def evaluate_split(name: str, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> None:
    t0 = time.perf_counter()
    labels, cats, majority = _fit_predict(train, test, seed)
    took = time.perf_counter() - t0
    kw_y = [keyword_label(t) for t in test["text"]]
    _report(
        name,
        test,
        labels,
        cats,
        kw_y,
        np.array([majority] * len(test)),
        f"(train {len(train)}; train+score {took:.1f}s)",
    )


def evaluate_grouped_cv(df: pd.DataFrame, strata, groups, folds: int, seed: int) -> None:
    """Out-of-fold predictions of a grouped, stratified k-fold, pooled."""
    from sklearn.model_selection import StratifiedGroupKFold

    model_y = np.empty(len(df), dtype=object)
    model_c = np.empty(len(df), dtype=object)
    majority_y = np.empty(len(df), dtype=object)
    per_fold = []
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(df, strata, groups):
        labels, cats, majority = _fit_predict(df.iloc[train_idx], df.iloc[test_idx], seed)
        model_y[test_idx], model_c[test_idx], majority_y[test_idx] = labels, cats, majority
        per_fold.append(_macro(df["label"].to_numpy()[test_idx], np.asarray(labels)))
    kw_y = [keyword_label(t) for t in df["text"]]
    _report(
        f"Grouped {folds}-fold CV (held-out core sentences never seen in training)",
        df,
        model_y,
        model_c,
        kw_y,
        majority_y,
        f"(per-fold label macro-F1 {', '.join(f'{f:.3f}' for f in per_fold)})",
    )


def evaluate_unseen() -> None:
    full = ReplyClassifier.load_default()
    u = pd.DataFrame(UNSEEN, columns=["text", "label", "category"])
    preds = full.predict(u["text"].tolist())
    y = u["label"].to_numpy()
    model_y = np.array([p.label for p in preds])
    kw_y = np.array([keyword_label(t) for t in u["text"]])
    print(f"\n######## Unseen hand-written replies (n={len(u)}), bundled model")
    print(
        f"LABEL macro-F1  model {_macro(y, model_y):.3f} | keyword rule {_macro(y, kw_y):.3f};"
        f" accuracy model {(y == model_y).mean():.3f} | keyword rule {(y == kw_y).mean():.3f}"
    )
    disp = (u["label"] == "dispute").to_numpy()
    _, cat_p = full.predict_proba(u.loc[disp, "text"].tolist())
    model_c = np.array([full.categories[i] for i in cat_p.argmax(axis=1)])
    kw_c = np.array([keyword_category(t) for t in u.loc[disp, "text"]])
    yc = u.loc[disp, "category"].to_numpy()
    print(
        f"CATEGORY accuracy on true disputes (n={disp.sum()})  model {(yc == model_c).mean():.3f}"
        f" | keyword rule {(yc == kw_c).mean():.3f}"
    )
    for text, truth, pred in zip(u["text"], y, preds, strict=True):
        if truth != pred.label:
            print(f"  miss: {truth:9s} -> {pred.label}/{pred.category}: {text}")


_PREVIOUS_SCORER = """
import json, sys
from datetime import date
from ar_ai_collections.replies import ReplyClassifier
rows = json.load(sys.stdin)
clf = ReplyClassifier.load_default()
print(json.dumps([clf.predict([t], today=date.fromisoformat(d))[0].label for t, d in rows]))
"""


def _previous_labels(frame: pd.DataFrame) -> list[str] | None:
    """Labels given by the classifier (and engine code) of ``PREVIOUS_REVISION``."""

    def git(*args: str) -> bytes:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, check=True
        ).stdout

    try:
        paths = git("ls-tree", "-r", "--name-only", PREVIOUS_REVISION, "ar_ai_collections")
        with tempfile.TemporaryDirectory() as tmp:
            for path in paths.decode().split():
                target = Path(tmp) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(git("show", f"{PREVIOUS_REVISION}:{path}"))
            rows = json.dumps(list(zip(frame["text"], frame["as_of"], strict=True)))
            out = subprocess.run(
                [sys.executable, "-c", _PREVIOUS_SCORER],
                cwd=tmp,
                input=rows,
                capture_output=True,
                text=True,
                check=True,
            )
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"(previous classifier unavailable: {error})")
        return None
    return json.loads(out.stdout)


def evaluate_heldout() -> dict[str, float]:
    """Per-language macro-F1 on the held-out set: bundled vs previous classifier."""
    held = pd.read_csv(HELDOUT, keep_default_na=False)
    current = ReplyClassifier.load_default()
    label_p, _ = _proba(current, held)
    model_y = np.array([current.labels[i] for i in label_p.argmax(axis=1)])
    previous = _previous_labels(held)
    y = held["label"].to_numpy()
    print(f"\n######## Held-out replies by other authors (n={len(held)}, {HELDOUT.name})")
    print(f"label macro-F1 per language: bundled model | previous model ({PREVIOUS_REVISION})")
    scores = {}
    for lang in LANGUAGES:
        mask = (held["language"] == lang).to_numpy()
        scores[lang] = _macro(y[mask], model_y[mask])
        before = "n/a" if previous is None else f"{_macro(y[mask], np.array(previous)[mask]):.3f}"
        print(f"  {lang}: n={mask.sum():3d}  {scores[lang]:.3f} | {before}")
    for text, truth, pred in zip(held["text"], y, model_y, strict=True):
        if truth != pred:
            print(f"  miss: {truth:9s} -> {pred}: {' '.join(text.split())[:90]}")
    return scores


def main(argv: list[str] | None = None) -> int:
    from sklearn.model_selection import train_test_split

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-size", type=float, default=0.25)
    args = parser.parse_args(argv)

    df = pd.read_csv(DATA, keep_default_na=False)
    print(f"Labelled set: {len(df)} replies")
    counts = df.groupby(["label", "lang"]).size().unstack(fill_value=0)
    counts["total"] = counts.sum(axis=1)
    print(counts.to_string())
    print("share by language:", df["lang"].value_counts(normalize=True).round(3).to_dict())

    strata = df["label"] + "/" + df["category"]
    train, test = train_test_split(
        df, test_size=args.test_size, stratify=strata, random_state=args.seed
    )
    evaluate_split(
        "Random stratified split (optimistic: shares core sentences)", train, test, args.seed
    )
    groups = _groups(df)
    if groups is not None:
        evaluate_grouped_cv(df, strata, groups, round(1 / args.test_size), args.seed)
    else:
        print("(CSV differs from the generator output: grouped evaluation skipped)")
    evaluate_unseen()
    evaluate_heldout()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
