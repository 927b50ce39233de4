"""Chart builders: tidy rows in, Plotly figures out, one visual language for every page.

A restrained palette with party red as the accent; the same street or category gets the same colour on
every chart (colours are assigned over the full sorted list of values in the database, not per chart)."""
from __future__ import annotations

import plotly.graph_objects as go

ACCENT = "#C8102E"
INK = "#33383F"
GRID = "#E6E8EB"
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
# Muted, distinguishable series colours; party red is kept for the accent and the first series.
SERIES = [ACCENT, "#3B6E8F", "#D49A2A", "#5C8C5A", "#8A6BA8", "#C7683B", "#4B9C9E", "#9A7B5B", "#6D7A89",
          "#B5556E", "#7C9A3A", "#A88C3F"]
TARGET_LINE = "#8C9199"


def color_map(values) -> dict:
    """Stable colours for a dimension's values: pass every value the database has, sorted."""
    return {v: SERIES[i % len(SERIES)] for i, v in enumerate(sorted(v for v in values if v is not None))}


UNITS = {"count": ("件", "count"), "percent": ("%", "%"), "hours": ("小时", "hours"),
         "per_1000": ("件/千户", "per 1,000 households")}
TARGET_WORD = {"zh": "目标", "en": "Target"}
# the unit's title is small and close to the ticks: a wide one pushes month labels into a slant
AXIS_TITLE = {"title_font": {"size": 11, "color": "#6D7A89"}, "title_standoff": 2}
TEXT_MIN = 10   # px: a value label that fits its bar only smaller than this is hidden (uniformtext)
UNKNOWN = {"zh": "未知", "en": "Unknown"}
PROVISIONAL = {"zh": "回访期未满", "en": "revisits still being made"}   # a bar or point of a value the export left blank


def drawable(rows: list[dict], columns) -> list[str]:
    """The columns of `columns` that have a value in some row: a chart of none of them would draw only its axes
    (and target lines), so the page says why instead (ui/frame.cannot_draw)."""
    return [c for c in columns if any(r.get(c) is not None for r in rows)]


def unit_title(unit: str, lang: str = "zh", start: float | None = None) -> str:
    """The value axis's title: the unit (单位：件), and where a zoomed rate axis starts (单位：%，自80%起)."""
    zh, en = UNITS[unit]
    if lang == "zh":
        return f"单位：{zh}" + (f"，自{start:.0%}起" if start else "")
    return en.capitalize() + (f", from {start:.0%}" if start else "")


def target_text(value: float, lang: str = "zh", sep: str = "") -> str:
    """目标95% / Target 95% (sep "<br>": on two lines, as beside a chart, where a wider margin would squeeze the
    month labels); the line's colour says whose target it is (grey: every series')."""
    if lang == "zh":
        return f"{TARGET_WORD['zh']}{sep}{value:.0%}"
    return f"{TARGET_WORD['en']}{sep or ' '}{value:.0%}"


def rate_range(values, targets=(), pad: float = 0.02) -> list[float]:
    """A rate axis zoomed to the data and its targets (84% and 87% must not look the same on 0-100%): from 2 points
    below the lowest, rounded down to a multiple of 5%, to the highest plus room for the value labels above the bars
    (12% of the span, at least `pad`)."""
    known = [v for v in list(values) + list(targets) if v is not None]
    if not known:
        return [0.0, 1.0]
    low = max(0.0, int((min(known) - 0.02) * 20 + 1e-9) / 20)
    high = max(known)
    return [low, high + max(pad, 0.12 * (high - low))]


def _layout(fig: go.Figure, title: str, height: int = 360, percent_axis: bool = False) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": INK}},
        font={"family": FONT, "color": INK, "size": 13}, height=height, margin={"l": 10, "r": 10, "t": 56, "b": 10},
        plot_bgcolor="white", paper_bgcolor="white", legend={"orientation": "h", "y": -0.15, "x": 0},
        hoverlabel={"font": {"family": FONT}}, uniformtext={"minsize": TEXT_MIN, "mode": "hide"},
    )
    fig.update_xaxes(showgrid=False, linecolor=GRID)
    fig.update_yaxes(gridcolor=GRID, zeroline=False, tickformat=".0%" if percent_axis else None)
    return fig


TARGET_MARGIN = 40   # px on the right of a chart with target lines: their labels sit there, off the data


def _target_lines(fig: go.Figure, series: list[tuple[str, str]], targets: dict | None, lang: str,
                  colors: dict | None = None, horizontal: bool = False, inside: bool = False) -> bool:
    """One dotted line per distinct target of the series shown, labelled 目标95% in the series' colour when it is one
    series' alone, grey when several share it; the highest label above its line, the others below, so close
    targets do not overlap. Bars: at the line's right end outside the plot, off the bars' values. Lines (`inside`):
    at its left end inside the plot (a right margin squeezes the month labels into a slant). True when drawn."""
    by_value: dict[float, list[int]] = {}
    for i, (column, _) in enumerate(series):
        if targets and targets.get(column) is not None:
            by_value.setdefault(float(targets[column]), []).append(i)
    for value, members in sorted(by_value.items(), reverse=True):
        color = TARGET_LINE if len(members) > 1 or len(series) == 1 else \
            (colors or {}).get(series[members[0]][0], SERIES[members[0] % len(SERIES)])
        line = {"color": color, "dash": "dot", "width": 1.5}
        label = {"annotation_text": target_text(value, lang, "<br>"), "annotation_font": {"size": 11, "color": color},
                 "annotation_align": "left"}
        highest = value == max(by_value)
        if horizontal:
            fig.add_vline(x=value, line=line, annotation_position="top", **label)
        elif inside:   # a line chart: at the line's left end, above the highest line and below the others
            label["annotation_text"] = target_text(value, lang)
            fig.add_hline(y=value, line=line, annotation_position="top left" if highest else "bottom left", **label)
        else:
            fig.add_hline(y=value, line=line, annotation_position="right",
                          annotation_yanchor="bottom" if highest else "top", **label)
    return bool(by_value)


def lines(rows: list[dict], x: str, series: list[tuple[str, str]], title: str, *, percent: bool = False,
          colors: dict | None = None, targets: dict | None = None, height: int = 360, hover_format: str | None = None,
          unit: str | None = None, lang: str = "zh", provisional: dict | None = None) -> go.Figure:
    """One line per (column, label); rates on a percent axis with labelled dotted target lines; the value axis
    titled with its unit. `provisional`: column -> the x values where that series is not final yet (a month whose
    revisits are still being made): drawn dashed with hollow markers, joined to the last final point."""
    fig = go.Figure()
    hover_number = hover_format or (".1%" if percent else ",")
    for i, (column, label) in enumerate(series):
        color = (colors or {}).get(column, SERIES[i % len(SERIES)])
        pending = set((provisional or {}).get(column) or ())
        xs, ys = [r[x] for r in rows], [r.get(column) for r in rows]
        final = [None if xv in pending else yv for xv, yv in zip(xs, ys)]
        fig.add_trace(go.Scatter(x=xs, y=final, name=label, mode="lines+markers",
                                 line={"color": color, "width": 2.5 if i == 0 else 2}, marker={"size": 5},
                                 hovertemplate=f"%{{x}}<br>{label}: %{{y:{hover_number}}}<extra></extra>"))
        if pending:
            joined = [yv if xv in pending or (j + 1 < len(xs) and xs[j + 1] in pending and xv not in pending) else None
                      for j, (xv, yv) in enumerate(zip(xs, ys))]
            note = PROVISIONAL[lang if lang in PROVISIONAL else "zh"]
            fig.add_trace(go.Scatter(x=xs, y=joined, name=f"{label}（{note}）" if lang == "zh" else f"{label} ({note})",
                                     mode="lines+markers", line={"color": color, "width": 2, "dash": "dash"},
                                     marker={"size": 6, "symbol": "circle-open"}, showlegend=False,
                                     hovertemplate=f"%{{x}}<br>{label}（{note}）: %{{y:{hover_number}}}<extra></extra>"))
    _target_lines(fig, series, targets, lang, colors, inside=True)
    fig = _layout(fig, title, height, percent)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text=unit_title(unit or ("percent" if percent else "count"), lang), **AXIS_TITLE)
    return fig


def bars(rows: list[dict], x: str, series: list[tuple[str, str]], title: str, *, percent: bool = False,
         horizontal: bool = False, colors: dict | None = None, color_by_x: dict | None = None, height: int = 360,
         stacked: bool = False, x_label=None, targets: dict | None = None, unit: str | None = None,
         lang: str = "zh", text_format: str | None = None) -> go.Figure:
    """Grouped (or stacked) bars; `color_by_x` colours single-series bars by their category. Values are written
    level (never turned 90°), above the bar (stacked: inside), and hidden where they would not fit; a rate axis
    is zoomed to the data and its labelled target lines; the value axis says its unit."""
    fig = go.Figure()
    labels = [x_label(r[x]) if x_label else (UNKNOWN.get(lang, UNKNOWN["zh"]) if r[x] is None else str(r[x]))
              for r in rows]
    every = []
    for i, (column, label) in enumerate(series):
        values = [r.get(column) for r in rows]
        every += values
        color = ([color_by_x.get(r[x], SERIES[1]) for r in rows] if color_by_x and len(series) == 1
                 else (colors or {}).get(column, SERIES[i % len(SERIES)]))
        text = [None if v is None else (format(v, text_format) if text_format else f"{v:.1%}" if percent else f"{v:,.0f}")
                for v in values]
        common = {"name": label, "marker": {"color": color}, "text": text, "textangle": 0,
                  "textposition": "inside" if stacked else "outside",
                  "cliponaxis": False,
                  "hovertemplate": f"%{{{'y' if horizontal else 'x'}}}<br>{label}: %{{{'x' if horizontal else 'y'}:{'.1%' if percent else ','}}}<extra></extra>"}
        if horizontal:
            fig.add_trace(go.Bar(y=labels, x=values, orientation="h", **common))
        else:
            fig.add_trace(go.Bar(x=labels, y=values, **common))
    fig.update_layout(barmode="stack" if stacked else "group", bargap=0.25)
    labelled = _target_lines(fig, series, targets, lang, colors, horizontal)
    shown_targets = [targets[c] for c, _ in series if targets and targets.get(c) is not None]
    zoom = rate_range(every, shown_targets) if percent and not stacked else None
    title_text = unit_title(unit or ("percent" if percent else "count"), lang, zoom[0] if zoom else None)
    known = [v for v in every if v is not None]
    if horizontal and not zoom and not stacked and known and max(known) > 0:
        zoom = [0, max(known) * 1.15]   # room for the values beside the longest bar (autorange cuts them off)
    # the categories are names, even when they are digits ("9", "11" of numbered districts): never a number line
    (fig.update_yaxes if horizontal else fig.update_xaxes)(type="category")
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(tickformat=".0%" if percent else None, gridcolor=GRID, title_text=title_text, **AXIS_TITLE,
                         **({"range": zoom} if zoom else {}))
    fig = _layout(fig, title, height, percent and not horizontal)
    if not horizontal:
        fig.update_yaxes(title_text=title_text, **AXIS_TITLE, **({"range": zoom} if zoom else {}))
    if (unit or "count") == "count" and not percent:   # counts are whole: no 0.5 or 1.5 tick on a small axis
        axis = fig.update_xaxes if horizontal else fig.update_yaxes
        axis(tickformat=",d", **({"dtick": 1} if known and max(known) <= 10 else {}))
    if labelled and not horizontal:
        fig.update_layout(margin={"r": TARGET_MARGIN})
    return fig


def heatmap(rows: list[dict], x: str, y: str, value: str, title: str, *, x_label=None, height: int = 420,
            unit: str = "count", lang: str = "zh") -> go.Figure:
    xs = sorted({r[x] for r in rows})
    ys = sorted({r[y] for r in rows if r[y] is not None})
    grid = {(r[x], r[y]): r[value] for r in rows}
    z = [[grid.get((a, b), 0) for a in xs] for b in ys]
    fig = go.Figure(go.Heatmap(x=[x_label(a) if x_label else a for a in xs], y=ys, z=z,
                               colorscale=[[0, "#FFFFFF"], [0.5, "#F0A3A8"], [1, ACCENT]],
                               hovertemplate="%{x}<br>%{y}: %{z:,}<extra></extra>",
                               colorbar={"thickness": 12, "title": {"text": UNITS[unit][0 if lang == "zh" else 1]}}))
    fig = _layout(fig, title, height)
    fig.update_yaxes(gridcolor="rgba(0,0,0,0)")
    return fig


def radar(series: list[tuple[str, list[float | None]]], axes: list[str], title: str, colors: dict | None = None,
          height: int = 420, floor: float = 0.0) -> go.Figure:
    """Rates on spokes. The rings are every 10 points from `floor` to 100% and carry no tick labels: labels on a
    spoke sit on top of the filled shapes (the page's caption says what the rings are; hovering gives each value)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series):
        color = (colors or {}).get(name, SERIES[i % len(SERIES)])
        closed = [floor if v is None else v for v in values]
        fig.add_trace(go.Scatterpolar(r=closed + closed[:1], theta=axes + axes[:1], name=name, fill="toself",
                                      opacity=0.55, line={"color": color},
                                      hovertemplate="%{theta}: %{r:.1%}<extra>" + name + "</extra>"))
    fig.update_layout(polar={"radialaxis": {"range": [floor, 1], "tickformat": ".0%", "gridcolor": GRID, "dtick": 0.1,
                                            "tick0": 0, "showticklabels": False, "ticks": "", "showline": False},
                             "angularaxis": {"gridcolor": GRID, "rotation": 90, "direction": "clockwise"}})
    return _layout(fig, title, height)


def month_label(day, language: str) -> str:
    return f"{day.year}年{day.month}月" if language == "zh" else day.strftime("%b %Y")
