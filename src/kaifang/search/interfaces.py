"""The contract every search backend fulfils (SQLite FTS5, PostgreSQL full-text)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.search.cache import ResultCache
from kaifang.search.documents import SearchDocument
from kaifang.search.queries import Found
from kaifang.search.schemas import SearchQuery, SearchResult, Suggestion


class SearchBackend(Protocol):
    """Keeps the index in the session's database and answers visibility-filtered queries."""

    def index(self, session: Session, docs: Sequence[SearchDocument]) -> None:
        """Insert or replace the entries of ``docs``."""
        ...

    def remove(self, session: Session, ids: Sequence[int]) -> None:
        """Drop the entries of these dataset ids (missing ids are ignored)."""
        ...

    def search(
        self,
        session: Session,
        query: SearchQuery,
        actor: Actor,
        cache: ResultCache[Found] | None = None,
    ) -> SearchResult:
        """Hits, total and facets of what ``actor`` may see; BadRequest on a bad cursor."""
        ...

    def suggest(self, session: Session, prefix: str, actor: Actor, limit: int) -> list[Suggestion]:
        """Titles visible to ``actor`` with a word, pinyin or initials starting with ``prefix``."""
        ...
