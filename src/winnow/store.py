"""The store: API keys, the log of checks and moderators' feedback, in SQLite or PostgreSQL.

``open_store(url)`` picks the backend from ``WINNOW_DATABASE_URL``: ``sqlite:///var/winnow.db``
(the default, a file in WAL mode) or ``postgresql://user:password@host/db``. Both run
the same SQL, with every value passed as a parameter, never formatted into the text.
Feedback is written synchronously and committed before a client is told it was
stored; the check log is best-effort and written in batches off the request path
(see :class:`CheckLogWriter`).
"""

from __future__ import annotations

import functools
import json
import logging
import operator
import queue
import sqlite3
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from winnow.errors import ApiKeyError, StoreError

log = logging.getLogger(__name__)

LABELS = ("spam", "ham")
PRUNABLE = ("checks", "feedback")
SQLITE_IDLE_CONNECTIONS = 4

# Each migration is a list of statements; {id} and {float} are filled per dialect.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE api_keys (
            id {id}, key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, site TEXT NOT NULL,
            created_at TEXT NOT NULL, revoked_at TEXT,
            spam_threshold {float}, discard_threshold {float})""",
        """CREATE TABLE checks (
            id {id}, created_at TEXT NOT NULL, key_id INTEGER, site TEXT, api TEXT NOT NULL,
            guid TEXT NOT NULL, verdict TEXT NOT NULL, spam_probability {float} NOT NULL,
            model_version TEXT NOT NULL, is_test INTEGER NOT NULL, text TEXT, fields TEXT)""",
        "CREATE INDEX checks_by_key ON checks (key_id, created_at)",
        """CREATE TABLE feedback (
            id {id}, created_at TEXT NOT NULL, key_id INTEGER, site TEXT, api TEXT NOT NULL,
            label TEXT NOT NULL CHECK (label IN ('spam', 'ham')), text TEXT NOT NULL,
            author TEXT, author_email TEXT, author_url TEXT, user_ip TEXT, permalink TEXT,
            article_text TEXT)""",
    ],
    ["ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'site'"],
]

DIALECTS = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "float": "DOUBLE PRECISION"},
    "postgresql": {
        "id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "float": "DOUBLE PRECISION",
    },
}


def utc_now() -> str:
    """Timestamps are ISO-8601 text in UTC: portable and sortable in both databases."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class KeyRecord:
    """An API key as stored: its hash, never the key."""

    id: int
    key_hash: str
    prefix: str
    site: str
    created_at: str
    revoked_at: str | None = None
    spam_threshold: float | None = None
    discard_threshold: float | None = None
    role: str = "site"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_admin(self) -> bool:
        """Admin keys manage keys and the model; they cannot check or report comments."""
        return self.role == "admin"


@dataclass(slots=True)
class CheckRecord:
    """One answered check. ``text`` and ``fields`` are kept only when the log is ``full``.

    Not frozen: a server makes one per check, and a frozen dataclass costs three times
    as much to make; nothing changes a record once it is queued.
    """

    api: str
    guid: str
    verdict: str
    spam_probability: float
    model_version: str
    key_id: int | None = None
    site: str | None = None
    is_test: bool = False
    text: str | None = None
    fields: dict[str, Any] | None = None
    created_at: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class FeedbackRecord:
    """A moderator's decision on one comment: the training data of the next model."""

    label: str
    text: str
    api: str
    key_id: int | None = None
    site: str | None = None
    author: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    user_ip: str | None = None
    permalink: str | None = None
    article_text: str | None = None
    created_at: str = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"label must be 'spam' or 'ham', not {self.label!r}")


KEY_COLUMNS = ", ".join(KeyRecord.__dataclass_fields__)
CHECK_COLUMNS = [name for name in CheckRecord.__dataclass_fields__]
# Rows per INSERT statement of the check log: 11 values each, 990 in all, within the 999
# variables that SQLite allowed a statement before 3.32 (PostgreSQL allows 65,535).
ROWS_PER_INSERT = 90
FEEDBACK_COLUMNS = [name for name in FeedbackRecord.__dataclass_fields__]


class Store:
    """Operations shared by both backends; subclasses supply connections and errors."""

    dialect = "sqlite"
    placeholder = "?"

    def migrate(self) -> int:
        """Create or upgrade the schema; returns the schema version. Safe to run concurrently."""
        with self._transaction() as cur:
            self._lock_schema(cur)
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cur.execute("SELECT MAX(version) FROM schema_version")
            current = cur.fetchone()[0] or 0
            for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in statements:
                    cur.execute(statement.format(**DIALECTS[self.dialect]))
                cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), [number])
        return len(MIGRATIONS)

    def ping(self) -> None:
        """Raise :class:`StoreError` unless the database answers."""
        with self._transaction() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()

    def add_key(
        self, key_hash: str, prefix: str, site: str, role: str = "site", **thresholds: float | None
    ) -> int:
        sql = (
            "INSERT INTO api_keys (key_hash, prefix, site, created_at, spam_threshold,"
            " discard_threshold, role) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
        )
        values = [key_hash, prefix, site, utc_now()]
        values += [thresholds.get("spam_threshold"), thresholds.get("discard_threshold"), role]
        return self._insert(sql, values)

    def find_key(self, key_hash: str) -> KeyRecord | None:
        rows = self._select(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?", [key_hash])
        return KeyRecord(*rows[0]) if rows else None

    def list_keys(self) -> list[KeyRecord]:
        return [KeyRecord(*row) for row in self._select(f"SELECT {KEY_COLUMNS} FROM api_keys")]

    def revoke_key(self, prefix: str) -> KeyRecord:
        """Revoke the one active key whose prefix is ``prefix``."""
        matches = [k for k in self.list_keys() if k.active and k.prefix == prefix]
        if len(matches) != 1:
            found = "no active key" if not matches else f"{len(matches)} active keys"
            raise ApiKeyError(f"{found} with prefix {prefix!r}")
        revoked = replace(matches[0], revoked_at=utc_now())
        with self._transaction() as cur:
            cur.execute(
                self._sql("UPDATE api_keys SET revoked_at = ? WHERE id = ?"),
                [revoked.revoked_at, revoked.id],
            )
        return revoked

    def add_feedback(self, record: FeedbackRecord) -> int:
        """Store one decision; returns its id once it is committed."""
        columns = ", ".join(FEEDBACK_COLUMNS)
        marks = ", ".join("?" for _ in FEEDBACK_COLUMNS)
        sql = f"INSERT INTO feedback ({columns}) VALUES ({marks}) RETURNING id"
        return self._insert(sql, [storable(getattr(record, name)) for name in FEEDBACK_COLUMNS])

    def feedback(self) -> list[FeedbackRecord]:
        """All stored feedback, oldest first."""
        columns = ", ".join(FEEDBACK_COLUMNS)
        rows = self._select(f"SELECT {columns} FROM feedback ORDER BY id")
        return [FeedbackRecord(**dict(zip(FEEDBACK_COLUMNS, row, strict=True))) for row in rows]

    def count_feedback(self) -> int:
        return self._select("SELECT COUNT(*) FROM feedback")[0][0]

    def log_checks(self, records: Sequence[CheckRecord]) -> None:
        """Append checks to the log in one transaction, up to ``ROWS_PER_INSERT`` rows
        a statement: a server's log writer shares the interpreter with the requests,
        and each statement run lets go of it and waits to take it back."""
        with self._transaction() as cur:
            for start in range(0, len(records), ROWS_PER_INSERT):
                chunk = records[start : start + ROWS_PER_INSERT]
                values = [value for record in chunk for value in _check_row(record)]
                cur.execute(self._sql(_insert_checks(len(chunk))), values)

    def count_checks(self, key_id: int, since: str) -> int:
        sql = "SELECT COUNT(*) FROM checks WHERE key_id = ? AND created_at >= ?"
        return self._select(sql, [key_id, since])[0][0]

    def checks(self) -> list[dict[str, Any]]:
        rows = self._select(f"SELECT {', '.join(CHECK_COLUMNS)} FROM checks ORDER BY id")
        return [dict(zip(CHECK_COLUMNS, row, strict=True)) for row in rows]

    def prune(self, table: str, before: str) -> int:
        """Delete the rows of ``checks`` or ``feedback`` created before ``before`` (ISO-8601
        UTC); returns how many went."""
        if table not in PRUNABLE:
            raise StoreError(f"only {' and '.join(PRUNABLE)} can be pruned, not {table!r}")
        with self._transaction() as cur:
            cur.execute(self._sql(f"DELETE FROM {table} WHERE created_at < ?"), [before])
            return cur.rowcount

    def close(self) -> None:
        """Release connections."""

    def _insert(self, sql: str, values: Sequence[Any]) -> int:
        with self._transaction() as cur:
            cur.execute(self._sql(sql), list(values))
            return int(cur.fetchone()[0])

    def _select(self, sql: str, values: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(sql), list(values))
            return [tuple(row) for row in cur.fetchall()]

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _lock_schema(self, cur: Any) -> None:
        """Serialise concurrent migrations (several workers starting at once)."""

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[Any]:
        raise NotImplementedError


@functools.cache
def _insert_checks(rows: int) -> str:
    """``INSERT INTO checks`` of ``rows`` rows, with ``?`` placeholders."""
    row = "(" + ", ".join("?" for _ in CHECK_COLUMNS) + ")"
    return f"INSERT INTO checks ({', '.join(CHECK_COLUMNS)}) VALUES " + ", ".join([row] * rows)


_CHECK_VALUES = operator.attrgetter(*CHECK_COLUMNS)
_IS_TEST, _FIELDS = CHECK_COLUMNS.index("is_test"), CHECK_COLUMNS.index("fields")
# The columns a client's text reaches; the others hold the service's own values (names,
# hex, ISO-8601 times, numbers).
_FREE_TEXT = [CHECK_COLUMNS.index(name) for name in ("site", "text", "fields")]


def _check_row(record: CheckRecord) -> list[Any]:
    """The record's column values (read in one call: ``asdict`` deep-copies, and the
    log writer's thread competes with the requests for the interpreter)."""
    row = list(_CHECK_VALUES(record))
    row[_IS_TEST] = int(record.is_test)
    row[_FIELDS] = json.dumps(record.fields, ensure_ascii=False) if record.fields else None
    for at in _FREE_TEXT:
        row[at] = storable(row[at])
    return row


def storable(value: Any) -> Any:
    """Text both databases accept: NUL (refused by PostgreSQL) and lone surrogates
    (not encodable as UTF-8) become replacement characters."""
    if not isinstance(value, str) or (value.isascii() and "\x00" not in value):
        return value
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


class SQLiteStore(Store):
    """A SQLite file in WAL mode, through a small pool of connections.

    ``synchronous=FULL`` makes every committed write durable on disk, and the busy
    timeout lets several service workers share the file. Connections are lent one
    transaction at a time and at most ``max_idle`` are kept, so threads that come
    and go (a web server's thread pool) never leave connections behind.
    """

    def __init__(
        self, path: Path, busy_timeout_ms: int = 5000, max_idle: int = SQLITE_IDLE_CONNECTIONS
    ) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue(maxsize=max_idle)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[Any]:
        with _sqlite_errors():
            connection = self._borrow()
            try:
                cur = connection.cursor()
                cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield cur
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            finally:
                self._give_back(connection)

    def _borrow(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._connect()

    def _give_back(self, connection: sqlite3.Connection) -> None:
        if connection.in_transaction:  # a failed commit or rollback: do not lend it again
            connection.close()
            return
        try:
            self._idle.put_nowait(connection)
        except queue.Full:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        return connection


@contextmanager
def _sqlite_errors() -> Iterator[None]:
    """SQLite's messages ("database is locked", "database or disk is full") are safe to show."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"feedback store error: {exc}") from exc


class PostgresStore(Store):
    """PostgreSQL through a psycopg connection pool that replaces broken connections."""

    dialect = "postgresql"
    placeholder = "%s"

    def __init__(self, url: str, max_connections: int = 8, timeout: float = 5.0) -> None:
        try:
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise StoreError(
                "PostgreSQL support is not installed: pip install 'winnow[service]'"
            ) from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            timeout=timeout,
            open=True,
            check=ConnectionPool.check_connection,
            kwargs={"connect_timeout": max(1, int(timeout))},
        )

    def close(self) -> None:
        self._pool.close()

    def _lock_schema(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [0x77696E6E])

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[Any]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as connection, connection.cursor() as cur:
                yield cur
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError("feedback store unavailable: PostgreSQL is not answering") from exc
        except psycopg.Error as exc:
            raise StoreError(f"feedback store error: {type(exc).__name__}") from exc


def open_store(url: str, migrate: bool = True) -> Store:
    """The store named by ``url``, with its schema created or upgraded."""
    store = _backend(url)
    if migrate:
        store.migrate()
    return store


def _backend(url: str) -> Store:
    scheme, _, rest = url.partition("://")
    if scheme == "sqlite" and rest.startswith("/") and len(rest) > 1:
        return SQLiteStore(Path(rest[1:]))
    if scheme in ("postgresql", "postgres"):
        return PostgresStore(url)
    raise StoreError(
        "WINNOW_DATABASE_URL must look like sqlite:///var/winnow.db or "
        "postgresql://user:password@host/database"
    )


class CheckLogWriter:
    """Writes the check log in batches from a background thread.

    A check must not wait for a database write: records queue in memory and are
    flushed every ``interval`` seconds. The log is best-effort (a full queue or a
    database fault drops records, counted in ``dropped``); feedback is never
    written this way.
    """

    def __init__(self, store: Store, interval: float = 0.5, capacity: int = 50_000) -> None:
        self.store = store
        self.interval = interval
        self.capacity = capacity
        self.dropped = 0
        self._queue: deque[CheckRecord] = deque()  # appends and pops are thread-safe
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="check-log", daemon=True)
        self._thread.start()

    def put(self, record: CheckRecord) -> None:
        """Queue a record (no lock: the writer polls); dropped when the queue is full."""
        if len(self._queue) >= self.capacity:
            self.dropped += 1
        else:
            self._queue.append(record)

    def stop(self) -> None:
        """Flush what is queued and stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> None:
        batch: list[CheckRecord] = []
        while True:
            try:
                batch.append(self._queue.popleft())
            except IndexError:
                break
        if batch:
            try:
                self.store.log_checks(batch)
            except StoreError as exc:
                self.dropped += len(batch)
                log.warning("check log: %d records dropped (%s)", len(batch), exc)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
