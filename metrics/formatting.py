"""Numbers and changes the way Chinese officials write them: 95.0%, 提高2.8个百分点, 增长12.5%.

Shared by the dashboard, the briefing and the CLI so a figure reads the same everywhere."""
from __future__ import annotations

DASH = "—"


def percent(rate: float | None, digits: int = 1) -> str:
    return DASH if rate is None else f"{rate * 100:.{digits}f}%"


def count(n: int | float | None) -> str:
    return DASH if n is None else f"{int(n):,}"


def hours(h: float | None, lang: str = "zh") -> str:
    if h is None:
        return DASH
    return f"{h:.1f}小时" if lang == "zh" else f"{h:.1f} h"


def _change(delta: float | None, lang: str, digits: int, zh_up: str, zh_down: str, zh_unit: str, en_unit: str) -> str:
    if delta is None:
        return DASH
    rounded = round(delta, digits)
    if lang != "zh":
        return f"±{0:.{digits}f}{en_unit}" if rounded == 0 else f"{rounded:+.{digits}f}{en_unit}"
    if rounded == 0:
        return "持平"
    return f"{zh_up if rounded > 0 else zh_down}{abs(rounded):.{digits}f}{zh_unit}"


def pp_change(delta_pp: float | None, lang: str = "zh", digits: int = 1) -> str:
    """A rate change in percentage points: 提高2.8个百分点 / 下降1.0个百分点 / 持平; +2.8 pp."""
    return _change(delta_pp, lang, digits, "提高", "下降", "个百分点", " pp")


def pct_change(delta_pct: float | None, lang: str = "zh", digits: int = 1) -> str:
    """A count change in percent: 增长12.5% / 下降3.0% / 持平; +12.5%."""
    return _change(delta_pct, lang, digits, "增长", "下降", "%", "%")


def as_of(moment, lang: str = "zh") -> str:
    if moment is None:
        return DASH
    if lang == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"
