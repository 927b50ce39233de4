"""One database, many readers and one writer at a time, across processes: the seam every process goes through.

DuckDB lets one process open a file read-write, or any number open it read-only, never both. So the database
file (the *master*) is opened read-write only by the one writer of the moment, under a lock file, and after each
write a read-only copy of it (a *snapshot*) is published beside it. Readers (dashboard processes, CLI queries,
briefings) open the newest snapshot read-only and swap to a newer one when it appears: a reader never blocks
the writer, the writer never breaks a reader, and a page sees the data before an import or after it, never half.

    data/dashboard.duckdb              the master (only the writer opens it)
    data/dashboard.duckdb.lock         held by the writer; says what it writes and since when
    data/dashboard.duckdb.snapshots/   00000007.duckdb … and CURRENT, the name of the newest
    data/dashboard.duckdb.unpublished  while a write runs, and after one that ended without publishing

Writes queue: a second writer waits for the lock (telling the caller what it waits behind), up to
`store.write_wait_seconds`, then gives a clear error. The measurements behind this design are in
docs/performance.md ("Many readers, one writer").

Faults (docs/deploy.md, "Disk space and recovery after a crash"): a write first checks that the disk has room
for what it may take (`space_needed`; DiskFull says how much, before anything is changed). A write that
committed but could not publish (the disk filled up in between; the process was killed) leaves its marker
`<db>.unpublished`: the next write, or the first reader of a process, publishes what the master holds and
audits the imports no entry names yet (`_recover`). Import ids never repeat: each write tells the importer the
highest id the audit log names (`import_id_floor`), which a restored backup cannot lower."""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import logging
import math
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

KEEP_SNAPSHOTS = 2          # the current one and the one before (a reader may still be on it: its file stays open)
CHECK_EVERY = 0.5           # seconds between a reader's looks for a newer snapshot
DEFAULTS = {"write_wait_seconds": 900, "write_threads": 1, "import_nice": 10, "compact_free_share": 0.3,
            "compact_min_mb": 32, "watch_seconds": 5}


class StoreError(Exception):
    """A database that cannot be used as asked; the message says why and what to do."""


class WriteTimeout(StoreError):
    """Another write held the database longer than the configured wait."""


MB = 1024 * 1024
SPACE_MARGIN = 8 * MB       # DuckDB grows its file by whole blocks and a write rewrites the months' rollups: a
                            # one-row import grew a 4 MB database by 2.4 MB (docs/deploy.md, disk space)
IMPORT_ID_FLOOR = "dashboard_import_id_floor"   # a connection variable: the highest import id ever audited
LOG = logging.getLogger("metrics.store")

# ---- what the store is handed from above -------------------------------------------------------------------------
# The store sits below the engine and the audit log (docs/architecture.md), yet a write opens the master with its
# tables brought up to date (the engine's metrics.database.connect), and what an earlier, killed write committed is
# audited when it is published (access.audit). Both are handed to the store once, at import, by the packages that
# own them (metrics/__init__.py, access/__init__.py): the store imports nothing above it.
_SEAMS: dict = {"open": None, "recovered": None, "highest_import_id": None}


def provide(**seams) -> None:
    """Hand the store what it needs from above: open(db) -> connection, recovered(db, imports, undone) and
    highest_import_id(db) (the audit log's)."""
    unknown = set(seams) - set(_SEAMS)
    if unknown:
        raise ValueError(f"unknown seams: {sorted(unknown)}")
    _SEAMS.update(seams)


def _open(db: Path):
    """The master opened as the engine opens it (metrics.database.connect, handed over by metrics/__init__.py)."""
    if _SEAMS["open"] is None:
        raise StoreError("数据库的打开方式未交给存储层（未导入 metrics） / the store was given no way to open a database "
                         "(metrics was not imported)")
    return _SEAMS["open"](db)


class DiskFull(StoreError):
    """Not enough free disk space for a write, found before it changed anything."""

    def __init__(self, folder: Path, needed: int, available: int):
        self.needed, self.available = needed, available
        n, m = math.ceil(needed / MB), max(0, available) // MB
        super().__init__(f"磁盘空间不足：需要约 {n} MB，可用 {m} MB（{folder}），未做任何改动 / not enough disk space: "
                         f"about {n} MB needed, {m} MB available ({folder}); nothing was changed")


class NotPublished(StoreError):
    """A write whose work committed but whose snapshot could not be published: the master holds it, readers do
    not see it yet; the next write or the next process's first reader publishes it."""

    def __init__(self, cause: BaseException):
        self.cause = cause
        zh, en = describe(cause)
        super().__init__(f"已提交，但快照未能发布（{zh}）；下次启动或写入时自动发布 / committed, but the snapshot could "
                         f"not be published ({en}); it is published at the next start or write")


def disk_full(exc: BaseException) -> bool:
    """Whether an error (an OSError, or DuckDB's text of one) says the disk is full."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "No space left on device" in str(exc)


def describe(exc: BaseException) -> tuple[str, str]:
    """A failure's cause in words, (Chinese, English): a full disk said so, anything else by its first line."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].replace(" / ", " - ")
    if disk_full(exc):
        return f"磁盘空间不足：{first}", f"not enough disk space: {first}"
    return first, first


def free_space(folder: Path) -> int:
    """Bytes an unprivileged process may still write in `folder`'s file system."""
    found = os.statvfs(folder)
    return found.f_bavail * found.f_frsize


def space_needed(db: Path, extra: int = 0) -> int:
    """What a write may take on the database's disk, at most: a snapshot copy of the master as it will be (the
    file, plus its WAL written into it at the checkpoint), `extra` for the rows the write adds (the caller
    estimates them: metrics.ingest.importer.space_for), and SPACE_MARGIN."""
    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    db = Path(db)
    return size(db) + size(Path(str(db) + ".wal")) + int(extra) + SPACE_MARGIN


def check_space(db: Path, extra: int = 0, *, needed: int | None = None) -> None:
    """DiskFull unless the database's disk has room for `space_needed(db, extra)` (or `needed` bytes)."""
    db = Path(db)
    folder = db.parent if db.parent.exists() else next(p for p in db.parents if p.exists())
    needed = space_needed(db, extra) if needed is None else needed
    available = free_space(folder)
    if available < needed:
        raise DiskFull(db.parent, needed, available)


@dataclass(frozen=True)
class Holder:
    """Who holds the write lock: what it writes, since when, from which process."""
    what: str
    since: dt.datetime
    pid: int
    host: str

    def text(self) -> str:
        return (f"{self.what}（{self.since:%Y-%m-%d %H:%M:%S} 开始，进程 {self.pid}） / "
                f"{self.what} (since {self.since:%Y-%m-%d %H:%M:%S}, process {self.pid})")


def settings(config: dict | None) -> dict:
    return {**DEFAULTS, **((config or {}).get("store") or {})}


def lock_path(db: Path) -> Path:
    return Path(str(db) + ".lock")


def snapshot_dir(db: Path) -> Path:
    return Path(str(db) + ".snapshots")


def marker_path(db: Path) -> Path:
    """Present while a write runs, and after one that ended without publishing what it may have committed
    (killed; its publish failed): the next write or first reader publishes and audits it (_recover)."""
    return Path(str(db) + ".unpublished")


def _read_marker(db: Path) -> dict | None:
    """The marker an earlier write left (None: there is none). {} when it says nothing readable (the disk was
    full when it was written): what it committed is then looked for against the current snapshot."""
    try:
        text = marker_path(db).read_text()
    except FileNotFoundError:
        return None
    try:
        found = json.loads(text) if text.strip() else {}
        return found if isinstance(found, dict) else {}
    except ValueError:
        return {}


def _mark(db: Path, what: str) -> None:
    """The marker of this write: what it writes and the snapshot current when it began (what it commits is
    what the master holds beyond that snapshot). On a full disk an empty file (an inode, no block) still says a
    write began."""
    info = json.dumps({"what": what, "pid": os.getpid(), "since": dt.datetime.now().isoformat(timespec="seconds"),
                       "snapshot": snapshot_number(db)}, ensure_ascii=False).encode()
    fd = os.open(marker_path(db), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        os.write(fd, info)
    except OSError:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)


# ---- writing -----------------------------------------------------------------------------------------

def holder(db: Path) -> Holder | None:
    """The current writer, if any holds the lock."""
    path = lock_path(Path(db))
    try:
        with open(path, "r+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
                return None   # nobody holds it
            except OSError:
                text = f.read()
    except FileNotFoundError:
        return None
    try:
        info = json.loads(text)
        return Holder(info["what"], dt.datetime.fromisoformat(info["since"]), int(info["pid"]), info["host"])
    except (ValueError, KeyError):
        return Holder("?", dt.datetime.now(), 0, "")


@dataclass
class Lock:
    """A held write lock. `remove`: take the lock file (and the folders the lock made) away on release, when
    the write left no database behind."""
    path: Path
    made: list[Path]            # folders that did not exist before the lock was taken, outermost first
    remove: bool = False


@contextmanager
def write_lock(db: Path, what: str, config: dict | None = None, on_wait=None):
    """The database's write lock, waited for (on_wait(holder) is told once what it waits behind)."""
    db = Path(db)
    made = [p for p in reversed(db.parent.parents) if not p.exists()] + ([db.parent] if not db.parent.exists() else [])
    wait = float(settings(config)["write_wait_seconds"])
    deadline, told = time.monotonic() + wait, False
    while True:
        db.parent.mkdir(parents=True, exist_ok=True)
        try:
            f = open(lock_path(db), "a+")
        except FileNotFoundError:
            continue   # its folder was removed in between (by a write that left nothing): made again
        try:
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                current = holder(db)
                if not told and on_wait is not None:
                    on_wait(current)
                    told = True
                if time.monotonic() >= deadline:
                    behind = current.text() if current else "?"
                    raise WriteTimeout(f"等待写入超时（{wait:.0f}秒），数据库正在被占用：{behind} / timed out after "
                                       f"{wait:.0f} s waiting to write; the database is busy")
                time.sleep(0.25)
        except BaseException:
            f.close()
            raise
        if _same_file(f, lock_path(db)):
            break
        f.close()   # the writer before us removed the lock file (it left no database): lock the path anew
    lock = Lock(lock_path(db), made)
    try:
        os.ftruncate(f.fileno(), 0)
        try:   # written past Python's buffer: on a full disk the holder stays unknown ("?"), the write goes on
            os.write(f.fileno(), json.dumps({"what": what, "since": dt.datetime.now().isoformat(timespec="seconds"),
                                             "pid": os.getpid(), "host": socket.gethostname()},
                                            ensure_ascii=False).encode())
        except OSError:
            os.ftruncate(f.fileno(), 0)
        yield lock
    finally:
        try:
            if lock.remove:   # removed while held: a waiter finds its file gone and locks the path anew
                lock.path.unlink(missing_ok=True)
                for folder in reversed(lock.made):
                    try:
                        folder.rmdir()
                    except OSError:
                        break   # not empty: something else lives there now
            else:
                os.ftruncate(f.fileno(), 0)
        finally:
            f.close()   # closing releases the lock


def _same_file(f, path: Path) -> bool:
    """Whether the open lock file is still the one at `path` (not removed, nor replaced, while we waited)."""
    try:
        return os.fstat(f.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def writer(db: Path, config: dict | None = None, *, what: str = "写入", on_wait=None, keep_new=None,
           need_bytes: int = 0, after=None):
    """A read-write connection on the master, under the write lock, with a share of the cores (the rest
    serve readers); on success a snapshot is published for readers. A failed write leaves the master as its
    transactions left it (each import is one) and publishes nothing.

    Before the work: DiskFull when the disk lacks `space_needed(db, need_bytes)` (nothing is changed); then what
    an earlier write committed without publishing is published and audited (_recover), and the connection is told
    the highest import id ever audited (IMPORT_ID_FLOOR: ids never repeat, a restore cannot lower them).

    After the work: `after(published, cause)` is called still under the lock (the caller's audit entries: a
    process killed before they are written leaves the marker, and the next write writes them). When the work
    committed but its checkpoint or snapshot failed, `after(False, cause)` and then NotPublished: the master
    holds the work, readers see it after the next write or start.

    `keep_new(con)`: asked at the end of a write that created the database, whether it holds anything to
    keep. When it says no (a refused first import), the database, its lock file and the folders the write made
    are removed, so the write leaves nothing behind, as if it had not been tried."""
    connect = _open
    db = Path(db)
    with write_lock(db, what, config, on_wait) as lock:
        earlier = _read_marker(db)          # an earlier write that ended without publishing: recovered below
        new = not db.exists()
        check_space(db, need_bytes)
        if earlier is None:
            _mark(db, what)
        settled = False                     # the marker may go: nothing is left unpublished

        def discarded() -> bool:
            """Whether this write's new database was left empty, and removed."""
            if not new or keep_new is None or _keeps(keep_new, con):
                return False
            con.close()
            for path in (db, Path(str(db) + ".wal"), marker_path(db)):
                path.unlink(missing_ok=True)
            lock.remove = True
            return True

        try:
            con = connect(db)
        except BaseException:
            if earlier is None:
                marker_path(db).unlink(missing_ok=True)
            raise
        failure = None
        try:
            if not new:
                con = _recover(db, con, earlier)
            con.execute(f"SET VARIABLE {IMPORT_ID_FLOOR} = {int(_audited_import_id(db))}")
            con.execute(f"SET threads = {int(settings(config)['write_threads'])}")
            try:
                yield con
            except BaseException:
                if discarded():
                    raise
                settled = not _unpublished(con, db)   # refused before it wrote anything (an undo refused)
                raise
            if discarded():
                return
            try:
                con.execute("CHECKPOINT")
            except Exception as exc:   # the commits are in the WAL: the next open replays them
                failure = exc
            if failure is None:
                try:
                    con = _compact_if_bloated(con, db, config)
                except Exception as exc:   # the checkpointed master is whole: published as it is
                    LOG.warning("%s: not rewritten: %s", db, exc)
        finally:
            con.close()
            if settled:
                marker_path(db).unlink(missing_ok=True)
        if failure is None:
            try:
                _publish(db)
            except Exception as exc:
                failure = exc
        if failure is not None:
            LOG.warning("%s: not published (what the write committed is published by the next write or start): %s",
                        db, failure)
            if after is not None:
                after(False, failure)
            raise NotPublished(failure) from failure
        if after is not None:
            after(True, None)
        marker_path(db).unlink(missing_ok=True)


def _keeps(keep_new, con) -> bool:
    """keep_new's answer; a database it cannot judge (the question failed) is kept."""
    try:
        return bool(keep_new(con))
    except Exception:
        return True


def publish(db: Path, config: dict | None = None) -> Path:
    """A snapshot of the master as it is (a database written before snapshots existed, the demo when built)."""
    with writer(Path(db), config, what="发布快照 / publish snapshot"):
        pass
    return current_snapshot(Path(db))


def snapshot_number(db: Path) -> int | None:
    """The number of the current snapshot (None before the first)."""
    try:
        return int(json.loads((snapshot_dir(Path(db)) / "CURRENT").read_text())["number"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def _publish(db: Path) -> Path:
    """Copy the closed master to a new snapshot, then point CURRENT at it (both by rename, so a reader sees
    the old snapshot or the new one, never a half-written file). The snapshots before the current one go first
    (a reader still on one keeps its open file), so the copy has their room; a copy that fails (a full disk)
    leaves no part of itself behind."""
    folder = snapshot_dir(db)
    folder.mkdir(exist_ok=True)
    numbers = sorted(int(p.stem) for p in folder.glob("*.duckdb") if p.stem.isdigit())
    for old in numbers[:max(0, len(numbers) + 1 - KEEP_SNAPSHOTS)]:
        (folder / f"{old:08d}.duckdb").unlink(missing_ok=True)
    for stale in folder.glob(".*.tmp"):   # a copy a killed write left
        stale.unlink(missing_ok=True)
    number = (numbers[-1] if numbers else 0) + 1
    final = folder / f"{number:08d}.duckdb"
    tmp = folder / f".{number:08d}.tmp"
    pointer = folder / ".CURRENT.tmp"
    switched = False
    try:
        shutil.copyfile(db, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
        pointer.write_text(json.dumps({"snapshot": final.name, "number": number,
                                       "published_at": dt.datetime.now().isoformat(timespec="seconds")}))
        os.replace(pointer, folder / "CURRENT")
        switched = True
    finally:
        if not switched:
            for path in (tmp, pointer, final):
                path.unlink(missing_ok=True)
    return final


def _compact_if_bloated(con, db: Path, config: dict | None):
    """Rewrite the master when much of it is free blocks (an aborted or a large import leaves them):
    DuckDB reuses free blocks but never gives them back to the disk. Skipped when the disk has no room for the
    rewritten copy; a rewrite that fails leaves the master as it was. The connection to go on with (closed when
    the master was rewritten)."""
    s = settings(config)
    total, free, block = (int(v or 0) for v in con.execute(
        "SELECT total_blocks, free_blocks, block_size FROM pragma_database_size()").fetchone())
    on_disk = db.stat().st_size   # blocks of a killed write lie past total_blocks, counted nowhere
    used = (total - free) * block
    if on_disk < s["compact_min_mb"] * 1024 * 1024 or on_disk - used < s["compact_free_share"] * on_disk:
        return con
    if free_space(db.parent) < used + SPACE_MARGIN:
        LOG.warning("%s: not rewritten (%d MB unused): no room for the copy", db, (on_disk - used) // MB)
        return con
    try:
        compact(con, db)
    except Exception as exc:
        LOG.warning("%s: rewrite failed, the master is as it was: %s", db, exc)
    return con


def compact(con, db: Path) -> None:
    """Copy every table of the open master into a fresh file and put it in the master's place."""
    tmp = Path(str(db) + ".compact")
    tmp.unlink(missing_ok=True)
    try:
        con.execute("ATTACH ? AS compacted", [str(tmp)])
        try:
            name = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(f'COPY FROM DATABASE "{name}" TO compacted')
        finally:
            con.execute("DETACH compacted")
    except BaseException:
        for path in (tmp, Path(str(tmp) + ".wal")):
            path.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, db)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)


# ---- after a fault -----------------------------------------------------------------------------------

def _written(con) -> tuple[set[int], set[int]]:
    """What the writes of a database left in it: the ids of its imports and of its undone imports."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    imports = {r[0] for r in con.execute("SELECT import_id FROM import_log").fetchall()} \
        if "import_log" in tables else set()
    undone = {int(r[0].split(":", 1)[1]) for r in con.execute(
        "SELECT key FROM meta WHERE key LIKE 'undone_import:%'").fetchall()} if "meta" in tables else set()
    return imports, undone


def _written_in(snapshot: Path | None) -> tuple[set[int], set[int]]:
    if snapshot is None or not snapshot.exists():
        return set(), set()
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return _written(con)
    finally:
        con.close()


def _unpublished(con, db: Path) -> bool:
    """Whether the open master holds imports or undos the current snapshot does not (or the reverse: a
    restored backup); True when it cannot be told."""
    try:
        return _written(con) != _written_in(current_snapshot(db))
    except Exception:
        return True


def _recover(db: Path, con, earlier: dict | None):
    """What an earlier write committed but did not publish (killed, or its publish failed: its marker is
    `earlier`), or what the master holds beyond the current snapshot: published now, and each import or undo of
    it that no audit entry names is audited (access.audit.recovered). Returns the connection to go on with."""
    connect = _open
    current = current_snapshot(db)
    if earlier is None and current is None:
        return con   # a database from before snapshots: its first publish is this write's own
    master, published = _written(con), _written_in(current)
    since = published
    if earlier is not None and "snapshot" in earlier:   # the earlier write's work: beyond its first snapshot
        base = snapshot_dir(db) / f"{int(earlier['snapshot']):08d}.duckdb" if earlier["snapshot"] else None
        if base is None:
            since = (set(), set())   # it was the database's first write
        elif base != current and base.exists():
            since = _written_in(base)
    imports, undone = sorted(master[0] - since[0]), sorted(master[1] - since[1])
    if master == published and not imports and not undone:
        return con
    result = con.execute("SELECT * FROM import_log WHERE list_contains(?, import_id) ORDER BY import_id",
                         [imports + undone])
    names = [d[0] for d in result.description]
    found = [dict(zip(names, r)) for r in result.fetchall()]
    if _SEAMS["recovered"] is None and found:   # never publish what then goes unaudited
        raise StoreError("审计日志未交给存储层（未导入 access），无法为恢复的写入留下记录，本次写入未进行 / the store was "
                         "given no audit log (access was not imported): what an earlier write committed cannot be "
                         "audited; this write was not done")
    if master != published:
        try:
            con.execute("CHECKPOINT")
            con.close()
            _publish(db)
        except Exception as exc:
            zh, en = describe(exc)
            raise StoreError(f"此前一次写入已提交的数据未能发布（{zh}），本次写入未进行 / what an earlier write committed "
                             f"could not be published ({en}); this write was not done") from exc
        con = connect(db)
        LOG.warning("%s: published what an earlier write committed (imports %s, undone %s)", db, imports, undone)
    by_id = {r["import_id"]: r for r in found}
    if found:
        _SEAMS["recovered"](db, [by_id[i] for i in imports if i in by_id], [by_id[i] for i in undone if i in by_id])
    return con


def _audited_import_id(db: Path) -> int:
    """The highest import id the audit log names (0 without an access file, or without an audit log handed over)."""
    if _SEAMS["highest_import_id"] is None:
        return 0
    try:
        return _SEAMS["highest_import_id"](db)
    except Exception as exc:   # an unreadable access file: the ids the database holds still never repeat
        LOG.warning("%s: highest audited import id unknown: %s", db, exc)
        return 0


def recover(db: Path, config: dict | None = None) -> bool:
    """At a process's start (its first reader of the database): an earlier write that left its marker (killed;
    its publish failed) is published and audited now, when the write lock is free at once (a write running now
    does it itself). Whether it was; a failure is logged, never raised (pages keep the snapshot they have)."""
    connect = _open
    db = Path(db)
    if not marker_path(db).exists():
        return False
    at_once = {**(config or {}), "store": {**settings(config), "write_wait_seconds": 0}}
    try:
        with write_lock(db, "恢复发布 / publish what an earlier write committed", at_once):
            earlier = _read_marker(db)
            if earlier is None:
                return False   # another process recovered it meanwhile
            if db.exists():
                check_space(db)
                con = connect(db)
                try:
                    con = _recover(db, con, earlier)
                finally:
                    con.close()
            marker_path(db).unlink(missing_ok=True)
            return True
    except WriteTimeout:
        return False
    except Exception as exc:
        LOG.warning("%s: recovery at start failed: %s", db, exc)
        return False


# ---- reading -----------------------------------------------------------------------------------------

def current_snapshot(db: Path) -> Path | None:
    try:
        info = json.loads((snapshot_dir(Path(db)) / "CURRENT").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return snapshot_dir(Path(db)) / info["snapshot"]


def published_at(db: Path) -> dt.datetime | None:
    try:
        info = json.loads((snapshot_dir(Path(db)) / "CURRENT").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return dt.datetime.fromisoformat(info["published_at"])


class Reader:
    """Read-only access to the newest snapshot of one database, for every thread of a process: `cursor()`
    gives a cursor on the newest snapshot, swapping connections when a newer one was published (the old
    connection stays open for queries still running on it)."""

    def __init__(self, db: Path, config: dict | None = None):
        self.db = Path(db)
        self.config = config
        self._lock = threading.Lock()
        self._con = None
        self._snapshot: Path | None = None
        self._previous = []
        self._checked = 0.0

    def cursor(self):
        with self._lock:
            if self._con is None or time.monotonic() - self._checked >= CHECK_EVERY:
                self._refresh()
            return self._con.cursor()

    @property
    def version(self) -> int:
        """The number of the snapshot this reader is on (changes with every write)."""
        self.cursor().close()
        return int(self._snapshot.stem) if self._snapshot else 0

    def _refresh(self) -> None:
        self._checked = time.monotonic()
        newest = current_snapshot(self.db)
        if newest is None:
            if not self.db.exists():
                raise StoreError(f"数据库不存在 / database not found: {self.db}")
            newest = publish(self.db, self.config)   # a database from before snapshots: published once
        if newest == self._snapshot and self._con is not None:
            return
        try:
            con = duckdb.connect(str(newest), read_only=True)
        except duckdb.IOException:
            if self._con is not None:   # removed between our look and our open: the next look finds its successor
                return
            raise
        if self._con is not None:
            self._previous = (self._previous + [self._con])[-KEEP_SNAPSHOTS:]
        self._con, self._snapshot = con, newest


_READERS: dict[str, Reader] = {}
_READERS_LOCK = threading.Lock()


def look_again() -> None:
    """After this process's own write: every reader looks for the new snapshot on its next cursor, not
    CHECK_EVERY seconds later (the page that imported or undid shows the result at once)."""
    with _READERS_LOCK:
        for found in _READERS.values():
            found._checked = 0.0


def reader(db: Path, config: dict | None = None) -> Reader:
    """The process's one Reader of a database; the first one of a process publishes first what an earlier write
    committed without publishing it (recover)."""
    key = str(Path(db).resolve())
    with _READERS_LOCK:
        if key not in _READERS:
            recover(Path(db), config)
            _READERS[key] = Reader(Path(db), config)
        return _READERS[key]


def holds_imports(db: Path, config: dict | None = None) -> bool:
    """Whether something was ever imported into the database (read from its published snapshot): the dashboard
    shows it over the demo, and every page of it needs a sign-in. A database a first import left empty does not."""
    db = Path(db)
    if not (db.exists() or current_snapshot(db)):
        return False
    return reader(db, config).cursor().execute("SELECT count(*) FROM import_log").fetchone()[0] > 0


def backup(db: Path, out: Path, config: dict | None = None) -> Path:
    """A consistent copy of the database as last published (snapshots never change), while anything runs."""
    snapshot = current_snapshot(Path(db)) or publish(Path(db), config)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        shutil.copyfile(snapshot, tmp)
        os.replace(tmp, out)
    except BaseException:   # a full disk leaves no part of a copy behind
        tmp.unlink(missing_ok=True)
        raise
    return out


def restore(db: Path, source: Path, config: dict | None = None, on_wait=None) -> Path:
    """Put a backup in the master's place (under the write lock) and publish it."""
    source = Path(source)
    try:
        check = duckdb.connect(str(source), read_only=True)
        check.execute("SELECT count(*) FROM import_log").fetchone()
        check.close()
    except duckdb.Error as exc:
        raise StoreError(f"{source.name}: 不是看板数据库的备份 / not a backup of a dashboard database "
                         f"({type(exc).__name__})") from None
    tmp = Path(str(db) + ".restore")
    # the copy beside the master, then its snapshot: twice the backup (the master it replaces is freed)
    check_space(Path(db), needed=2 * source.stat().st_size + SPACE_MARGIN)
    try:
        shutil.copyfile(source, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return replace_master(Path(db), tmp, f"恢复备份 {source.name} / restore", config, on_wait)


def replace_master(db: Path, new: Path, what: str, config: dict | None = None, on_wait=None) -> Path:
    """Put a finished database file in the master's place under the write lock, bring its layout up to date
    and publish it (a restored backup, a rebuilt demo)."""
    connect = _open
    with write_lock(db, what, config, on_wait):
        earlier = _read_marker(db)
        if earlier is not None and db.exists():   # what an earlier write committed is audited before it is replaced
            con = connect(db)
            try:
                con = _recover(db, con, earlier)
            finally:
                con.close()
        _mark(db, what)
        os.replace(new, db)
        Path(str(db) + ".wal").unlink(missing_ok=True)
        con = connect(db)
        con.execute("CHECKPOINT")
        con.close()
        try:
            _publish(db)
        except Exception as exc:   # the marker stays: the next write or start publishes it
            raise NotPublished(exc) from exc
        marker_path(db).unlink(missing_ok=True)
    return db
