"""Typing text cells in SQL: dates in every form officials' exports use, yes/no words, vocabularies,
percentages. (Personal data inside free text is masked by metrics.masking.)

Each builder returns (sql_expression, params) over a raw text expression; values from config are
bound parameters, never pasted into SQL."""
from __future__ import annotations

import unicodedata

TIMESTAMP_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y.%m.%d %H:%M", "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日", "%Y%m%d",
    "%Y-%m-%d %H:%M:%S.%f",
]

# Slashed dates with the year last are ambiguous (01/02/2024): only a profile that says which comes first
# (`day_first`) reads them, with these formats tried after the year-first ones above.
MONTH_FIRST_FORMATS = [
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
]
DAY_FIRST_FORMATS = [
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
]


def profile_date_formats(profile: dict) -> list[str]:
    """The formats a profile reads dates with: the built-in year-first ones, then its `day_first` forms,
    then its own `date_formats`."""
    formats = list(TIMESTAMP_FORMATS)
    if "day_first" in profile:
        formats += DAY_FIRST_FORMATS if profile["day_first"] else MONTH_FIRST_FORMATS
    return formats + [str(f) for f in profile.get("date_formats") or []]


# Ids compare after NFKC's width folding (full-width letters and digits, the ideographic space) and without
# any space or invisible character: ＺＺ０００１, "ZZ 0001" and ZZ<zero-width space>0001 are one order.
_FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
_HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F))
ID_STRIPPED = r"[\s\pZ\p{Cf}]+"   # spaces, Unicode separators, format characters (zero-width, BOM)


def normalised_id(raw: str) -> tuple[str, list]:
    """An id as it is compared and stored; ASCII ids without spaces (almost all) skip the work."""
    folded = f"regexp_replace(translate({raw}, ?, ?), ?, '', 'g')"
    return (f"CASE WHEN regexp_matches({raw}, '[^!-~]') THEN NULLIF({folded}, '') ELSE {raw} END",
            [_FULL_WIDTH, _HALF_WIDTH, ID_STRIPPED])

# Where an export writes a placeholder for a place it does not know (config.yaml unknown_places): the fields that
# hold places, in the datasets whose places come from a form (orders, complaints; the registry names real ones).
PLACE_FIELDS = ("street", "community", "compound")
PLACE_DATASETS = ("work_orders", "complaints")


def place_key(text) -> str:
    """A placeholder as written in config.yaml, compared: NFKC's width folding, no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).upper()


def unknown_place(raw: str, placeholders) -> tuple[str, list]:
    """`raw` (a street, community or compound as exported), NULL where it is a placeholder for an unknown place
    ("Unspecified", "N/A", "未知"): a placeholder is not a place, and stored it became a street or a compound of
    its own. One regular expression, bound: case, spaces and full-width forms are ignored by the pattern itself
    (translate() over every row cost 5 µs a cell); a `*` stands for any text ("Unspecified *" is NYC's
    "Unspecified MANHATTAN"). `raw` is repeated, so it carries no parameters of its own."""
    keys = sorted({k for k in (place_key(p) for p in placeholders or []) if k})
    if not keys:
        return raw, []
    pattern = "|".join(_PLACE_SPACE.join(".*" if c == "*" else _any_width(c) for c in key) for key in keys)
    return (f"CASE WHEN regexp_full_match({raw}, ?) THEN NULL ELSE {raw} END",
            [f"{_PLACE_SPACE}(?:{pattern}){_PLACE_SPACE}"])


_PLACE_SPACE = r"[\s\pZ]*"   # any spaces, the ideographic one included


def _any_width(c: str) -> str:
    """A character of a placeholder as RE2 matches it in either case and either width (Ａ, ａ, A, a); ASCII
    punctuation escaped (RE2 refuses an escaped letter or ideograph)."""
    if not c.isascii():
        return c
    forms = {c, c.lower(), c.upper()}
    forms |= {chr(ord(f) + 0xFEE0) for f in forms if "!" <= f <= "~"}
    return "[" + "".join("\\" + f if f.isascii() and not f.isalnum() else f for f in sorted(forms)) + "]"


KIND_WARNING = {
    "timestamp": ("无法识别的日期时间", "unreadable date/time"),
    "date": ("无法识别的日期", "unreadable date"),
    "bool": ("无法识别的是/否", "unreadable yes/no"),
    "enum": ("不在取值范围内", "not a known value"),
    "int": ("不是有效的整数", "not a whole number"),
    "percent": ("不是有效的比例（0-100%）", "not a valid rate (0-100%)"),
}


def raw_text(column: str) -> str:
    return f"NULLIF(trim({column}), '')"


def vocab_key(word) -> str:
    return unicodedata.normalize("NFKC", str(word)).strip().upper()


def typed(kind: str, raw: str, vocab: dict | None = None, formats: list[str] | None = None) -> tuple[str, list]:
    if kind == "timestamp":
        # Excel keeps times to the millisecond: 45474.35416666666 is 08:30:00, not 08:29:59.999999
        serial = (
            f"CASE WHEN regexp_full_match({raw}, '[0-9]{{5}}(\\.[0-9]+)?') THEN TIMESTAMP '1899-12-30' + "
            f"to_milliseconds(CAST(round(CAST({raw} AS DOUBLE) * 86400000) AS BIGINT)) END"
        )
        # ISO forms (most exports) take the fast cast; the rest try each format in turn
        return f"COALESCE(try_cast({raw} AS TIMESTAMP), try_strptime({raw}, ?), {serial})", [formats or TIMESTAMP_FORMATS]
    if kind == "date":
        sql, params = typed("timestamp", raw, formats=formats)
        return f"CAST({sql} AS DATE)", params
    if kind == "bool":
        vocab = {True: vocab[True], False: vocab[False]} if vocab else {}
        return _lookup(raw, vocab)
    if kind == "enum":
        return _lookup(raw, vocab or {})
    if kind == "int":
        number = f"try_cast(replace({raw}, ',', '') AS DOUBLE)"
        return f"CASE WHEN {number} >= 0 AND {number} = floor({number}) THEN CAST({number} AS BIGINT) END", []
    if kind == "percent":
        number = f"try_cast(rtrim(replace({raw}, ',', ''), '%') AS DOUBLE)"
        scaled = f"(CASE WHEN ends_with({raw}, '%') OR {number} > 1 THEN {number} / 100 ELSE {number} END)"
        return f"CASE WHEN {scaled} BETWEEN 0 AND 1 THEN {scaled} END", []
    if kind == "list":
        return (
            f"list_filter(list_transform(regexp_split_to_array({raw}, '[、;；,，/]'), lambda x: trim(x)), lambda x: x <> '')",
            [],
        )
    return raw, []


def _lookup(raw: str, vocab: dict) -> tuple[str, list]:
    """CASE over the vocabulary: {canonical: [words]} -> canonical."""
    whens, params = [], []
    for canonical, words in vocab.items():
        for word in words:
            whens.append("WHEN ? THEN ?")
            params += [vocab_key(word), canonical]
    if not whens:
        return "CAST(NULL AS VARCHAR)", []
    return f"CASE upper({raw}) {' '.join(whens)} END", params
