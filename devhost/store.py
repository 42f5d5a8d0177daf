"""SQLite (WAL) persistence: instances, history, pending work (messages and activities).

Every method runs on the host's event-loop thread; a single connection is used.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS instances(
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    context_input TEXT,
    output TEXT,
    custom_status TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    parent_instance_id TEXT,
    parent_execution_id TEXT,
    parent_task_id INTEGER,
    version TEXT
);
CREATE INDEX IF NOT EXISTS instances_created ON instances(created);
CREATE TABLE IF NOT EXISTS history(
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY(instance_id, seq)
);
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    kind TEXT NOT NULL,
    control INTEGER NOT NULL DEFAULT 0,
    visible_at REAL NOT NULL,
    event TEXT
);
CREATE INDEX IF NOT EXISTS messages_instance ON messages(instance_id);
CREATE INDEX IF NOT EXISTS messages_visible ON messages(visible_at);
CREATE TABLE IF NOT EXISTS activities(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    input TEXT
);
"""

TERMINAL = ("Completed", "Failed", "Terminated", "Canceled")
COLUMNS = ("instance_id", "name", "execution_id", "status", "input", "context_input", "output",
           "custom_status", "created", "updated", "parent_instance_id", "parent_execution_id",
           "parent_task_id", "version")


class Store:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)

    # -- transactions ---------------------------------------------------------------------
    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def close(self) -> None:
        try:
            self.rollback()
            self.db.close()
        except sqlite3.Error:
            pass

    # -- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

    # -- instances ------------------------------------------------------------------------
    def get_instance(self, instance_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM instances WHERE instance_id=?", (instance_id,)).fetchone()
        return dict(row) if row else None

    def put_instance(self, inst: dict[str, Any]) -> None:
        cols = ", ".join(COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        self.db.execute(f"INSERT OR REPLACE INTO instances({cols}) VALUES({marks})",
                        tuple(inst.get(c) for c in COLUMNS))

    def update_instance(self, instance_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{k}=?" for k in fields)
        self.db.execute(f"UPDATE instances SET {sets} WHERE instance_id=?", (*fields.values(), instance_id))

    def delete_instance(self, instance_id: str) -> None:
        self.db.execute("DELETE FROM instances WHERE instance_id=?", (instance_id,))
        self.clear_execution(instance_id)

    def clear_execution(self, instance_id: str) -> None:
        """Delete history and all pending work of an instance."""
        self.db.execute("DELETE FROM history WHERE instance_id=?", (instance_id,))
        self.db.execute("DELETE FROM messages WHERE instance_id=?", (instance_id,))
        self.db.execute("DELETE FROM activities WHERE instance_id=?", (instance_id,))

    def query_instances(self, where: str = "", params: tuple = (), limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM instances" + (f" WHERE {where}" if where else "") + " ORDER BY created, instance_id"
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, limit)
        return [dict(r) for r in self.db.execute(sql, params).fetchall()]

    def running_instance_ids(self) -> list[str]:
        rows = self.db.execute(
            f"SELECT instance_id FROM instances WHERE status NOT IN ({','.join('?' for _ in TERMINAL)})", TERMINAL)
        return [r[0] for r in rows]

    # -- history --------------------------------------------------------------------------
    def get_history(self, instance_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT event FROM history WHERE instance_id=? ORDER BY seq", (instance_id,))
        return [json.loads(r[0]) for r in rows]

    def append_history(self, instance_id: str, start_seq: int, events: list[dict[str, Any]]) -> None:
        self.db.executemany("INSERT INTO history(instance_id, seq, event) VALUES(?, ?, ?)",
                            [(instance_id, start_seq + i, json.dumps(e)) for i, e in enumerate(events)])

    # -- messages -------------------------------------------------------------------------
    def add_message(self, instance_id: str, execution_id: str | None, kind: str, visible_at: float,
                    event: dict[str, Any] | None = None, control: bool = False) -> None:
        self.db.execute(
            "INSERT INTO messages(instance_id, execution_id, kind, control, visible_at, event) VALUES(?,?,?,?,?,?)",
            (instance_id, execution_id, kind, 1 if control else 0, visible_at,
             json.dumps(event) if event is not None else None))

    def visible_messages(self, instance_id: str, now: float) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM messages WHERE instance_id=? AND visible_at<=? ORDER BY id", (instance_id, now))
        out = []
        for r in rows:
            d = dict(r)
            d["event"] = json.loads(d["event"]) if d["event"] else None
            out.append(d)
        return out

    def delete_messages(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM messages WHERE id=?", [(i,) for i in ids])

    def delete_timer_message(self, instance_id: str, execution_id: str, timer_id: int) -> None:
        self.db.execute(
            "DELETE FROM messages WHERE instance_id=? AND execution_id=? AND kind='timer' "
            "AND json_extract(event, '$.TimerId')=?", (instance_id, execution_id, timer_id))

    def ready_instances(self, now: float, limit: int, exclude: set[str]) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT m.instance_id FROM messages m LEFT JOIN instances i ON i.instance_id=m.instance_id "
            "WHERE m.visible_at<=? AND (i.status IS NULL OR i.status!='Suspended' OR m.control=1) "
            "ORDER BY m.id LIMIT ?", (now, limit + len(exclude)))
        return [r[0] for r in rows if r[0] not in exclude][:limit]

    def next_visible_after(self, now: float) -> float | None:
        row = self.db.execute("SELECT MIN(visible_at) FROM messages WHERE visible_at>?", (now,)).fetchone()
        return row[0] if row and row[0] is not None else None

    # -- activities -----------------------------------------------------------------------
    def add_activity(self, instance_id: str, execution_id: str, task_id: int, name: str, input_: str | None) -> int:
        cur = self.db.execute(
            "INSERT INTO activities(instance_id, execution_id, task_id, name, input) VALUES(?,?,?,?,?)",
            (instance_id, execution_id, task_id, name, input_))
        return cur.lastrowid

    def all_activities(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM activities ORDER BY id")]

    def get_activity(self, activity_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM activities WHERE id=?", (activity_id,)).fetchone()
        return dict(row) if row else None

    def delete_activity(self, activity_id: int) -> None:
        self.db.execute("DELETE FROM activities WHERE id=?", (activity_id,))
