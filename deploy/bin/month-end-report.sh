#!/bin/bash
# Last month's briefing (简报) for every street, into $DASHBOARD_REPORTS/YYYY-MM/ (cron or
# dashboard-report.timer on the 1st). GNU date: the first of this month minus one month, and minus one day.
set -euo pipefail
app=${DASHBOARD_HOME:-/opt/dashboard}
python=${DASHBOARD_PYTHON:-$app/.venv/bin/python}
db=${DASHBOARD_DB:-/srv/dashboard/data/dashboard.duckdb}
reports=${DASHBOARD_REPORTS:-/srv/dashboard/reports}

this_month=$(date +%Y-%m-01)
first=$(date -d "$this_month -1 month" +%F)
last=$(date -d "$this_month -1 day" +%F)
out="$reports/${first:0:7}"
mkdir -p "$out"
cd "$app"
exec "$python" -m metrics report --all-streets --db "$db" --from "$first" --to "$last" --format docx --out "$out"
