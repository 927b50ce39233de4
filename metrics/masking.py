"""The one masker of personal data: ID numbers, mobile and landline numbers, e-mail addresses.

The same pattern list gives the SQL expression the importer types every free-text field with (DuckDB's RE2,
patterns and tokens bound as parameters) and `mask_text` for any text Python handles (messages, file names),
so what the database keeps and what a message says are masked alike (tests/test_masking.py checks they agree).

The forms: an ID number of 18 digits with spaces or dashes between any of them (6-8-4, grouped in fours, every
digit spaced) or of 15; a mobile number grouped 3-4-4 or written digit by digit (1 3 8 1 2 3 4 5 6 7 8), with
+86, 0086 or 86 before it; both also in Chinese numerals as a caller says them (一三八一二三四五六七八, 〇 or 零
for 0, 幺 for 1); digits half- or full-width; a landline with its area code; an e-mail address, also with a
name or a domain in Chinese (张三@例子.中国). Not masked: a number inside a longer digit run (138001380001),
dates, amounts, room numbers, order ids, counts and years.

RE2 has no lookaround: a number must not be part of a longer digit run, so each number pattern takes what
stands before it and the character after it as groups 1 and 2 and puts them back. A match therefore consumes the
character after it, which a number right behind it needed as its own boundary ("13800138000,13900139000"):
each such pattern runs twice, and the second pass finds what the first skipped."""
from __future__ import annotations

import re

TOKENS = ("[身份证号]", "[手机号]", "[电话]", "[邮箱]", "[个人信息]")
PERSONAL_TOKEN = "[个人信息]"
EMAIL_TOKEN = "[邮箱]"

_D = "[0-9０-９]"                       # digits as typed with a Chinese IME: half- or full-width
_ID_SEP = "[ 　\\-－]?"                 # inside an ID number: spaces or dashes
_SPACED_ID = "[ 　\\-－]"               # an ID number written digit by digit: one of them after every digit
_TEL_SEP = "[ 　\\-－.．]?"             # inside a phone number: spaces, dashes or dots
_SPACED = "[ 　\\-－.．]"               # a number written digit by digit: one of them after every digit

# Chinese numerals as a caller says a number and an operator writes it down: 〇 (or 零, ○) for 0, 一 or 幺 for 1
_NUMERAL_FORMS = ("〇○零", "一幺", "二", "三", "四", "五", "六", "七", "八", "九")
# what may not stand next to a number in numerals: a numeral, or a digit (十, 百, 两 make another number)
_NUMERAL_RUN = "0-9０-９" + "".join(_NUMERAL_FORMS) + "两十百千万"


def _digits(chars: str) -> list[int]:
    """'3-9' -> [3, ..., 9]; '12' -> [1, 2]."""
    out, i = [], 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            out += range(int(chars[i]), int(chars[i + 2]) + 1)
            i += 3
        else:
            out.append(int(chars[i]))
            i += 1
    return out


def _digit(chars: str) -> str:
    """A class of ASCII digits and their full-width forms: _digit('3-9') -> [3-9３-９]."""
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in chars)
    return f"[{chars}{wide}]"


def _numeral(chars: str) -> str:
    """The same class in Chinese numerals: _numeral('0-1') -> [〇○零一幺]."""
    return "[" + "".join(_NUMERAL_FORMS[d] for d in _digits(chars)) + "]"


def _id18(d, check: str, gaps, sep: str) -> str:
    """18 digits: region, birth date (18xx-20xx), sequence, check digit; `sep` may (or must) stand after each digit
    whose place (1-17) is in `gaps`. The birth date keeps order ids and long amounts out."""
    def g(place: int) -> str:
        return sep if place in gaps else ""

    any_ = d("0-9")
    parts = [d("1-9"), g(1), any_, g(2), any_, g(3), any_, g(4), any_, g(5), any_, g(6),
             f"(?:{d('1')}{g(7)}{d('89')}|{d('2')}{g(7)}{d('0')})", g(8), any_, g(9), any_, g(10),
             f"(?:{d('0')}{g(11)}{d('1-9')}|{d('1')}{g(11)}{d('0-2')})", g(12),
             f"(?:{d('0')}{g(13)}{d('1-9')}|{d('12')}{g(13)}{any_}|{d('3')}{g(13)}{d('01')})", g(14),
             any_, g(15), any_, g(16), any_, g(17), check]
    return "".join(parts)


def _id_numbers(d, check: str) -> str:
    """An ID number as people write it: 18 digits, with a space or dash after the region, the year, the month
    and the day (110101 19900307 1234, 110101-1990-0307-123X), grouped in fours (1101 0119 9003 0712 34) or every
    digit spaced; or the old 15 digits: region, yymmdd, sequence, with a space or dash between those parts. The
    birth date keeps order ids and long amounts out: 202407010000123 has no month 00; a list of numbers is no
    grouping an ID number is written in (57 44 94 18 54 11 2 1 89 22 78 stays). `d` gives a class of digits
    (_digit or _numeral)."""
    any_ = d("0-9")
    forms = [_id18(d, check, {6, 10, 12, 14}, _ID_SEP), _id18(d, check, {4, 8, 12, 16}, _ID_SEP),
             _id18(d, check, set(range(1, 18)), _SPACED_ID)]
    month = f"(?:{d('0')}{d('1-9')}|{d('1')}{d('0-2')})"
    day = f"(?:{d('0')}{d('1-9')}|{d('12')}{any_}|{d('3')}{d('01')})"
    id15 = f"{d('1-9')}{any_}{{5}}{_ID_SEP}{any_}{{2}}{_ID_SEP}{month}{_ID_SEP}{day}{_ID_SEP}{any_}{{3}}"
    return "|".join(forms + [id15])


def _mobile(d) -> str:
    """A mobile number, +86, 0086 or 86 before it: 3-4-4 digits with a space, dash or dot between the groups, or
    every digit spaced (1 3 8 1 2 3 4 5 6 7 8)."""
    any_ = d("0-9")
    prefix = f"(?:(?:[+＋]|{d('0')}{{2}})?{d('8')}{d('6')}[ 　\\-－]?)?"
    grouped = f"{d('1')}{d('3-9')}{any_}{_TEL_SEP}{any_}{{4}}{_TEL_SEP}{any_}{{4}}"
    spaced = f"{d('1')}{_SPACED}{d('3-9')}(?:{_SPACED}{any_}){{9}}"
    return f"{prefix}(?:{grouped}|{spaced})"


_AREA = f"{_digit('0')}{_digit('1-9')}{_D}{{1,2}}"
_LANDLINE = (f"(?:[(（]{_AREA}[)）]|{_AREA}){_TEL_SEP}{_digit('2-9')}{_D}{{2,3}}{_TEL_SEP}{_D}{{4}}"
             f"(?:[\\-－转]{_D}{{1,6}})?")


# Before a number: the start, or a character that cannot begin one, or a separator or + that follows a
# non-digit ("电话 138…", "、+86…"). A separator right after a digit is not a boundary, so a number whose
# own boundary was taken is never masked in part ("0086-[手机号]") but found whole by the second pass.
_PUNCT = "+＋ 　\\-－.．"


def _bounded(pattern: str, run: str = "0-9０-９") -> str:
    """`pattern` where no character of `run` (what continues a number) stands before or after it: what stands
    before is group 1, the character after group 2, both put back."""
    return f"(^|^[{_PUNCT}]|[^{run}{_PUNCT}]|[^{run}][{_PUNCT}])(?:{pattern})([^{run}]|$)"


_CJK = "À-ɏͰ-ϿЀ-ӿ぀-ヿ㐀-䶿一-鿿가-힯"   # letters an internationalised address may be written in
_CN_TLDS = ("中国", "中國", "公司", "网络", "網絡", "在线", "集团", "商城", "我爱你", "手机", "政务", "公益", "信息",
            "网店", "网址", "中文网", "网站", "商店", "购物", "企业", "机构", "移动", "联通", "世界", "政府", "游戏",
            "时尚", "健康", "娱乐", "新闻", "招聘", "餐厅", "商标", "广东", "佛山", "香港", "台湾", "台灣", "澳门",
            "澳門", "新加坡")
_TLD = f"(?:xn--[A-Za-z0-9\\-]+|[A-Za-z]{{2,}}|{'|'.join(_CN_TLDS)}|[{_CJK}]{{2,}})"
_LABEL = f"[A-Za-z0-9\\-{_CJK}]+"
_LOCAL, _WIDE = "A-Za-z0-9._%+\\-", f"０-９Ａ-Ｚａ-ｚ{_CJK}"
# The name before the @ is its run of ASCII letters where the character before the @ is one (邮箱zhang.san@163.com
# keeps 邮箱), else the whole run of letters: in 联系张三@例子.中国 the words before a Chinese name cannot be told
# from it and are masked with it. The domain may be written in Chinese; a Chinese top-level domain is one of the
# known ones (the text after it stays: 张三@例子.中国谢谢), else the rest of the word.
_EMAIL = (f"(?:[{_LOCAL}]+|[{_LOCAL}{_WIDE}]*[{_WIDE}])[@＠]{_LABEL}(?:[.．]{_LABEL})*[.．]{_TLD}")

# (pattern, token, passes), applied in this order: an e-mail address may hold a phone number, an ID number
# holds what looks like a phone number.
PATTERNS: list[tuple[str, str, int]] = [
    (_EMAIL, EMAIL_TOKEN, 1),
    (_bounded(_id_numbers(_digit, "[0-9０-９XxＸｘ]")), "[身份证号]", 2),
    (_bounded(_mobile(_digit)), "[手机号]", 2),
    (_bounded(_LANDLINE), "[电话]", 2),
]
# The same numbers in Chinese numerals, run after PATTERNS only on text that holds eleven numerals in a row (a
# handful of cells in a million): the other cells do not pay for them.
NUMERAL_PATTERNS: list[tuple[str, str, int]] = [
    (_bounded(_id_numbers(_numeral, f"[{''.join(_NUMERAL_FORMS)}XxＸｘ]"), _NUMERAL_RUN), "[身份证号]", 2),
    (_bounded(_mobile(_numeral), _NUMERAL_RUN), "[手机号]", 2),
]

# Every form above holds three digits, at most a separator, then four digits (a phone, an ID number, a landline
# after its area code); or eleven digits each after a separator (a number written digit by digit); or eleven
# Chinese numerals (NUMERALS); or an @. Text without any of them (most cells: names, categories, short
# complaints, dates) skips the chain.
NUMERALS = f"{_numeral('0-9')}(?:{_TEL_SEP}{_numeral('0-9')}){{10}}"
CANDIDATE = f"{_D}{{3}}{_TEL_SEP}{_D}{{4}}|{_D}(?:{_SPACED}{_D}){{10}}|{NUMERALS}|[@＠]"
SHORTEST = 6


def _replacement(pattern: str, token: str) -> str:
    return f"\\1{token}\\2" if pattern.startswith("(^|") else token


def _compiled(patterns):
    return [(re.compile(p), _replacement(p, t), n) for p, t, n in patterns]


_COMPILED, _COMPILED_NUMERALS = _compiled(PATTERNS), _compiled(NUMERAL_PATTERNS)
_CANDIDATE, _NUMERALS_RE = re.compile(CANDIDATE), re.compile(NUMERALS)


def mask_text(text):
    """The text with every ID number, phone number and e-mail address replaced by its token; None stays None."""
    if text is None:
        return None
    text = str(text)
    if len(text) < SHORTEST or not _CANDIDATE.search(text):
        return text
    numerals = _NUMERALS_RE.search(text)
    at = "@" in text or "＠" in text
    for regex, replacement, passes in _COMPILED + (_COMPILED_NUMERALS if numerals else []):
        if replacement == EMAIL_TOKEN and not at:   # Python's re retries the name's run at every letter
            continue
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
    def chained(text: str, patterns) -> tuple[str, list]:
        params = []
        for pattern, token, passes in patterns:
            for _ in range(passes):
                text = f"regexp_replace({text}, ?, ?, 'g')"
                params += [pattern, _replacement(pattern, token)]
        return text, params

    chain, params = chained(raw, PATTERNS)
    numeral_chain, numeral_params = chained(chain, NUMERAL_PATTERNS)
    # the shortest form is six characters (a@b.cn): shorter text (most categories, streets, compounds) is not
    # even searched; text with no candidate (most cells) is left as it is; the numeral patterns run only where
    # numerals are (CASE evaluates a branch only for the rows that take it)
    expr = (f"CASE WHEN length({raw}) >= {SHORTEST} AND regexp_matches({raw}, ?) THEN "
            f"CASE WHEN regexp_matches({raw}, ?) THEN {numeral_chain} ELSE {chain} END ELSE {raw} END")
    params = [CANDIDATE, NUMERALS, *params, *numeral_params, *params]
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
