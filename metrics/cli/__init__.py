"""The command line, `python -m metrics`: for scripts, scheduled jobs and an office's terminal. An entry point like
the dashboard's pages, above the engine, the access rules and the briefing (docs/architecture.md); docs/cli.md."""
