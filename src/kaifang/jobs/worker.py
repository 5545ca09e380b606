"""Running huey consumers: in the foreground (``kaifang worker``) or beside the web server."""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from huey.consumer import Consumer

from kaifang.jobs.huey_queue import HueyJobQueue
from kaifang.jobs.service import recover_stale_jobs

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 10.0


class _BackgroundConsumer(Consumer):  # type: ignore[misc]
    """A consumer that leaves signal handling to its host process and reports when it is up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started = threading.Event()

    def start(self) -> None:
        super().start()
        # Stopping before the worker threads exist would try to join unstarted threads.
        self.started.set()

    def _set_signal_handlers(self) -> None:
        # Signals can only be set from the main thread, and there they belong to the web
        # server, which stops this consumer through Worker.stop() on shutdown.
        return None


class Worker:
    """Threads that pull job ids from a HueyJobQueue and run them, after recovering stale jobs."""

    def __init__(
        self,
        queue: HueyJobQueue,
        *,
        workers: int = 2,
        periodic: bool = True,
        poll_seconds: float = 0.1,
        max_poll_seconds: float = 1.0,
        shutdown_timeout: float = 30.0,
    ) -> None:
        self.queue = queue
        self.shutdown_timeout = shutdown_timeout
        # SQLite storage is polled: capping the backoff keeps an idle worker quick to react.
        self._options: dict[str, Any] = {
            "workers": workers,
            "worker_type": "thread",
            "periodic": periodic,
            "initial_delay": poll_seconds,
            "max_delay": max_poll_seconds,
            "shutdown_timeout": shutdown_timeout,
        }
        self._consumer: _BackgroundConsumer | None = None
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Consume in the foreground until SIGINT/SIGTERM; for ``kaifang worker`` (main thread)."""
        recover_stale_jobs(self.queue.db, self.queue)
        Consumer(self.queue.huey, **self._options).run()

    def start(self) -> None:
        """Consume in a background thread (embedded mode); raises RuntimeError if already started."""
        if self.is_running:
            raise RuntimeError("worker already started")
        recover_stale_jobs(self.queue.db, self.queue)
        consumer = _BackgroundConsumer(self.queue.huey, **self._options)
        thread = threading.Thread(target=consumer.run, name="kaifang-worker", daemon=True)
        thread.start()
        if not consumer.started.wait(STARTUP_TIMEOUT_SECONDS):
            raise RuntimeError("job worker did not start; see the log")
        self._consumer, self._thread = consumer, thread
        logger.info("background job worker started")

    def stop(self) -> None:
        """Let running jobs finish (up to ``shutdown_timeout``) and stop the background consumer."""
        consumer, thread = self._consumer, self._thread
        if consumer is None or thread is None:
            return
        consumer.stop(graceful=True)
        thread.join(self.shutdown_timeout)
        self._consumer = self._thread = None
        logger.info("background job worker stopped")

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
