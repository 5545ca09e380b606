"""Records written in batches by a background thread, off the request path.

One committed row per request would cap a busy endpoint at a few hundred requests a second
on SQLite, so requests only append to an in-process buffer; a thread flushes it every
``interval`` seconds or as soon as ``max_batch`` records wait, in one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kaifang.db import Database

log = logging.getLogger("kaifang.batching")
RecordT = TypeVar("RecordT")
WriterT = TypeVar("WriterT", bound="BatchWriter[Any]")


class BatchWriter(Generic[RecordT]):
    """Collects dataclass records for one table and inserts them in batches."""

    def __init__(
        self,
        db: Database,
        model: Any,
        *,
        name: str = "batch",
        max_batch: int = 500,
        interval: float = 1.0,
        max_pending: int = 100_000,
    ) -> None:
        self._db = db
        self._model = model
        self.name = name
        self.max_batch = max_batch
        self.interval = interval
        self.max_pending = max_pending
        self.dropped = 0
        self.written = 0
        self._pending: list[RecordT] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, record: RecordT) -> None:
        """Queue a record; never blocks on the database."""
        with self._lock:
            if len(self._pending) >= self.max_pending:
                # The database has been unreachable for long: keep the newest records.
                self._pending.pop(0)
                self.dropped += 1
            self._pending.append(record)
            full = len(self._pending) >= self.max_batch
        if full:
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every queued record in one transaction; returns how many were written."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with self._db.unit_of_work() as session:
                    rows = [dataclasses.asdict(r) for r in batch]  # type: ignore[call-overload]
                    session.execute(insert(self._model), rows)
                    self.after_insert(session, batch)
                self.written += len(batch)
            except Exception:
                log.exception("%s flush failed; %d records kept for retry", self.name, len(batch))
                with self._lock:
                    self._pending[:0] = batch
                return 0
            return len(batch)

    def after_insert(self, session: Session, batch: Sequence[RecordT]) -> None:
        """Hook run in the batch's transaction after the insert (nothing by default)."""

    def start(self) -> None:
        """Start the background writer (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"kaifang-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the writer and write what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()


def install_writer(extras: dict[str, Any], name: str, make: Callable[[], WriterT]) -> WriterT:
    """The process's one writer called ``name`` in a runtime's extras, created on first use
    and started and stopped with the process."""
    writer: WriterT | None = extras.get(name)
    if writer is None:
        writer = make()
        extras[name] = writer
        extras.setdefault("on_start", []).append(writer.start)
        extras.setdefault("on_stop", []).append(writer.stop)
    return writer
