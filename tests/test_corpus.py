"""The hostile-file corpus (tests/corpus/cases.py): every file gives exactly its hand-counted outcome, a refused
file leaves the database as it was, and every import's row accounting balances."""
import datetime as dt
import sys
from pathlib import Path

import pytest

from metrics.database import connect
from metrics.ingest.importer import import_file
from metrics.ingest.readers import ImportFailure

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
import cases as corpus  # noqa: E402

FIELDS = ("rows_read", "rows_new", "rows_updated", "rows_unchanged", "rows_duplicate", "rows_rejected", "warnings")


def test_the_shipped_files_are_the_corpus():
    shipped = sorted(p.name for p in corpus.FILES.iterdir())
    assert shipped == sorted(c.file for c in corpus.CASES) and len(shipped) >= 40
    for case in corpus.CASES:
        assert (corpus.FILES / case.file).read_bytes() == case.content, case.file


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.file for c in corpus.CASES])
def test_each_file_gives_its_exact_outcome(tmp_path, config, case):
    con = connect(tmp_path / "corpus.duckdb")
    path = corpus.FILES / case.file
    if case.refused:
        with pytest.raises(ImportFailure, match=case.refused) as failure:
            import_file(con, case.kind, path, config, rejection_dir=tmp_path)
        assert str(failure.value).startswith(case.file)
        assert not [a for a in case.absent if a in str(failure.value)]
        assert con.execute("SELECT count(*) FROM import_log").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM work_orders").fetchone() == (0,)
        return
    result = import_file(con, case.kind, path, config, rejection_dir=tmp_path)
    assert tuple(getattr(result, f) for f in FIELDS) == case.counts
    assert result.accounted()
    issues = con.execute("SELECT row_number, severity, reason FROM import_issues ORDER BY row_number, reason").fetchall()
    assert [(r, s) for r, s, _ in issues] == [(r, s) for r, s, _ in case.issues]
    for (_, _, reason), (_, _, start) in zip(issues, case.issues):
        assert reason.startswith(start), (reason, start)
    told = str(result) + repr(con.execute("SELECT * FROM import_issues").fetchall())
    told += repr(con.execute(f"SELECT * FROM {case.table}").fetchall())
    assert not [a for a in case.absent if a in told]
    for part in case.notes:
        assert any(part in note for note in result.notes), (part, result.notes)
    for order_id, expected in case.stored.items():
        columns = ", ".join(expected)
        key = "compound_name" if case.table == "compounds" else "order_id"
        got = con.execute(f"SELECT {columns} FROM {case.table} WHERE {key} = ?", [order_id]).fetchone()
        got = [str(v) if isinstance(v, dt.datetime) else v for v in got]
        assert got == list(expected.values()), order_id
