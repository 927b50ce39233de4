"""The one masker of personal data: ID numbers, mobile and landline numbers, e-mail addresses.

The same pattern list gives the SQL expression the importer types every free-text field with (DuckDB's RE2,
patterns and tokens bound as parameters) and `mask_text` for any text Python handles (messages, file names),
so what the database keeps and what a message says are masked alike (tests/test_masking.py checks they agree).

RE2 has no lookaround: a number must not be part of a longer digit run, so each number pattern takes what
stands before it and the character after it as groups 1 and 2 and puts them back. A match therefore consumes the
character after it, which a number right behind it needed as its own boundary ("13800138000,13900139000"):
each such pattern runs twice, and the second pass finds what the first skipped."""
from __future__ import annotations

import re

TOKENS = ("[身份证号]", "[手机号]", "[电话]", "[邮箱]", "[个人信息]")
PERSONAL_TOKEN = "[个人信息]"

_D = "[0-9０-９]"                       # digits as typed with a Chinese IME: half- or full-width
_EDGE = "[^0-9０-９]"                   # what may stand next to a number
_ID_SEP = "[ 　\\-－]?"                 # inside an ID number: spaces or dashes
_TEL_SEP = "[ 　\\-－.．]?"             # inside a phone number: spaces, dashes or dots


def _digit(chars: str) -> str:
    """A class of ASCII digits and their full-width forms: _digit('3-9') -> [3-9３-９]."""
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in chars)
    return f"[{chars}{wide}]"


_MONTH = f"(?:{_digit('0')}{_digit('1-9')}|{_digit('1')}{_digit('0-2')})"
_DAY = f"(?:{_digit('0')}{_digit('1-9')}|{_digit('12')}{_D}|{_digit('3')}{_digit('01')})"
_REGION = f"{_digit('1-9')}{_D}{{5}}"
# 18 digits: region, birth date (18xx-20xx), sequence, check digit (X); 15 digits: region, yymmdd, sequence.
# The birth date keeps order ids and long amounts out: 202407010000123 has no month 00.
_ID18 = (f"{_REGION}{_ID_SEP}(?:{_digit('1')}{_digit('89')}|{_digit('2')}{_digit('0')}){_D}{{2}}{_ID_SEP}"
         f"{_MONTH}{_ID_SEP}{_DAY}{_ID_SEP}{_D}{{3}}[0-9０-９XxＸｘ]")
_ID15 = f"{_REGION}{_ID_SEP}{_D}{{2}}{_ID_SEP}{_MONTH}{_ID_SEP}{_DAY}{_ID_SEP}{_D}{{3}}"
_MOBILE = (f"(?:(?:[+＋]|{_digit('0')}{{2}})?{_digit('8')}{_digit('6')}[ 　\\-－]?)?"
           f"{_digit('1')}{_digit('3-9')}{_D}{_TEL_SEP}{_D}{{4}}{_TEL_SEP}{_D}{{4}}")
_AREA = f"{_digit('0')}{_digit('1-9')}{_D}{{1,2}}"
_LANDLINE = (f"(?:[(（]{_AREA}[)）]|{_AREA}){_TEL_SEP}{_digit('2-9')}{_D}{{2,3}}{_TEL_SEP}{_D}{{4}}"
             f"(?:[\\-－转]{_D}{{1,6}})?")


# Before a number: the start, or a character that cannot begin one, or a separator or + that follows a
# non-digit ("电话 138…", "、+86…"). A separator right after a digit is not a boundary, so a number whose
# own boundary was taken is never masked in part ("0086-[手机号]") but found whole by the second pass.
_PUNCT = "+＋ 　\\-－.．"
_LEAD = f"(^|^[{_PUNCT}]|[^0-9０-９{_PUNCT}]|[^0-9０-９][{_PUNCT}])"


def _bounded(pattern: str) -> str:
    return f"{_LEAD}(?:{pattern})({_EDGE}|$)"


# (pattern, token, passes), applied in this order: an e-mail address may hold a phone number, an ID number
# holds what looks like a phone number.
PATTERNS: list[tuple[str, str, int]] = [
    ("[A-Za-z0-9._%+\\-]+[@＠][A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,}", "[邮箱]", 1),
    (_bounded(f"{_ID18}|{_ID15}"), "[身份证号]", 2),
    (_bounded(_MOBILE), "[手机号]", 2),
    (_bounded(_LANDLINE), "[电话]", 2),
]

# Every form above holds three digits, at most a separator, then four digits; or an @. Text without either
# (most cells: names, categories, short complaints) skips the chain.
CANDIDATE = f"{_D}{{3}}{_TEL_SEP}{_D}{{4}}|[@＠]"
SHORTEST = 6


def _replacement(pattern: str, token: str) -> str:
    return f"\\1{token}\\2" if pattern.startswith(_LEAD) else token


_COMPILED = [(re.compile(p), _replacement(p, t), n) for p, t, n in PATTERNS]
_CANDIDATE = re.compile(CANDIDATE)


def mask_text(text):
    """The text with every ID number, phone number and e-mail address replaced by its token; None stays None."""
    if text is None:
        return None
    text = str(text)
    if len(text) < SHORTEST or not _CANDIDATE.search(text):
        return text
    for regex, replacement, passes in _COMPILED:
        for _ in range(passes):
            text = regex.sub(replacement, text)
    return text


def needle(column: str) -> str:
    """A row's own personal value (its caller's name, phone) as the text to look for: computed once per row,
    and a character no text holds where the value is blank or a single character."""
    value = f"NULLIF(trim({column}), '')"
    return f"coalesce(CASE WHEN length({value}) >= 2 THEN {value} END, chr(65535))"


def sql(raw: str, needles: list[str] = ()) -> tuple[str, list]:
    """(expression, params): `raw` (a column or expression of text) masked, and the row's own personal values
    (`needles`: columns holding `needle(...)`) replaced by [个人信息] wherever repeated. `raw` is repeated, so it
    must carry no parameters of its own; placeholders bind in the order they are written (the innermost
    pattern first)."""
    chain, params = raw, []
    for pattern, token, passes in PATTERNS:
        for _ in range(passes):
            chain = f"regexp_replace({chain}, ?, ?, 'g')"
            params += [pattern, _replacement(pattern, token)]
    # the shortest form is six characters (a@b.cn): shorter text (most categories, streets, compounds) is not
    # even searched
    expr = f"CASE WHEN length({raw}) >= {SHORTEST} AND regexp_matches({raw}, ?) THEN {chain} ELSE {raw} END"
    params = [CANDIDATE, *params]
    if not needles:
        return expr, params
    # looking costs less than replacing: most rows do not repeat their caller's name
    replaced = expr
    for column in needles:
        replaced = f"replace({replaced}, {column}, '{PERSONAL_TOKEN}')"
    found = " OR ".join(f"contains({raw}, {column})" for column in needles)
    return f"CASE WHEN {found} THEN {replaced} ELSE {expr} END", params + params


_ECHOED_LINE = re.compile(r"^(Original Line:).*$", re.MULTILINE)


def mask_message(text) -> str:
    """A message for the user from an error that may quote a row of the file (DuckDB's CSV reader prints the
    whole line, names included, which no pattern recognises): the quoted line is left out, the rest masked."""
    return mask_text(_ECHOED_LINE.sub(r"\1 [已隐藏 / withheld]", str(text)))
