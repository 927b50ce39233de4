"""KPI engine of the compound governance dashboard: import, clean tables, one definition per KPI."""
