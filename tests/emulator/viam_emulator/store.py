"""Emulator state in SQLite: one generic table of resources stored as proto bytes.

Every RPC runs in one transaction under one lock, so concurrent clients
(Ansible forks, the inventory's parallel calls) see consistent state. The
lock is held only for the database work: injected latency is spent outside.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from typing import Iterator, List, Optional, Type, TypeVar

from google.protobuf.message import Message

from .errors import unknown_id

M = TypeVar("M", bound=Message)

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    kind   TEXT NOT NULL,
    id     TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    name   TEXT NOT NULL DEFAULT '',
    org    TEXT NOT NULL DEFAULT '',
    data   BLOB NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (kind, parent);
CREATE INDEX IF NOT EXISTS resources_by_name ON resources (kind, name);
CREATE INDEX IF NOT EXISTS resources_by_org ON resources (kind, org);
"""


class Tx:
    """The view of the store one RPC gets; all reads and writes are in its transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def get(self, kind: str, id: str, cls: Type[M]) -> Optional[M]:
        row = self._db.execute("SELECT data FROM resources WHERE kind=? AND id=?", (kind, id)).fetchone()
        return cls.FromString(row[0]) if row else None

    def must_get(self, kind: str, id: str, cls: Type[M], what: str) -> M:
        """The stored record, or errors.unknown_id ("<what> '<id>' not found"): NOT_FOUND unless the
        unknown_id_code behaviour names another code (server.Emulator.status_of maps it)."""
        found = self.get(kind, id, cls)
        if found is None:
            raise unknown_id("%s %r" % (what, id))
        return found

    def put(self, kind: str, id: str, message: Message, parent: str = "", name: str = "", org: str = "") -> None:
        self._db.execute(
            "INSERT INTO resources (kind, id, parent, name, org, data) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, id) DO UPDATE SET parent=excluded.parent, name=excluded.name, "
            "org=excluded.org, data=excluded.data",
            (kind, id, parent, name, org, message.SerializeToString()),
        )

    def delete(self, kind: str, id: str) -> bool:
        return self._db.execute("DELETE FROM resources WHERE kind=? AND id=?", (kind, id)).rowcount > 0

    def delete_where(self, kind: str, parent: Optional[str] = None, org: Optional[str] = None) -> int:
        clause, args = self._where(kind, parent, None, org)
        return self._db.execute("DELETE FROM resources WHERE " + clause, args).rowcount

    def list(self, kind: str, cls: Type[M], parent: Optional[str] = None, name: Optional[str] = None,
             org: Optional[str] = None) -> List[M]:
        """Matching resources in creation order."""
        clause, args = self._where(kind, parent, name, org)
        rows = self._db.execute("SELECT data FROM resources WHERE " + clause + " ORDER BY rowid", args)
        return [cls.FromString(row[0]) for row in rows]

    def list_ids(self, kind: str, parent: Optional[str] = None, name: Optional[str] = None,
                 org: Optional[str] = None) -> List[str]:
        clause, args = self._where(kind, parent, name, org)
        return [row[0] for row in self._db.execute("SELECT id FROM resources WHERE " + clause + " ORDER BY rowid", args)]

    def count(self, kind: str, parent: Optional[str] = None, name: Optional[str] = None, org: Optional[str] = None) -> int:
        clause, args = self._where(kind, parent, name, org)
        return self._db.execute("SELECT COUNT(*) FROM resources WHERE " + clause, args).fetchone()[0]

    @staticmethod
    def _where(kind: str, parent: Optional[str], name: Optional[str], org: Optional[str]):
        clause, args = "kind=?", [kind]
        for column, value in (("parent", parent), ("name", name), ("org", org)):
            if value is not None:
                clause += " AND %s=?" % column
                args.append(value)
        return clause, args


class Store:
    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
