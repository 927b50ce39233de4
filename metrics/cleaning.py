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


def typed(kind: str, raw: str, vocab: dict | None = None) -> tuple[str, list]:
    if kind == "timestamp":
        serial = (
            f"CASE WHEN regexp_full_match({raw}, '[0-9]{{5}}(\\.[0-9]+)?') THEN TIMESTAMP '1899-12-30' + "
            f"to_microseconds(CAST(round(CAST({raw} AS DOUBLE) * 86400000000) AS BIGINT)) END"
        )
        # ISO forms (most exports) take the fast cast; the rest try each format in turn
        return f"COALESCE(try_cast({raw} AS TIMESTAMP), try_strptime({raw}, ?), {serial})", [TIMESTAMP_FORMATS]
    if kind == "date":
        sql, params = typed("timestamp", raw)
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
