"""Importing an export file: reading it, typing and masking its cells, matching it to the registry, accounting for every row."""
