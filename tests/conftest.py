import datetime as dt
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import fixtures  # noqa: E402
from metrics.config import load_config  # noqa: E402
from metrics.db import connect  # noqa: E402
from metrics.kpis import Window  # noqa: E402
from metrics.periods import Period  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture
def built(tmp_path, config):
    """A fresh database with the hand-counted fixture imported: (con, folder, results)."""
    con = connect(tmp_path / "test.duckdb")
    results = fixtures.build(con, tmp_path, config)
    yield con, tmp_path, results
    con.close()


@pytest.fixture(scope="module")
def fixture_con(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("kpis")
    con = connect(folder / "kpis.duckdb")
    fixtures.build(con, folder, config)
    yield con
    con.close()


def june(as_of=fixtures.AS_OF) -> Window:
    return Window(Period(dt.date(2024, 6, 1), dt.date(2024, 6, 30)), as_of)
