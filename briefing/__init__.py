"""Briefings (简报): content from the KPI engine, written as Word and PDF."""
