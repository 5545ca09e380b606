"""Domain events collected during a unit of work and dispatched after commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DatasetChanged:
    """A dataset's catalogue entry changed and its search document must be rebuilt."""

    dataset_id: int


#: The job kind that rebuilds the search entries of ``payload["dataset_ids"]`` (bulk changes).
REINDEX_JOB = "search.reindex"


@dataclass(frozen=True)
class Notification:
    """A message for a user (reminder, decision, overdue flag)."""

    user_id: int
    subject: str
    body: str = ""
    link: str = ""


@dataclass
class EventBuffer:
    """Events raised inside a transaction; the owner of the unit of work drains it after commit."""

    events: list[Any] = field(default_factory=list)

    def add(self, event: Any) -> None:
        self.events.append(event)

    def withdraw(self, kind: type) -> list[Any]:
        """Remove and return the pending events of ``kind`` (a caller handles them itself)."""
        taken = [e for e in self.events if isinstance(e, kind)]
        self.events = [e for e in self.events if not isinstance(e, kind)]
        return taken

    def drain(self) -> list[Any]:
        drained, self.events = self.events, []
        return drained
