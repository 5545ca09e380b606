"""Who and where an action comes from: set once per request, job or command."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol


class AuditActor(Protocol):
    """What the audit log needs to know about an actor."""

    @property
    def user_id(self) -> int | None: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def tenant(self) -> str: ...


@dataclass(frozen=True)
class Origin:
    """The channel an action arrived through."""

    ip: str = ""
    request_id: str = ""


current_origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())


def set_origin(origin: Origin) -> None:
    current_origin.set(origin)
