"""Extract promised payment dates and amounts from customer replies.

Rule-based and deterministic: customers write dates and amounts in a handful
of well-known shapes (English, French, German), so regular expressions do the
job reliably and explainably. Quoted reminder text ("> ...", "On ... wrote:",
"-----Original Message-----") is ignored, so the invoice's own due date or
amount quoted back is not mistaken for the customer's promise.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

__all__ = ["extract_amount", "extract_promise_date", "strip_quoted"]

# --------------------------------------------------------------------------
# Quoted text
# --------------------------------------------------------------------------
_QUOTE_HEADERS = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|message d'origine|urspr[üu]ngliche nachricht"
    r"|forwarded message|message transf[ée]r[ée])\s*-{2,}"
    r"|on .{0,120}\bwrote:|le .{0,120}\ba [ée]crit\s*:|am .{0,120}\bschrieb .{0,80}:"
    r"|from:\s.*|de\s*:\s.*|von:\s.*)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def strip_quoted(text: str) -> str:
    """Return ``text`` without quoted lines and anything after a reply header."""
    match = _QUOTE_HEADERS.search(text)
    if match:
        text = text[: match.start()]
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def _fold(text: str) -> str:
    """Lower-case and strip accents (keeps string length for ASCII-ish text)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("ß", "ss").replace("\u2019", "'")


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------
_MONTHS = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # French (accents folded)
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12,
    # German (umlauts folded)
    "januar": 1, "janner": 1, "februar": 2, "marz": 3, "maerz": 3, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6,
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
    "sonntag": 6,
}  # fmt: skip
_WEEKDAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "ten": 10, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "cinq": 5, "dix": 10, "quinze": 15, "ein": 1, "eine": 1, "einem": 1, "einer": 1,
    "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "zehn": 10, "couple of": 2, "a couple of": 2,
    "a few": 3, "few": 3,
}  # fmt: skip
_NUM_RE = r"\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))

_ORD = r"(?:st|nd|rd|th|er|e|eme|\.)?"
_YEAR = r"(?:,?\s*(?P<y>\d{4}|'\d{2}))?"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"(?<![\d.,/])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d])")),
    (
        "numeric_year",
        re.compile(
            r"(?<![\d.,/'])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
            r"(?P<y>\d{4}|\d{2})(?!\d|[.,]\d)"
        ),
    ),
    (
        "day_month",
        re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s*(?:of\s+|de\s+)?(?P<mon>{_MONTH_RE})\b\.?{_YEAR}"),
    ),
    (
        "month_day",
        re.compile(
            rf"\b(?P<mon>{_MONTH_RE})\b\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}(?!\d){_YEAR}"
        ),
    ),
    (
        "numeric",
        re.compile(
            r"(?<![\d.,/'$€£])(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})\.?(?![\d'-]|[.,]\d)"
            r"(?!\s?(?:eur|usd|chf|gbp|€|\$|£|euros?|dollars?))"
        ),
    ),
    (
        "relative_day",
        re.compile(
            r"\b(?P<w>day after tomorrow|apres[- ]demain|ubermorgen"
            r"|uebermorgen|tomorrow|demain|today|aujourd'hui|heute"
            r"|(?<!guten )morgen)\b"
        ),
    ),
    (
        "in_n",
        re.compile(
            rf"\b(?:in|within|dans|sous|d'ici|innerhalb(?: von)?|binnen)\s+"
            rf"(?:the next\s+|the\s+|les\s+|den\s+nachsten\s+)?(?P<n>{_NUM_RE})\s+"
            r"(?P<u>business days|working days|days|day|weeks|week|months|month"
            r"|jours ouvres|jours|jour|semaines|semaine|mois"
            r"|werktagen|tagen|tag|wochen|woche|monaten|monat)\b"
        ),
    ),
    (
        "end_month",
        re.compile(
            r"\b(?P<w>end of (?:the |this )?(?P<nx1>next )?month"
            r"|(?:the )?(?P<nx4>next )?month[- ]end|fin (?:du |de ce )?mois"
            r"(?P<nx2> prochain)?|fin du mois prochain|ende (?:des |dieses )?"
            r"(?P<nx3>nachsten )?monats|monatsende|ultimo)\b"
        ),
    ),
    (
        "end_week",
        re.compile(
            r"\b(?:end of (?:the|this) week|fin de (?:la|cette) semaine"
            r"|ende (?:der|dieser) woche)\b"
        ),
    ),
    (
        "next_week",
        re.compile(
            r"\b(?:next week|la semaine prochaine|semaine prochaine"
            r"|nachste woche|nachster woche|kommende woche)\b"
        ),
    ),
    (
        "weekday",
        re.compile(
            rf"\b(?P<pre>next |this |coming |on |by |until |am |bis |diesen |"
            rf"kommenden |nachsten |ce |d'ici )?(?P<wd>{_WEEKDAY_RE})\b"
            r"(?P<post> prochain| next week| nachster woche)?"
        ),
    ),
    (
        "day_only",
        re.compile(
            r"\b(?:on|by|until|before) the (?P<d>\d{1,2})(?:st|nd|rd|th)\b"
            r"|\b(?:le|avant le|jusqu'au) (?P<d2>\d{1,2})(?:er)?\b(?! ?[/.\d])"
            r"(?! (?:jours|semaines|mois|%|eur|euros))"
            r"|\b(?:am|bis zum|zum) (?P<d3>\d{1,2})\.(?!\s*\d)"
            r"(?!\s*(?:" + _MONTH_RE + r"))"
        ),
    ),
]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _roll(today: date, m: int, d: int) -> date | None:
    """Day/month without a year: this year, or next year if already past."""
    candidate = _safe_date(today.year, m, d)
    if candidate is None:
        return _safe_date(today.year + 1, m, d)
    if candidate < today:
        return _safe_date(today.year + 1, m, d)
    return candidate


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    raw = raw.lstrip("'")
    year = int(raw)
    return year + 2000 if year < 100 else year


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _dm_order(a: int, b: int, sep: str, us_hint: bool) -> tuple[int, int] | None:
    """(day, month) from two numbers; unambiguous when one exceeds 12."""
    if a > 12 and b <= 12:
        return a, b
    if b > 12 and a <= 12:
        return b, a
    if a > 31 or b > 31 or (a > 12 and b > 12):
        return None
    if sep == "/" and us_hint:
        return b, a
    return a, b


def _resolve(kind: str, m: re.Match, today: date, us_hint: bool) -> date | None:
    g = m.groupdict()
    if kind == "iso":
        return _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind in ("numeric_year", "numeric"):
        order = _dm_order(int(g["a"]), int(g["b"]), g["sep"], us_hint)
        if order is None:
            return None
        d, mo = order
        if kind == "numeric_year":
            return _safe_date(_year(g["y"]), mo, d)
        return _roll(today, mo, d)
    if kind in ("day_month", "month_day"):
        mo, d = _MONTHS[g["mon"]], int(g["d"])
        year = _year(g.get("y"))
        return _safe_date(year, mo, d) if year else _roll(today, mo, d)
    if kind == "relative_day":
        word = g["w"]
        if word in ("today", "aujourd'hui", "heute"):
            return today
        if word in ("day after tomorrow", "apres-demain", "apres demain", "ubermorgen",
                    "uebermorgen"):  # fmt: skip
            return today + timedelta(days=2)
        return today + timedelta(days=1)
    if kind == "in_n":
        raw = g["n"]
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 1)
        unit = g["u"]
        if unit.startswith(("month", "mois", "monat")):
            return _add_months(today, n)
        if unit.startswith(("week", "semaine", "woche")):
            return today + timedelta(weeks=n)
        if unit.startswith(("business", "working", "jours ouvres", "werktag")):
            day, left = today, n
            while left:
                day += timedelta(days=1)
                if day.weekday() < 5:
                    left -= 1
            return day
        return today + timedelta(days=n)
    if kind == "end_month":
        nxt = g["nx1"] or g["nx2"] or g["nx3"] or g["nx4"] or "prochain" in g["w"]
        return _end_of_month(_add_months(today.replace(day=1), 1) if nxt else today)
    if kind == "end_week":
        return today + timedelta(days=(4 - today.weekday()) % 7)
    if kind == "next_week":
        return today + timedelta(days=7 - today.weekday())
    if kind == "weekday":
        pre, post = (g["pre"] or "").strip(), (g["post"] or "").strip()
        target = _WEEKDAYS[g["wd"]]
        ahead = (target - today.weekday()) % 7
        if pre in ("next", "nachsten", "kommenden") or post:
            # "next Friday": the Friday of the coming days, never today.
            ahead = ahead or 7
        elif not ahead:
            ahead = 0 if pre in ("this", "diesen", "ce") else 7
        return today + timedelta(days=ahead)
    if kind == "day_only":
        d = int(g["d"] or g["d2"] or g["d3"])
        candidate = _safe_date(today.year, today.month, d)
        if candidate is None or candidate < today:
            nxt = _add_months(today.replace(day=1), 1)
            candidate = _safe_date(nxt.year, nxt.month, d)
        return candidate
    return None


def _date_candidates(text: str, today: date) -> list[tuple[int, date]]:
    folded = _fold(strip_quoted(text))
    us_hint = bool(re.search(r"\$|\busd\b|\bdollars?\b", folded))
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, date]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            if (
                kind == "weekday"
                and m.group("wd") in ("mon", "wed", "sat", "sun")
                and not m.group("pre")
            ):
                continue  # too ambiguous as bare words
            resolved = _resolve(kind, m, today, us_hint)
            taken.append((m.start(), m.end()))
            if resolved is not None:
                found.append((m.start(), resolved))
    found.sort()
    return found


def extract_promise_date(text: str, today: date | None = None) -> date | None:
    """The first date in ``text`` (quoted reminder ignored) that is not in the past.

    Understands ISO and numeric dates (day first unless unambiguous or the
    text is in dollars), month names, weekdays, "tomorrow", "in 2 weeks",
    "end of the month" and their French and German equivalents. Day/month
    dates already past this year roll over to next year.
    """
    today = today or date.today()
    if not text:
        return None
    for _pos, day in _date_candidates(text, today):
        if day >= today:
            return day
    return None


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------
_CUR = r"(?:eur(?:os?)?|€|usd|us\$|\$|gbp|£|chf|sfr\.?|fr\.|francs?|dollars?|pounds?|pfund)"
_NUM = (
    r"(?P<num>\d{1,3}(?:(?:[.,'\u2019]|\s|\u00a0|\u202f)\d{3})+(?:[.,]\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?)(?P<dash>[.,]-{1,2}|[.,]\u2013)?"
)
_AMOUNT_BEFORE = re.compile(rf"(?<![\w]){_CUR}\s?{_NUM}(?![\d])", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(rf"(?<![\w.,/'-]){_NUM}\s?{_CUR}(?![a-z])", re.IGNORECASE)
_AMOUNT_BARE = re.compile(
    r"(?<![\w.,/#'-])(?P<num>\d{1,3}(?:[,.'\u2019]\d{3})+[.,]\d{2})(?![\d.,/-])"
)


def _parse_number(raw: str) -> float | None:
    raw = re.sub(r"[\s\u00a0\u202f'\u2019]", "", raw)
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal = "." if last_dot > last_comma else ","
        thousands = "," if decimal == "." else "."
        raw = raw.replace(thousands, "").replace(decimal, ".")
    elif last_dot >= 0 or last_comma >= 0:
        sep = "." if last_dot >= 0 else ","
        parts = raw.split(sep)
        if len(parts) > 2 or len(parts[-1]) == 3:
            raw = raw.replace(sep, "")
        else:
            raw = raw.replace(sep, ".")
    try:
        return float(raw)
    except ValueError:
        return None


def extract_amount(text: str) -> float | None:
    """The first money amount in ``text`` (quoted reminder ignored).

    An amount needs a currency next to it ("EUR 1.250,00", "€1,250.00",
    "1 250,50 €", "$3,400", "1250 euros", "CHF 2'500.-") or an unmistakable
    money shape ("1,250.00"), so invoice numbers and dates are never read as
    amounts.
    """
    if not text:
        return None
    body = strip_quoted(text)
    hits: list[tuple[int, float]] = []
    for pattern in (_AMOUNT_BEFORE, _AMOUNT_AFTER):
        for m in pattern.finditer(body):
            value = _parse_number(m.group("num"))
            if value is not None and value > 0:
                hits.append((m.start(), value))
    if not hits:
        for m in _AMOUNT_BARE.finditer(body):
            value = _parse_number(m.group("num"))
            if value:
                hits.append((m.start(), value))
    if not hits:
        return None
    hits.sort()
    return hits[0][1]
