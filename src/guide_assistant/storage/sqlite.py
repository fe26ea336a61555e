"""One SQLite helper for the local stores: a connection per operation, WAL, a busy timeout,
``synchronous=FULL`` on request, and ordered schema migrations recorded in ``schema_version``.

Why a ``schema_version`` table and not ``PRAGMA user_version``: the table keeps one row per
applied migration with what it did and when it ran, so anyone with an SQLite browser can read a
file's history; ``user_version`` is a bare integer in the header. Both are transactional, so the
table costs nothing in safety. A file holds one store's tables (one version sequence per file).

Each migration runs in its own ``BEGIN IMMEDIATE`` transaction (the write lock) and the version
is re-read inside it, so when two processes open the same file at once the second waits on the
lock (busy timeout), then finds the step done and skips it: nothing is applied twice.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# How long a connection waits for another writer's lock before "database is locked".
BUSY_TIMEOUT_S = 10.0

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Migration:
    """One schema step: ``statements`` run in order, in one transaction, to reach ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


class SchemaTooNewError(RuntimeError):
    """The file was migrated by a newer Guide Assistant than this one; it is left untouched."""

    def __init__(self, path: Path, found: int, known: int) -> None:
        super().__init__(
            f"{path} has schema version {found}, but this version of Guide Assistant knows "
            f"schema versions up to {known} only; open it with the newer Guide Assistant that "
            "wrote it, or point GUIDE_DATA_DIR at another folder."
        )
        self.path = path
        self.found = found
        self.known = known


class SQLiteFile:
    """An SQLite file brought to the latest of ``migrations`` when opened.

    ``write()`` and ``read()`` each open a fresh connection and close it afterwards, so one
    object is safe to share across threads (Gradio's workers). ``durable=True`` sets
    ``synchronous=FULL`` on every connection: a committed transaction then survives power loss,
    not only a crash of the process.
    """

    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration],
        *,
        durable: bool = False,
        timeout: float = BUSY_TIMEOUT_S,
    ) -> None:
        _check_order(migrations)
        self.path = Path(path)
        self.migrations = tuple(migrations)
        self.durable = durable
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The versions this open applied: empty when the file was already current.
        self.applied_now: list[int] = self._migrate()

    @property
    def latest(self) -> int:
        """The newest schema version the code knows."""
        return self.migrations[-1].version if self.migrations else 0

    def connect(self) -> sqlite3.Connection:
        """A new connection in autocommit mode; the caller closes it (prefer write/read)."""
        # isolation_level=None: we issue BEGIN/COMMIT ourselves. Python's implicit transactions
        # start lazily as DEFERRED, which in WAL can fail at once instead of waiting for a lock.
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        if self.durable:
            conn.execute("PRAGMA synchronous=FULL")  # per connection: it is not stored in the file
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in ``BEGIN IMMEDIATE``: committed if the block succeeds, rolled
        back if it raises, closed either way."""
        # IMMEDIATE takes the write lock up front, waiting up to the busy timeout for it.
        with closing(self.connect()) as conn, _transaction(conn, "BEGIN IMMEDIATE"):
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in a read transaction (one consistent snapshot), closed after."""
        with closing(self.connect()) as conn, _transaction(conn, "BEGIN"):
            yield conn

    def _migrate(self) -> list[int]:
        """Refuse a newer file, switch to WAL, then apply each missing step in its own
        transaction; returns the versions applied here."""
        applied: list[int] = []
        with closing(self.connect()) as conn:
            self._refuse_newer(_current_version(conn))  # before any write to the file
            _enable_wal(conn, self.timeout)
            while _current_version(conn) < self.latest:
                with _transaction(conn, "BEGIN IMMEDIATE"):
                    conn.execute(_VERSION_TABLE)
                    # Re-read under the write lock: another process may have just migrated.
                    current = self._refuse_newer(_current_version(conn))
                    if current < self.latest:
                        step = self.migrations[current]  # versions are 1..N, checked at init
                        for statement in step.statements:
                            conn.execute(statement)
                        conn.execute(
                            "INSERT INTO schema_version (version, description, applied_at)"
                            " VALUES (?, ?, ?)",
                            (step.version, step.description, _now()),
                        )
                        applied.append(step.version)
        return applied

    def _refuse_newer(self, found: int) -> int:
        if found > self.latest:
            raise SchemaTooNewError(self.path, found, self.latest)
        return found


@contextmanager
def _transaction(conn: sqlite3.Connection, begin: str) -> Iterator[sqlite3.Connection]:
    """Run the block between ``begin`` and COMMIT; ROLLBACK if it raises."""
    conn.execute(begin)
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # some errors (e.g. a full disk) have rolled back already
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL, so a report may read while the app writes (stored in the file).

    Switching needs an exclusive lock and SQLite reports a busy file at once here, without
    its busy handler: two processes opening a new file together would fail, so retry.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _has_version_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    return row is not None


def _current_version(conn: sqlite3.Connection) -> int:
    # A file from before migrations existed has no schema_version table: version 0, so
    # version 1 (its CREATE TABLE IF NOT EXISTS, unchanged) is recorded without altering it.
    if not _has_version_table(conn):
        return 0
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def _check_order(migrations: Sequence[Migration]) -> None:
    """Versions must be 1, 2, 3, … in order: the index of a step is its version minus one."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3, … in order; got {versions}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
