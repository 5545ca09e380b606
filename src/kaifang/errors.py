"""Domain errors. Services raise these; the web layer maps each to one HTTP status once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service may raise on purpose; the message is safe to show."""

    code = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """The input breaks a rule; ``details`` names the fields or rows."""

    code = "invalid_input"


class BadRequest(DomainError):
    """The request cannot be understood (malformed syntax, unknown parameter)."""

    code = "bad_request"


class NotAuthenticated(DomainError):
    """The caller must sign in (or present a valid token) first."""

    code = "not_authenticated"


class PermissionDenied(DomainError):
    """The actor may not do this to this target."""

    code = "permission_denied"


class NotFound(DomainError):
    """The object does not exist or the actor may not know it exists."""

    code = "not_found"


class Conflict(DomainError):
    """The change clashes with the current state (duplicate, wrong workflow state)."""

    code = "conflict"


class Locked(DomainError):
    """The account is locked; ``retry_after`` says for how many seconds."""

    code = "locked"

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class TooLarge(DomainError):
    """The payload exceeds a configured size limit."""

    code = "too_large"


class RateLimited(DomainError):
    """A quota or rate limit is exhausted; ``retry_after`` in seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class QueryTooExpensive(DomainError):
    """A data query would exceed its time budget."""

    code = "query_too_expensive"


class Unavailable(DomainError):
    """A backing store is busy or down; the caller should retry later."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 1, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after
