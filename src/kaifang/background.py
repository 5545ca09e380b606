"""Background threads of the web process: sealing the audit chain in batches."""

from __future__ import annotations

import logging
import threading

from kaifang.audit import service as audit_service
from kaifang.runtime import Runtime

log = logging.getLogger("kaifang.audit")


class AuditSealer:
    """Seals pending audit records every ``interval`` seconds so writers never wait on the chain."""

    def __init__(self, runtime: Runtime, interval: float = 1.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seal_once(self) -> int:
        with self.runtime.db.unit_of_work() as session:
            return audit_service.seal_pending(
                session,
                algorithm=self.runtime.settings.audit_hash,
                anchor=self.runtime.audit_anchor,
            )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.seal_once()
            except Exception:  # keep sealing on the next tick; the records stay pending meanwhile
                log.exception("audit sealing failed")

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.seal_once()
        except Exception:
            log.exception("final audit sealing failed")
