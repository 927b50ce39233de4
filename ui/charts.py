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


def _layout(fig: go.Figure, title: str, height: int = 360, percent_axis: bool = False) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": INK}},
        font={"family": FONT, "color": INK, "size": 13}, height=height, margin={"l": 10, "r": 10, "t": 56, "b": 10},
        plot_bgcolor="white", paper_bgcolor="white", legend={"orientation": "h", "y": -0.15, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(showgrid=False, linecolor=GRID)
    fig.update_yaxes(gridcolor=GRID, zeroline=False, tickformat=".0%" if percent_axis else None)
    return fig


def lines(rows: list[dict], x: str, series: list[tuple[str, str]], title: str, *, percent: bool = False,
          colors: dict | None = None, targets: dict | None = None, height: int = 360, hover_format: str | None = None) -> go.Figure:
    """One line per (column, label); rates on a percent axis with dotted target lines."""
    fig = go.Figure()
    for i, (column, label) in enumerate(series):
        color = (colors or {}).get(column, SERIES[i % len(SERIES)])
        fig.add_trace(go.Scatter(x=[r[x] for r in rows], y=[r.get(column) for r in rows], name=label, mode="lines+markers",
                                 line={"color": color, "width": 2.5 if i == 0 else 2}, marker={"size": 5},
                                 hovertemplate=f"%{{x}}<br>{label}: %{{y:{hover_format or ('.1%' if percent else ',')}}}<extra></extra>"))
        if targets and column in targets:
            fig.add_hline(y=targets[column], line={"color": color, "dash": "dot", "width": 1})
    return _layout(fig, title, height, percent)


def bars(rows: list[dict], x: str, series: list[tuple[str, str]], title: str, *, percent: bool = False,
         horizontal: bool = False, colors: dict | None = None, color_by_x: dict | None = None, height: int = 360,
         stacked: bool = False, x_label=None) -> go.Figure:
    """Grouped (or stacked) bars; `color_by_x` colours single-series bars by their category."""
    fig = go.Figure()
    labels = [x_label(r[x]) if x_label else r[x] for r in rows]
    for i, (column, label) in enumerate(series):
        values = [r.get(column) for r in rows]
        color = ([color_by_x.get(r[x], SERIES[1]) for r in rows] if color_by_x and len(series) == 1
                 else (colors or {}).get(column, SERIES[i % len(SERIES)]))
        text = [None if v is None else (f"{v:.1%}" if percent else f"{v:,.0f}") for v in values]
        common = {"name": label, "marker": {"color": color}, "text": text, "textposition": "auto",
                  "hovertemplate": f"%{{{'y' if horizontal else 'x'}}}<br>{label}: %{{{'x' if horizontal else 'y'}:{'.1%' if percent else ','}}}<extra></extra>"}
        if horizontal:
            fig.add_trace(go.Bar(y=labels, x=values, orientation="h", **common))
        else:
            fig.add_trace(go.Bar(x=labels, y=values, **common))
    fig.update_layout(barmode="stack" if stacked else "group", bargap=0.25)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(tickformat=".0%" if percent else None, gridcolor=GRID)
    return _layout(fig, title, height, percent and not horizontal)


def heatmap(rows: list[dict], x: str, y: str, value: str, title: str, *, x_label=None, height: int = 420) -> go.Figure:
    xs = sorted({r[x] for r in rows})
    ys = sorted({r[y] for r in rows if r[y] is not None})
    grid = {(r[x], r[y]): r[value] for r in rows}
    z = [[grid.get((a, b), 0) for a in xs] for b in ys]
    fig = go.Figure(go.Heatmap(x=[x_label(a) if x_label else a for a in xs], y=ys, z=z,
                               colorscale=[[0, "#FFFFFF"], [0.5, "#F0A3A8"], [1, ACCENT]],
                               hovertemplate="%{x}<br>%{y}: %{z:,}<extra></extra>", colorbar={"thickness": 12}))
    fig = _layout(fig, title, height)
    fig.update_yaxes(gridcolor="rgba(0,0,0,0)")
    return fig


def radar(series: list[tuple[str, list[float | None]]], axes: list[str], title: str, colors: dict | None = None,
          height: int = 420) -> go.Figure:
    fig = go.Figure()
    for i, (name, values) in enumerate(series):
        color = (colors or {}).get(name, SERIES[i % len(SERIES)])
        closed = [0 if v is None else v for v in values]
        fig.add_trace(go.Scatterpolar(r=closed + closed[:1], theta=axes + axes[:1], name=name, fill="toself",
                                      opacity=0.55, line={"color": color},
                                      hovertemplate="%{theta}: %{r:.1%}<extra>" + name + "</extra>"))
    fig.update_layout(polar={"radialaxis": {"range": [0, 1], "tickformat": ".0%", "gridcolor": GRID},
                             "angularaxis": {"gridcolor": GRID}})
    return _layout(fig, title, height)


def month_label(day, language: str) -> str:
    return f"{day.year}年{day.month}月" if language == "zh" else day.strftime("%b %Y")
