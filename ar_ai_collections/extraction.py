"""Extract promised payment dates and amounts from customer replies.

Rule-based and deterministic: customers write dates and amounts in a handful
of well-known shapes (English, French, German, Spanish, Italian), so regular
expressions do the job reliably and explainably. Quoted reminder text
("> ...", "On ... wrote:", "-----Original Message-----") is ignored, so the
invoice's own due date or amount quoted back is not mistaken for the
customer's promise.

Every public function reads at most ``MAX_REPLY_CHARS`` characters, and every
pattern runs in time linear in its input (whitespace runs are collapsed
before date matching, repetitions are bounded): a crafted email cannot make
extraction slow.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta

from .constants import MAX_REPLY_CHARS

__all__ = ["extract_amount", "extract_promise_date", "mask_dates", "strip_quoted"]

# --------------------------------------------------------------------------
# Quoted text
# --------------------------------------------------------------------------
# Matched against one whole line (stripped), never across lines.
_QUOTE_HEADER_LINE = re.compile(
    r"-{2,}[ \t]*(?:original message|message d'origine|urspr[üu]ngliche nachricht"
    r"|forwarded message|message transf[ée]r[ée]|mensaje original|messaggio originale)"
    r"[ \t]*-{2,}"
    r"|on .{0,120}\bwrote:|le .{0,120}\ba [ée]crit[ \t]*:|am .{0,120}\bschrieb .{0,80}:"
    r"|el .{0,120}\bescribi[óo][ \t]*:|il .{0,120}\bha scritto[ \t]*:"
    r"|(?:from|de|von|da)[ \t]*:[ \t].*",
    re.IGNORECASE,
)


def _bounded(text: str) -> str:
    return text[:MAX_REPLY_CHARS]


def strip_quoted(text: str) -> str:
    """Return ``text`` without quoted lines and anything after a reply header."""
    kept = []
    for line in _bounded(text).splitlines():
        stripped = line.strip()
        if _QUOTE_HEADER_LINE.fullmatch(stripped):
            break
        if not stripped.startswith(">"):
            kept.append(line)
    return "\n".join(kept)


_WHITESPACE_RUN = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Lower-case, strip accents, one space for any whitespace run."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ß", "ss").replace("\u2019", "'")
    return _WHITESPACE_RUN.sub(" ", text)


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
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
    # Italian
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6,
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5,
    "sonntag": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
    "domingo": 6,
    "lunedi": 0, "martedi": 1, "mercoledi": 2, "giovedi": 3, "venerdi": 4,
    "domenica": 6,
}  # fmt: skip
_WEEKDAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "ten": 10, "fourteen": 14,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "huit": 8, "dix": 10,
    "quinze": 15,
    "ein": 1, "eine": 1, "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5,
    "sieben": 7, "acht": 8, "zehn": 10, "vierzehn": 14,
    "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "diez": 10,
    "quince": 15, "due": 2, "tre": 3, "cinque": 5, "dieci": 10, "quindici": 15,
    "couple of": 2, "a couple of": 2, "a few": 3, "few": 3,
}  # fmt: skip
_NUM_RE = r"\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))

_ORD = r"(?:st|nd|rd|th|er|e|eme|\.)?"
_YEAR = r"(?:,? ?(?P<y>\d{4}|'\d{2}))?"

# Words that put a weekday / week / month in the past or the future.
_PAST_MARK = r"last|dernier|derniere|letzten|letzte|letzter|vergangenen|pasado|pasada|scorso|scorsa"
_NEXT_PRE = (
    r"next|coming|nachsten|nachste|nachster|kommenden|kommende|proximo|proxima|prossimo|prossima"
)
_NEXT_POST = r"prochain|prochaine|next week|nachster woche|que viene|prossimo|prossima"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    # Past references first: their weekday or date must not be re-read as a future one.
    (
        "past_day",
        re.compile(
            r"\b(?P<w>day before yesterday|avant[- ]hier|vorgestern|anteayer|antes de ayer"
            r"|l'altro ieri|yesterday|hier|gestern|ayer|ieri)\b"
        ),
    ),
    (
        "this_morning",
        re.compile(
            r"\b(?:this morning|ce matin|heute (?:morgen|fruh|vormittag)|esta manana"
            r"|stamattina|stamani|questa mattina)\b"
        ),
    ),
    (
        "ago",
        re.compile(
            rf"\b(?:(?P<n1>{_NUM_RE}) (?:days?|weeks?) ago|il y a (?P<n2>{_NUM_RE}) jours?"
            rf"|vor (?P<n3>{_NUM_RE}) tagen|hace (?P<n4>{_NUM_RE}) dias?"
            rf"|(?P<n5>{_NUM_RE}) giorni fa)\b"
        ),
    ),
    (
        "past_period",
        re.compile(
            rf"\b(?:(?:{_PAST_MARK}) (?:week|month|woche|monat)"
            r"|(?:la |le )?(?:semaine|mois) (?:derniere|dernier)"
            r"|(?:la )?semana pasada|el mes pasado|(?:la )?settimana scorsa|il mese scorso)\b"
        ),
    ),
    (
        "past_weekday",
        re.compile(
            rf"\b(?:(?:{_PAST_MARK}) (?P<wd>{_WEEKDAY_RE})"
            rf"|(?P<wd2>{_WEEKDAY_RE}) (?:{_PAST_MARK}))\b"
        ),
    ),
    ("iso", re.compile(r"(?<![\d.,/])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d])")),
    (
        "numeric_year",
        re.compile(
            r"(?<![\d.,/'])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
            r"(?P<y>\d{4}|\d{2})(?!\d|[.,]\d)"
        ),
    ),
    (
        "mid_end_month",
        re.compile(
            rf"\b(?P<w>mid|middle of|mitte|mi|milieu|mediados de|a mediados de|meta"
            rf"|end of|ende|fin|fin de|fine|a fine|finales de)[- ](?P<mon>{_MONTH_RE})\b"
        ),
    ),
    (
        "day_month",
        re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD} ?(?:of |de )?(?P<mon>{_MONTH_RE})\b\.?{_YEAR}"),
    ),
    (
        "month_day",
        re.compile(rf"\b(?P<mon>{_MONTH_RE})\b\.? (?:the )?(?P<d>\d{{1,2}}){_ORD}(?!\d){_YEAR}"),
    ),
    (
        "numeric",
        re.compile(
            r"(?<![\d.,/'$€£])(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})\.?(?![\d'-]|[.,]\d)"
            r"(?! ?(?:eur|usd|chf|gbp|€|\$|£|euros?|dollars?))"
        ),
    ),
    (
        "relative_day",
        re.compile(
            r"\b(?P<w>day after tomorrow|apres[- ]demain|ubermorgen|uebermorgen"
            r"|pasado manana|dopodomani|tomorrow|demain|domani|(?<!esta )(?<!la )manana"
            r"|today|aujourd'hui|heute|hoy|oggi|(?<!guten )morgen)\b"
        ),
    ),
    (
        "in_n",
        re.compile(
            rf"\b(?:in|within|dans|sous|d'ici|innerhalb(?: von)?|binnen|en|dentro de|tra|fra"
            rf"|entro) (?:the next |the |les |den nachsten |los proximos |i prossimi )?"
            rf"(?P<n>{_NUM_RE}) "
            r"(?P<u>business days|working days|days|day|weeks|week|months|month"
            r"|jours ouvres|jours|jour|semaines|semaine|mois"
            r"|werktagen|tagen|tag|wochen|woche|monaten|monat"
            r"|dias habiles|dias|dia|semanas|semana|meses|mes"
            r"|giorni lavorativi|giorni|giorno|settimane|settimana|mesi|mese)\b"
        ),
    ),
    (
        "end_month",
        re.compile(
            r"\b(?P<w>end of (?:the |this )?(?P<nx1>next )?month"
            r"|(?:the )?(?P<nx4>next )?month[- ]end|fin (?:du |de ce )?mois"
            r"(?P<nx2> prochain)?|fin du mois prochain|ende (?:des |dieses )?"
            r"(?P<nx3>nachsten )?monats|monatsende|ultimo"
            r"|(?:fin|final|finales) (?:de|del) (?P<nx5>proximo )?mes(?P<nx6> que viene)?"
            r"|fine (?:del |di questo )?(?P<nx7>prossimo )?mese(?P<nx8> prossimo)?)\b"
        ),
    ),
    (
        "end_year",
        re.compile(
            r"\b(?:end of (?:the |this )?year|year[- ]end|fin (?:de l'|d')annee|jahresende"
            r"|ende des jahres|fin de ano|fine anno|fine dell'anno)\b"
        ),
    ),
    (
        "end_week",
        re.compile(
            r"\b(?:end of (?:the |this )?(?P<nx1>next )?week|fin de (?:la |cette )?semaine"
            r"(?P<nx2> prochaine)?|ende (?:der |dieser )?(?P<nx3>nachsten |nachster )?woche"
            r"|fin de (?:esta |la )?(?P<nx4>proxima )?semana"
            r"|fine (?:della |di questa )?(?P<nx5>prossima )?settimana)\b"
        ),
    ),
    (
        "next_week",
        re.compile(
            r"\b(?:next week|la semaine prochaine|semaine prochaine|nachste woche"
            r"|nachster woche|kommende woche|(?:la )?proxima semana|la semana que viene"
            r"|(?:la )?prossima settimana|(?:la )?settimana prossima)\b"
        ),
    ),
    (
        "weekday",
        re.compile(
            rf"\b(?P<pre>(?:{_NEXT_PRE}) |this |on |by |until |am |bis |diesen |ce |d'ici "
            rf"|el |para el |hasta el |entro )?(?P<wd>{_WEEKDAY_RE})\b"
            rf"(?P<post> (?:{_NEXT_POST}))?"
        ),
    ),
    (
        "day_only",
        re.compile(
            r"\b(?:on|by|until|before) the (?P<d>\d{1,2})(?:st|nd|rd|th)\b"
            r"|\b(?:le|avant le|jusqu'au|el|antes del|para el|il|entro il|prima del)"
            r" (?P<d2>\d{1,2})(?:er)?\b(?! ?[/.\d])"
            r"(?! (?:jours|semaines|mois|dias|giorni|%|eur|euros?))"
            r"|\b(?:am|bis zum|zum) (?P<d3>\d{1,2})\.(?! ?\d)"
            r"(?! ?(?:" + _MONTH_RE + r"))"
        ),
    ),
]

_MID_WORDS = ("mid", "middle of", "mitte", "mi", "milieu", "mediados de", "a mediados de", "meta")
_NO_PRE_ABBREVIATIONS = ("mon", "wed", "sat", "sun")  # too ambiguous as bare words


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _nearest(today: date, m: int, d: int) -> date | None:
    """A day and month without a year: their occurrence nearest to ``today``.

    "3 November" written on 25 November is the one just gone (a past date,
    never a promise); "10 January" written in November is next year's.
    Ties go to the future.
    """
    candidates = [c for y in (-1, 0, 1) if (c := _safe_date(today.year + y, m, d))]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (abs((c - today).days), c < today))


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


def _count(raw: str) -> int:
    return int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw, 1)


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


def _resolve_past(kind: str, g: dict, today: date) -> date:
    if kind == "past_day":
        word = g["w"]
        two = ("day before", "avant", "vorgestern", "ante", "altro")
        return today - timedelta(days=2 if word.startswith(two) else 1)
    if kind == "this_morning":
        return today
    if kind == "ago":
        n = _count(next(v for k, v in g.items() if k.startswith("n") and v))
        return today - timedelta(days=n)
    if kind == "past_weekday":
        target = _WEEKDAYS[g["wd"] or g["wd2"]]
        return today - timedelta(days=(today.weekday() - target) % 7 or 7)
    return today - timedelta(days=7)  # past_period


def _resolve(kind: str, m: re.Match, today: date, us_hint: bool) -> date | None:
    g = m.groupdict()
    if kind in ("past_day", "this_morning", "ago", "past_period", "past_weekday"):
        return _resolve_past(kind, g, today)
    if kind == "iso":
        return _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind in ("numeric_year", "numeric"):
        order = _dm_order(int(g["a"]), int(g["b"]), g["sep"], us_hint)
        if order is None:
            return None
        d, mo = order
        if kind == "numeric_year":
            return _safe_date(_year(g["y"]), mo, d)
        return _nearest(today, mo, d)
    if kind == "mid_end_month":
        mo = _MONTHS[g["mon"]]
        if g["w"] in _MID_WORDS:
            return _nearest(today, mo, 15)
        last = _nearest(today, mo, 1)
        return _end_of_month(last) if last else None
    if kind in ("day_month", "month_day"):
        mo, d = _MONTHS[g["mon"]], int(g["d"])
        year = _year(g.get("y"))
        return _safe_date(year, mo, d) if year else _nearest(today, mo, d)
    if kind == "relative_day":
        word = g["w"]
        if word in ("today", "aujourd'hui", "heute", "hoy", "oggi"):
            return today
        if word in ("tomorrow", "demain", "domani", "manana", "morgen"):
            return today + timedelta(days=1)
        return today + timedelta(days=2)
    if kind == "in_n":
        n, unit = _count(g["n"]), g["u"]
        if unit.startswith(("month", "mois", "monat", "mes")):
            return _add_months(today, n)
        if unit.startswith(("week", "semaine", "woche", "semana", "settiman")):
            return today + timedelta(weeks=n)
        if unit.startswith(("business", "working", "jours ouvres", "werktag")) or unit.endswith(
            ("habiles", "lavorativi")
        ):
            day, left = today, n
            while left:
                day += timedelta(days=1)
                if day.weekday() < 5:
                    left -= 1
            return day
        return today + timedelta(days=n)
    if kind == "end_month":
        nxt = any(g[f"nx{i}"] for i in range(1, 9)) or "prochain" in g["w"]
        return _end_of_month(_add_months(today.replace(day=1), 1) if nxt else today)
    if kind == "end_year":
        return date(today.year, 12, 31)
    if kind == "end_week":
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        nxt = any(g[f"nx{i}"] for i in range(1, 6))
        return friday + timedelta(days=7) if nxt else friday
    if kind == "next_week":
        return today + timedelta(days=7 - today.weekday())
    if kind == "weekday":
        pre, post = (g["pre"] or "").strip(), (g["post"] or "").strip()
        target = _WEEKDAYS[g["wd"]]
        ahead = (target - today.weekday()) % 7
        if re.fullmatch(_NEXT_PRE, pre) or post:
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


# More date expressions than any real reply holds: the rest of a crafted text is not read.
MAX_DATE_EXPRESSIONS = 100


def _date_matches(folded: str) -> Iterator[tuple[str, re.Match]]:
    """Non-overlapping date expressions of folded text, earlier patterns first."""
    taken = bytearray(len(folded))  # characters already read as a date
    found = 0
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if found >= MAX_DATE_EXPRESSIONS:
                return
            if any(taken[m.start() : m.end()]):
                continue
            if kind == "weekday" and m.group("wd") in _NO_PRE_ABBREVIATIONS and not m.group("pre"):
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found += 1
            yield kind, m


def _dates(text: str, today: date) -> Iterator[tuple[str, re.Match, date | None]]:
    """(kind, match in the folded ``text``, resolved date or None) of each date expression."""
    us_hint = bool(re.search(r"\$|\busd\b|\bdollars?\b", text))
    for kind, m in _date_matches(text):
        yield kind, m, _resolve(kind, m, today, us_hint)


# Calendar dates are replaced by their direction alone: their shape ("3 November",
# "03.11.", "2026-11-03") and month names carry no meaning for the classifier.
# Relative words ("tomorrow", "last Friday") are kept, followed by their direction.
_CALENDAR_KINDS = frozenset(
    ("iso", "numeric_year", "mid_end_month", "day_month", "month_day", "numeric", "day_only")
)
DATE_MARKERS = {"past": "zpast", "today": "ztoday", "future": "zfuture", "unknown": "zdate"}


def mask_dates(text: str, today: date) -> str:
    """``text`` folded (lower-case, no accents, single spaces), each date marked past/future.

    The classifier reads this: "bereits am 3. November bezahlt" and "payée le
    12/11" both say ``zpast``, whatever the language or the date's shape.
    """
    folded = _fold(_bounded(text))
    edits = []
    for kind, m, day in _dates(folded, today):
        if day is None:
            direction = "unknown"
        else:
            direction = "past" if day < today else ("today" if day == today else "future")
        kept = "" if kind in _CALENDAR_KINDS else m.group(0)
        edits.append((m.start(), m.end(), f" {kept} {DATE_MARKERS[direction]} "))
    parts, last = [], 0
    for start, end, replacement in sorted(edits):
        parts += [folded[last:start], replacement]
        last = end
    parts.append(folded[last:])
    return "".join(parts)


def extract_promise_date(text: str, today: date | None = None) -> date | None:
    """The first date in ``text`` (quoted reminder ignored) that is not in the past.

    Understands ISO and numeric dates (day first unless unambiguous or the
    text is in dollars), month names, weekdays, "tomorrow", "in 2 weeks",
    "end of the month", "mid-December" and their French, German, Spanish and
    Italian equivalents. A day and month without a year mean their nearest
    occurrence, so a date just gone stays in the past; past references
    ("yesterday", "last Friday", "vor 3 Tagen") are never a promise date.
    """
    today = today or date.today()
    if not text:
        return None
    found = sorted(
        (m.start(), day)
        for _kind, m, day in _dates(_fold(strip_quoted(text)), today)
        if day is not None
    )
    return next((day for _pos, day in found if day >= today), None)


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------
_CUR = r"(?:eur(?:os?)?|€|usd|us\$|\$|gbp|£|chf|sfr\.?|fr\.|francs?|dollars?|pounds?|pfund)"
# Repetitions are bounded (a thousand-group run or a digit run cannot be re-scanned
# from every position of a crafted line).
_NUM = (
    r"(?P<num>\d{1,3}(?:(?:[.,'\u2019]|\s|\u00a0|\u202f)\d{3}){1,5}(?:[.,]\d{1,2})?"
    r"|\d{1,15}(?:[.,]\d{1,2})?)(?P<dash>[.,]-{1,2}|[.,]\u2013)?"
)
_AMOUNT_BEFORE = re.compile(rf"(?<![\w]){_CUR}\s?{_NUM}(?![\d])", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(rf"(?<![\w.,/'-]){_NUM}\s?{_CUR}(?![a-z])", re.IGNORECASE)
_AMOUNT_BARE = re.compile(
    r"(?<![\w.,/#'-])(?P<num>\d{1,3}(?:[,.'\u2019]\d{3}){1,5}[.,]\d{2})(?![\d.,/-])"
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
