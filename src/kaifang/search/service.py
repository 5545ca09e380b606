"""Search use cases: query the catalogue, complete titles, keep the index in step. Never commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kaifang.auth.actor import Actor
from kaifang.auth.models import Region
from kaifang.catalog.models import Dataset
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.db import Database
from kaifang.errors import Unavailable
from kaifang.events import DatasetChanged
from kaifang.search.cache import ResultCache
from kaifang.search.documents import load_documents
from kaifang.search.interfaces import SearchBackend
from kaifang.search.models import SearchEntry
from kaifang.search.postgres_backend import PostgresSearchBackend
from kaifang.search.queries import Found
from kaifang.search.schemas import SearchQuery, SearchResult, Suggestion
from kaifang.search.sqlite_backend import SQLiteSearchBackend

logger = logging.getLogger(__name__)
MAX_SUGGESTIONS = 20
REINDEX_BATCH = 500


def backend_for(session: Session) -> SearchBackend:
    """The backend of the session's database dialect; Unavailable for any other database."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLiteSearchBackend()
    if dialect == "postgresql":
        return PostgresSearchBackend()
    raise Unavailable(f"catalogue search does not support {dialect}")


def search_datasets(
    session: Session,
    *,
    actor: Actor,
    query: SearchQuery,
    cache: ResultCache[Found] | None = None,
) -> SearchResult:
    """One page of the catalogue entries ``actor`` may see; BadRequest on a tampered cursor.

    ``cache`` (the process's, see :mod:`kaifang.search.cache`) serves repeated public searches.
    """
    return backend_for(session).search(session, query, actor, cache)


def suggest(session: Session, *, actor: Actor, prefix: str, limit: int = 10) -> list[Suggestion]:
    """Visible titles completing ``prefix`` (characters, pinyin or initials), best first."""
    limit = max(1, min(limit, MAX_SUGGESTIONS))
    return backend_for(session).suggest(session, prefix, actor, limit)


def reindex_dataset(session: Session, dataset_id: int) -> bool:
    """Rebuild one dataset's entry, or remove it when the dataset is gone; True if indexed."""
    session.flush()
    backend = backend_for(session)
    region_code = session.scalar(select(Dataset.region_code).where(Dataset.id == dataset_id))
    docs = []
    if region_code is not None:
        docs = load_documents(
            session,
            [dataset_id],
            vocabulary=VocabularyIndex(session),
            region_names=_region_names(session, [region_code]),
        )
    if not docs:
        backend.remove(session, [dataset_id])
        return False
    backend.index(session, docs)
    return True


def reindex_datasets(session: Session, dataset_ids: Sequence[int]) -> int:
    """Rebuild the entries of ``dataset_ids`` in one pass; gone datasets lose their entry."""
    session.flush()
    backend = backend_for(session)
    codes = set(session.scalars(select(Dataset.region_code).where(Dataset.id.in_(dataset_ids))))
    docs = load_documents(
        session,
        list(dataset_ids),
        vocabulary=VocabularyIndex(session),
        region_names=_region_names(session, codes),
    )
    indexed = {doc.dataset_id for doc in docs}
    backend.remove(session, [i for i in dataset_ids if i not in indexed])
    if docs:
        backend.index(session, docs)
    return len(docs)


def reindex_all(session: Session, *, batch_size: int = REINDEX_BATCH) -> int:
    """Rebuild every entry in batches and drop entries of deleted datasets; returns the count."""
    session.flush()
    backend = backend_for(session)
    orphans = select(SearchEntry.dataset_id).where(
        ~exists().where(Dataset.id == SearchEntry.dataset_id)
    )
    backend.remove(session, list(session.scalars(orphans)))
    vocabulary = VocabularyIndex(session)
    regions = _region_names(session, None)
    last_id, count = 0, 0
    while True:
        ids = list(
            session.scalars(
                select(Dataset.id)
                .where(Dataset.id > last_id)
                .order_by(Dataset.id)
                .limit(batch_size)
            )
        )
        if not ids:
            return count
        docs = load_documents(session, ids, vocabulary=vocabulary, region_names=regions)
        backend.index(session, docs)
        last_id, count = ids[-1], count + len(docs)


def _region_names(session: Session, codes: Iterable[str] | None) -> dict[str, str]:
    stmt = select(Region.code, Region.name)
    if codes is not None:
        stmt = stmt.where(Region.code.in_(list(codes)))
    return {code: name for code, name in session.execute(stmt)}


def make_reindex_handler(db: Database) -> Callable[[object], None]:
    """An after-commit handler rebuilding a dataset's entry in its own unit of work.

    A failed reindex is logged, not raised: the catalogue change is already committed and
    ``reindex_all`` repairs the index.
    """

    def handle(event: object) -> None:
        if not isinstance(event, DatasetChanged):
            return
        try:
            with db.unit_of_work() as session:
                reindex_dataset(session, event.dataset_id)
        except Exception:
            logger.exception("search reindex of dataset %s failed", event.dataset_id)

    return handle
