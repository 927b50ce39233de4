"""One database, many readers and one writer at a time, across processes: the seam every process goes through.

DuckDB lets one process open a file read-write, or any number open it read-only, never both. So the database
file (the *master*) is opened read-write only by the one writer of the moment, under a lock file, and after each
write a read-only copy of it (a *snapshot*) is published beside it. Readers (dashboard processes, CLI queries,
briefings) open the newest snapshot read-only and swap to a newer one when it appears: a reader never blocks
the writer, the writer never breaks a reader, and a page sees the data before an import or after it, never half.

    data/dashboard.duckdb              the master (only the writer opens it)
    data/dashboard.duckdb.lock         held by the writer; says what it writes and since when
    data/dashboard.duckdb.snapshots/   00000007.duckdb … and CURRENT, the name of the newest

Writes queue: a second writer waits for the lock (telling the caller what it waits behind), up to
`store.write_wait_seconds`, then gives a clear error. The measurements behind this design are in
docs/performance.md ("Many readers, one writer")."""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
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
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"what": what, "since": dt.datetime.now().isoformat(timespec="seconds"),
                            "pid": os.getpid(), "host": socket.gethostname()}, ensure_ascii=False))
        f.flush()
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
                f.seek(0)
                f.truncate()
                f.flush()
        finally:
            f.close()   # closing releases the lock


def _same_file(f, path: Path) -> bool:
    """Whether the open lock file is still the one at `path` (not removed, nor replaced, while we waited)."""
    try:
        return os.fstat(f.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def writer(db: Path, config: dict | None = None, *, what: str = "写入", on_wait=None, keep_new=None):
    """A read-write connection on the master, under the write lock, with a share of the cores (the rest
    serve readers); on success a snapshot is published for readers. A failed write leaves the master as its
    transactions left it (each import is one) and publishes nothing.

    `keep_new(con)`: asked at the end of a write that created the database, whether it holds anything to
    keep. When it says no (a refused first import), the database, its lock file and the folders the write made
    are removed, so the write leaves nothing behind, as if it had not been tried."""
    from metrics.db import connect

    db = Path(db)
    with write_lock(db, what, config, on_wait) as lock:
        new = not db.exists()

        def discarded() -> bool:
            """Whether this write's new database was left empty, and removed."""
            if not new or keep_new is None or _keeps(keep_new, con):
                return False
            con.close()
            for path in (db, Path(str(db) + ".wal")):
                path.unlink(missing_ok=True)
            lock.remove = True
            return True

        con = connect(db)
        try:
            con.execute(f"SET threads = {int(settings(config)['write_threads'])}")
            try:
                yield con
            except BaseException:
                discarded()
                raise
            if discarded():
                return
            con.execute("CHECKPOINT")
            _compact_if_bloated(con, db, config)
        finally:
            con.close()
        _publish(db)


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


def _publish(db: Path) -> Path:
    """Copy the closed master to a new snapshot, then point CURRENT at it (both by rename, so a reader sees
    the old snapshot or the new one, never a half-written file); older snapshots beyond KEEP_SNAPSHOTS go."""
    folder = snapshot_dir(db)
    folder.mkdir(exist_ok=True)
    numbers = sorted(int(p.stem) for p in folder.glob("*.duckdb") if p.stem.isdigit())
    number = (numbers[-1] if numbers else 0) + 1
    final = folder / f"{number:08d}.duckdb"
    tmp = folder / f".{number:08d}.tmp"
    shutil.copyfile(db, tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)
    pointer = folder / ".CURRENT.tmp"
    pointer.write_text(json.dumps({"snapshot": final.name, "number": number,
                                   "published_at": dt.datetime.now().isoformat(timespec="seconds")}))
    os.replace(pointer, folder / "CURRENT")
    for old in numbers[:max(0, len(numbers) + 1 - KEEP_SNAPSHOTS)]:
        (folder / f"{old:08d}.duckdb").unlink(missing_ok=True)   # a reader still on it keeps its open file
    return final


def _compact_if_bloated(con, db: Path, config: dict | None) -> None:
    """Rewrite the master when much of it is free blocks (an aborted or a large import leaves them):
    DuckDB reuses free blocks but never gives them back to the disk."""
    s = settings(config)
    total, free, block = (int(v or 0) for v in con.execute(
        "SELECT total_blocks, free_blocks, block_size FROM pragma_database_size()").fetchone())
    on_disk = db.stat().st_size   # blocks of a killed write lie past total_blocks, counted nowhere
    used = (total - free) * block
    if on_disk < s["compact_min_mb"] * 1024 * 1024 or on_disk - used < s["compact_free_share"] * on_disk:
        return
    compact(con, db)


def compact(con, db: Path) -> None:
    """Copy every table of the open master into a fresh file and put it in the master's place."""
    tmp = Path(str(db) + ".compact")
    tmp.unlink(missing_ok=True)
    con.execute("ATTACH ? AS compacted", [str(tmp)])
    try:
        name = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f'COPY FROM DATABASE "{name}" TO compacted')
    finally:
        con.execute("DETACH compacted")
    con.close()
    os.replace(tmp, db)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)


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
    """The process's one Reader of a database."""
    key = str(Path(db).resolve())
    with _READERS_LOCK:
        if key not in _READERS:
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
    shutil.copyfile(snapshot, tmp)
    os.replace(tmp, out)
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
    shutil.copyfile(source, tmp)
    return replace_master(Path(db), tmp, f"恢复备份 {source.name} / restore", config, on_wait)


def replace_master(db: Path, new: Path, what: str, config: dict | None = None, on_wait=None) -> Path:
    """Put a finished database file in the master's place under the write lock, bring its layout up to date
    and publish it (a restored backup, a rebuilt demo)."""
    from metrics.db import connect

    with write_lock(db, what, config, on_wait):
        os.replace(new, db)
        Path(str(db) + ".wal").unlink(missing_ok=True)
        con = connect(db)
        con.execute("CHECKPOINT")
        con.close()
        _publish(db)
    return db
