"""The Streamlit side of the dashboard: what a page needs, each found by its name.

- `connection`: the database a page reads (user's or demo), its reader, data version and facts;
- `who`: the signed-in account, its address, the scope narrowed to it (the one seam), refusals, audit entries;
- `engine`: the engine asked for a scope and window, narrowed by `who` first and cached per data version;
- `language`, `url`, `filters`: the page's language, its address, the shared sidebar filters;
- `frame`: title, as-of line, the look for new data, what a page says instead of an empty chart;
- `tables`, `downloads`, `cards`: tables as shown, Excel/CSV downloads, KPI cards;
- `signin`: the sign-in view and the signed-in box (the door itself is gateway/);
- `i18n`, `style`: the string table and the static CSS."""
