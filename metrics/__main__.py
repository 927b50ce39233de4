"""`python -m metrics`: the command line (metrics/cli/)."""
import sys

from metrics.cli.main import _setup_logging, main  # noqa: F401  (main: the tests call it)

if __name__ == "__main__":
    _setup_logging()
    sys.exit(main())
