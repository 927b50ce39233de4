"""The KPI engine of the compound governance dashboard, and the rooms around it (docs/architecture.md).

- the engine, at the package root: the clean tables and how they are asked (`db` the SQL door, `database` opening a
  file, `schema`, `rollup` and `rollup_state`, `names`, `places`, `known`, `masking`), and what is measured of them
  for any scope and period (`catalog`, `kpis`, `periods`, `scorecard`, `attention`, `supervision`, `trends`,
  `party`, `caveats`, `compound_profile`, `options`, `formatting`, `exports`, `formulas`, `config`);
- `ingest/`: an export file read, typed, masked, matched to the registry and accounted for, row by row;
- `scale/`: the lake of Parquet files, the Spark door onto it, the rollup job;
- `demo/`: the demo data;
- `cli/`: `python -m metrics`, an entry point like the dashboard's pages.

The store (store/) sits below: it is handed the engine's way of opening a database here, once."""
import store
from metrics.database import connect as _connect

store.provide(open=_connect)
