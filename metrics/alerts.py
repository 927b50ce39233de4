"""提醒 · Alerts: rules run over the data, each a function in a registry, each alert with a stable key.

A rule is one function `(con, config, rule, as_of) -> list[dict]` registered under its name with `@rule("name")`;
`rule` is its section of config.yaml `alerts:` (`alerts.<name>`, over its DEFAULTS), and a rule whose section says
`enabled: false` does not run. An alert is a dict: key (stable: the same fact found again has the same key, so an
acknowledgement keeps), rule, compound_name, month (the first day of the month it speaks of), figures (what the
panel and the CLI say, counted) and view (the page and address that show it). `evaluate` runs every rule and gives
each alert its compound's street and community (the registry's, else those most of its rows carry), by which the
alerts are scoped. The alerts are stored, and acknowledged, in the access file (access.alerts).

The rules here (docs/config.md, 提醒):
- below_target: a compound's monthly rate below its target (config targets) in each of the last `months` complete
  months, each month with at least `min_orders` orders in the rate's base. One alert per compound, rate and run
  (its key names the run's first month): a run that goes on updates that alert's figures, it raises no new one.
- spike: a compound's work orders (complaints) in the latest complete month, or in the month running at 数据截至,
  reach both `min_orders` (`min_complaints`) and `ratio` x the mean of the `baseline_months` months before it
  (metrics.attention.spikes, with at least three months of data before it). One alert per compound, dataset and
  month.
Two more rules live in the rooms whose data they read, registered the same way (`@rule`, and `@words` for what the
panel says): new_hot_issue in metrics.hot.alerts, supervision_overdue in casework.alerts (a rule that reads the access
file says `@rule(name, access=True)` and is given it as `access`). access.alerts, which runs the rules, imports the
first; casework lies above access, so the entry points that run the rules (ui.alerts, `python -m metrics alerts`)
import the second, and tests/test_alerts.py checks each entry point has every rule of DEFAULTS registered."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from metrics.attention import spikes
from metrics.catalog import KPIS
from metrics.formatting import percent
from metrics.known import known_compounds
from metrics.kpis import Scope, latest_timestamp, order_kpis_by
from metrics.periods import Period, Window, add_months, is_complete, last_complete_month, month_end

RULES: dict[str, Callable] = {}
READS_ACCESS: set[str] = set()       # the rules given the access file (`access=`)
WORDS: dict[str, Callable] = {}      # rule name -> (alert, lang) -> its words, for rules registered outside this module
DEFAULTS = {
    "below_target": {"enabled": True, "months": 3, "kpis": ["on_time_closure_rate", "satisfaction_rate"],
                     "min_orders": 10},
    "spike": {"enabled": True, "datasets": ["work_orders", "complaints"], "baseline_months": 3, "ratio": 2,
              "min_orders": 20, "min_complaints": 8},
    "supervision_overdue": {"enabled": True},
    "new_hot_issue": {"enabled": True, "min_residents": None},
}
LOOKBACK_MONTHS = 24   # how far back a below-target run is followed (a longer run is said from its 24th month)
SHOWN_MONTHS = 3       # the months of a run its words name (the latest); the figures keep them all


def rule(name: str, *, access: bool = False):
    """Register a rule function under `name` (its config section `alerts.<name>`); with `access`, it is also given the
    access file (`access=`, a database path as access.db.connect takes it) and does not run without one."""
    def register(fn):
        RULES[name] = fn
        if access:
            READS_ACCESS.add(name)
        return fn
    return register


def words(name: str):
    """Register how a rule's alerts are said: (alert, lang) -> text."""
    def register(fn):
        WORDS[name] = fn
        return fn
    return register


def settings(config: dict, name: str) -> dict:
    """A rule's section of config.yaml `alerts:` over its defaults."""
    return {**DEFAULTS.get(name, {}), **(((config or {}).get("alerts") or {}).get(name) or {})}


def evaluate(con, config: dict, as_of: dt.datetime | None = None, access=None) -> list[dict]:
    """Every enabled rule's alerts on the data as of `as_of` (default 数据截至), each with street and community,
    sorted by key; none when the data is empty. Rules that read the access file run only when `access` is given."""
    as_of = as_of or latest_timestamp(con)
    if as_of is None:
        return []
    places = {r["compound_name"]: (r["street"], r["community"]) for r in known_compounds(con)}
    out = []
    for name, fn in RULES.items():
        spec = settings(config, name)
        if not spec.get("enabled", True) or (name in READS_ACCESS and access is None):
            continue
        for found in (fn(con, config, spec, as_of, access=access) if name in READS_ACCESS
                      else fn(con, config, spec, as_of)):
            street, community = places.get(found.get("compound_name"),
                                           (found.get("street"), found.get("community")))
            out.append({**found, "rule": name, "street": street, "community": community})
    return sorted(out, key=lambda a: a["key"])


def month_window(first: dt.date, last: dt.date, as_of: dt.datetime) -> Window:
    return Window(Period(first, month_end(last.year, last.month)), as_of)


def view(page: str, first: dt.date, last: dt.date, **params) -> dict:
    """The page and address that show an alert: its compound over the months it speaks of."""
    return {"page": page, "params": {**params, "period": "custom", "from": first.isoformat(),
                                     "to": month_end(last.year, last.month).isoformat()}}


@rule("below_target")
def below_target(con, config: dict, spec: dict, as_of: dt.datetime) -> list[dict]:
    """Compounds whose rate was below target in each of the last `months` complete months (module docstring)."""
    last = last_complete_month(as_of)
    first = add_months(last, -(LOOKBACK_MONTHS - 1))
    found = order_kpis_by(con, config, Scope(), month_window(first, last, as_of), by=["compound_name"],
                          grain="month", hours=False)
    by_compound: dict[str, dict] = {}
    for r in found:
        if r["compound_name"] is not None:
            by_compound.setdefault(r["compound_name"], {})[r["month"]] = r
    least, needed, out = int(spec["min_orders"]), int(spec["months"]), []
    for kpi in spec["kpis"]:
        target = config["targets"].get(kpi)
        if target is None:
            continue
        base = KPIS[kpi].denominator
        for name, months in sorted(by_compound.items()):
            run, month = [], last
            while month >= first:
                r = months.get(month)
                if r is None or (r.get(base) or 0) < least or r.get(kpi) is None or r[kpi] >= target:
                    break
                run.append({"month": month.isoformat(), "rate": r[kpi], "n": int(r[base])})
                month = add_months(month, -1)
            if len(run) < needed:
                continue
            run.reverse()
            start = dt.date.fromisoformat(run[0]["month"])
            out.append({"key": f"below_target:{kpi}:{name}:{start:%Y-%m}", "compound_name": name,
                        "month": last.isoformat(),
                        "figures": {"kpi": kpi, "target": target, "months": len(run), "run": run},
                        "view": view("profile", start, last, compound=name)})
    return out


@rule("spike")
def spike(con, config: dict, spec: dict, as_of: dt.datetime) -> list[dict]:
    """Compounds whose orders (complaints) spiked in the latest complete month or the running one."""
    last = last_complete_month(as_of)
    window = month_window(last, as_of.date(), as_of)
    k = int(spec["baseline_months"])
    asked = {**config, "attention": {**config["attention"], "spike_ratio": spec["ratio"], "baseline_months": k,
                                      "spike_min_orders": spec["min_orders"],
                                      "spike_min_complaints": spec["min_complaints"]}}
    running = as_of.date().replace(day=1)   # the month 数据截至 falls in, still running unless as_of is its last day
    still_running = not is_complete(Period(running, month_end(running.year, running.month)), as_of)
    out = []
    for dataset in spec["datasets"]:
        for s in spikes(con, asked, Scope(), window, dataset):
            month = s["month"]
            out.append({"key": f"spike:{dataset}:{s['compound_name']}:{month:%Y-%m}",
                        "compound_name": s["compound_name"], "street": s["street"], "month": month.isoformat(),
                        "figures": {"dataset": dataset, "count": int(s["count"]),
                                    "baseline": round(float(s["baseline"]), 4), "months": int(s["months"]),
                                    "ratio": float(spec["ratio"]), "running": month == running and still_running},
                        "view": view("profile", add_months(month, -int(s["months"])), month,
                                      compound=s["compound_name"])})
    return out


def url(view: dict) -> str:
    """The dashboard address of an alert's (or a saved) view: /profile?compound=…&period=custom&from=…&to=…"""
    return f"/{view['page']}" + (f"?{urlencode(view['params'])}" if view.get("params") else "")


def month_text(day: str, lang: str) -> str:
    d = dt.date.fromisoformat(day)
    return f"{d.year}年{d.month}月" if lang == "zh" else d.strftime("%b %Y")


def day_text(day: str, lang: str) -> str:
    """A day as officials write it: 2024年6月3日 (English: 3 Jun 2024)."""
    d = dt.date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"{d.day} {d:%b %Y}"


def describe(alert: dict, lang: str = "zh") -> str:
    """An alert in words, with its figures: "阳光花园按时办结率连续3个月低于目标95.0%（2024年4月60.0%、…）"."""
    f, name, zh = alert["figures"], alert["compound_name"], lang == "zh"
    if alert["rule"] == "below_target":
        label, shown = KPIS[f["kpi"]].label(lang), f["run"][-SHOWN_MONTHS:]
        months = ("、" if zh else ", ").join(f"{month_text(m['month'], lang)}{'' if zh else ' '}{percent(m['rate'])}"
                                            for m in shown)
        longest = f["months"] >= LOOKBACK_MONTHS   # followed back no further: at least this long
        recent = (f"最近{len(shown)}个月：" if zh else f"the last {len(shown)}: ") if len(shown) < f["months"] else ""
        return (f"{name}{label}连续{f['months']}个月{'以上' if longest else ''}低于目标{percent(f['target'])}"
                f"（{recent}{months}）" if zh
                else f"{name}: {label} below its target {percent(f['target'])} for {'at least ' if longest else ''}"
                     f"{f['months']} months running ({recent}{months})")
    if alert["rule"] == "spike":
        what = {"work_orders": ("工单量", "work orders"), "complaints": ("投诉量", "complaints")}[f["dataset"]]
        month = month_text(alert["month"], lang)
        running = ("（当月尚未结束）" if zh else " (month still running)") if f.get("running") else ""
        return (f"{name}{month}{what[0]}{f['count']}件，为前{f['months']}个月平均（{f['baseline']:.1f}件）的"
                f"{f['count'] / f['baseline']:.1f}倍{running}" if zh and f["baseline"]
                else f"{name}{month}{what[0]}{f['count']}件，前{f['months']}个月为0{running}" if zh
                else f"{name}, {month}: {f['count']} {what[1]}, {f['count'] / f['baseline']:.1f} times the average of "
                     f"the {f['months']} months before ({f['baseline']:.1f}){running}" if f["baseline"]
                else f"{name}, {month}: {f['count']} {what[1]}, none in the {f['months']} months before{running}")
    if alert["rule"] in WORDS:
        return WORDS[alert["rule"]](alert, lang)
    return f"{alert['rule']}: {name}"
