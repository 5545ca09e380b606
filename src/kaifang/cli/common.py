"""Shared helpers for commands: one settings object and runtime per invocation."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import typer
from sqlalchemy.orm import Session

from kaifang.audit.context import Origin, set_origin
from kaifang.config import load_settings
from kaifang.errors import DomainError
from kaifang.runtime import Runtime, build_runtime


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    """The runtime for this command, from KAIFANG_* settings (no in-process job worker)."""
    return composed_runtime(embedded_worker=False)


def composed_runtime(*, embedded_worker: bool) -> Runtime:
    """A new runtime with every domain wired in; the server asks for the embedded worker."""
    from kaifang.composition import compose

    set_origin(Origin(ip="cli", request_id="cli"))
    return compose(build_runtime(load_settings()), embedded_worker=embedded_worker)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A transaction that turns domain errors into a clear message and exit code 2."""
    try:
        with runtime().db.unit_of_work() as session:
            yield session
    except DomainError as exc:
        fail(exc.message)


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"错误 (error): {message}", err=True)
    raise typer.Exit(code)


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)
