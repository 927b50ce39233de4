"""The scale-out path: the lake of Parquet files, the Spark door onto it and the rollup job that builds a rollups-only file."""
