"""Bilingual, path-free domain errors for the ingest engine.

Every message names the row, column or member and the reason, in Chinese first and English in
parentheses. Messages never contain server paths, SQL or driver text: callers pass only values
that came from the uploaded file or the officer's options.
"""

from __future__ import annotations

from typing import Any

from kaifang.errors import BadRequest, InvalidInput, TooLarge

_MAX_SHOWN = 60


def bilingual(zh: str, en: str) -> str:
    """Join a Chinese and an English message the way every ingest error is shown."""
    return f"{zh}（{en}）"


def shown(value: object, limit: int = _MAX_SHOWN) -> str:
    """A short, printable rendering of a user value for a message (escapes control chars)."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def invalid(zh: str, en: str, **details: Any) -> InvalidInput:
    """An InvalidInput error with a bilingual message and structured details."""
    return InvalidInput(bilingual(zh, en), details=details or None)


def too_large(zh: str, en: str, **details: Any) -> TooLarge:
    """A TooLarge error with a bilingual message and structured details."""
    return TooLarge(bilingual(zh, en), details=details or None)


def bad_request(zh: str, en: str, **details: Any) -> BadRequest:
    """A BadRequest error with a bilingual message and structured details."""
    return BadRequest(bilingual(zh, en), details=details or None)


def human_bytes(n: int) -> str:
    """Bytes as a short human unit (KB, MB, GB; powers of 1024)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
