"""The SQLite database: one connection, WAL, a busy timeout, versioned migrations.

Each migration runs with its version record in one transaction, so a crash
mid-migration leaves the previous schema intact. Tests apply them from every
earlier version.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType

import aiosqlite

from bot.privacy.filemodes import make_private_dir, tighten_database_files

BUSY_TIMEOUT_MS = 5000

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_sessions_and_stats",
        """
        CREATE TABLE sessions (
            key TEXT PRIMARY KEY,          -- HMAC-SHA256(secret, Telegram user id), hex
            data TEXT NOT NULL,            -- JSON: language, flow step, enumerated answers
            updated_at REAL NOT NULL
        );
        CREATE INDEX sessions_updated ON sessions(updated_at);
        CREATE TABLE topic_stats (
            day TEXT NOT NULL, topic TEXT NOT NULL, decision TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, topic, decision)
        );
        CREATE TABLE counters (
            day TEXT NOT NULL, name TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, name)
        );
        CREATE TABLE subscriptions (
            chat_id INTEGER PRIMARY KEY,   -- the only raw Telegram id kept, by explicit opt-in
            lang TEXT NOT NULL,
            categories TEXT NOT NULL,      -- comma-separated category ids
            subscribed_at TEXT NOT NULL
        );
    """,
    ),
    (
        "0002_unmatched_log",
        """
        CREATE TABLE unmatched (
            id INTEGER PRIMARY KEY,
            lang TEXT NOT NULL,
            text TEXT NOT NULL,            -- redacted before it is written
            created_at REAL NOT NULL
        );
        CREATE INDEX unmatched_created ON unmatched(created_at);
    """,
    ),
    (
        "0003_broadcasts",
        """
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY,
            created_at REAL NOT NULL,
            status TEXT NOT NULL,          -- draft, running, paused, done, cancelled
            category TEXT NOT NULL,
            text TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT 'fr',
            total INTEGER NOT NULL DEFAULT 0,
            finished_at REAL
        );
        CREATE TABLE deliveries (
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
            chat_id INTEGER NOT NULL,
            status TEXT NOT NULL,          -- pending, sent, failed, unsubscribed
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before REAL NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at REAL,
            PRIMARY KEY (broadcast_id, chat_id)
        );
        CREATE INDEX deliveries_pending ON deliveries(broadcast_id, status, not_before);
    """,
    ),
    (
        "0004_broadcast_counts",
        """
        -- When a broadcast ends its per-chat rows are replaced by these counts, so that
        -- the subscription list stays the only place that keeps raw chat ids.
        ALTER TABLE broadcasts ADD COLUMN counts TEXT;
        CREATE INDEX deliveries_chat ON deliveries(chat_id);
    """,
    ),
    (
        "0005_reminders",
        """
        -- Reminders before the CNIL deadline, kept only because the member asked for them:
        -- one row per reminder still to send, deleted once sent, on "C'est fait" or /oubli.
        -- Nothing about the breach: the chat, the deadline, the language.
        CREATE TABLE reminders (
            chat_id INTEGER NOT NULL,      -- raw Telegram chat id, by explicit request
            due_at REAL NOT NULL,          -- when to send this reminder (Unix time)
            deadline REAL NOT NULL,        -- the 72-hour deadline it is about (Unix time)
            lang TEXT NOT NULL,
            PRIMARY KEY (chat_id, due_at)
        );
        CREATE INDEX reminders_due ON reminders(due_at);
    """,
    ),
)


class DatabaseError(Exception):
    """The database cannot be used; the message is one sentence for the operator."""


class Database:
    def __init__(self, path: Path | str, busy_timeout_ms: int = BUSY_TIMEOUT_MS):
        self.path = str(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        # Every coroutine shares the one connection: a transaction that spans awaits would
        # take in other coroutines' statements (and roll them back with its own). Writes
        # take this lock; `transaction()` holds it from BEGIN to COMMIT or ROLLBACK.
        self._write_lock = asyncio.Lock()
        self._writer: asyncio.Task[object] | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("database is not open")
        return self._conn

    async def open(self) -> Database:
        if self.path != ":memory:":
            parent = Path(self.path).parent
            try:
                make_private_dir(parent)
            except OSError as exc:
                raise DatabaseError(f"cannot create the folder {parent}: {exc.strerror}") from exc
            try:
                tighten_database_files(Path(self.path))
            except OSError as exc:
                raise DatabaseError(f"cannot use the database {self.path}: {exc.strerror}") from exc
        try:
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
            await self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await self._conn.execute("PRAGMA journal_mode = WAL")
            await self._conn.execute("PRAGMA synchronous = NORMAL")
            await self._conn.execute("PRAGMA foreign_keys = ON")
            # /oubli must really erase: deleted rows are overwritten, not just unlinked...
            await self._conn.execute("PRAGMA secure_delete = ON")
            # ...and the write-ahead log, which keeps old copies of pages, is emptied after
            # each checkpoint instead of being reused at its largest size.
            await self._conn.execute("PRAGMA journal_size_limit = 0")
            await self._migrate()
        except sqlite3.Error as exc:
            await self.close()
            raise DatabaseError(f"cannot use the database {self.path}: {exc}") from exc
        return self

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def applied(self) -> list[str]:
        cursor = await self.conn.execute("SELECT name FROM schema_migrations ORDER BY name")
        return [row[0] for row in await cursor.fetchall()]

    async def _migrate(self, upto: int | None = None) -> None:
        conn = self.conn
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = set(await self.applied())
        for name, sql in MIGRATIONS[:upto]:
            if name in done:
                continue
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in sql.split(";"):
                    if statement.strip():
                        await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, datetime('now'))", (name,)
                )
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE ... COMMIT` (ROLLBACK on any error) that no other coroutine's
        write can enter: they wait until it ends. Inside, use the connection it yields,
        or `write()` from the same task."""
        async with self._write_lock:
            self._writer = asyncio.current_task()
            conn = self.conn
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
                await conn.execute("COMMIT")
            finally:
                self._writer = None

    async def scrub(self) -> bool:
        """Make erased rows unrecoverable now: the WAL still holds the pages as they were
        before the DELETE, so copy it into the database and truncate it (review M3).
        False when another connection kept part of it (it is scrubbed at the next call)."""
        async with self._write_lock:  # never inside another coroutine's transaction
            cursor = await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = await cursor.fetchone()
        return row is None or row[0] == 0

    async def write(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """One statement in its own transaction (or in the caller's `transaction()`);
        returns the number of rows changed."""
        if self._writer is not None and self._writer is asyncio.current_task():
            cursor = await self.conn.execute(sql, params)
            return cursor.rowcount
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.rowcount

    async def fetchall(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        cursor = await self.conn.execute(sql, params)
        return [tuple(row) for row in await cursor.fetchall()]

    async def fetchone(
        self, sql: str, params: tuple[object, ...] = ()
    ) -> tuple[object, ...] | None:
        cursor = await self.conn.execute(sql, params)
        row = await cursor.fetchone()
        return tuple(row) if row is not None else None
