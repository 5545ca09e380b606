"""Display labels of facet values and hit codes, looked up once per search for what is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.models import Organization, Region
from kaifang.catalog.models import VocabularyTerm

OPEN_ATTRIBUTE_LABELS = {
    "unconditional": "无条件开放",
    "conditional": "有条件开放",
    "closed": "不予开放",
}
GRADE_LABELS = {"L1": "L1 不敏感", "L2": "L2 低敏感", "L3": "L3 较敏感", "L4": "L4 敏感"}
VOCABULARY_FACETS = {"domain": "domain", "update_frequency": "update_frequency", "format": "format"}


class LabelBook:
    """Labels of the codes of each facet that a result page needs."""

    def __init__(self, labels: dict[str, dict[str, str]]) -> None:
        self._labels = labels

    @classmethod
    def load(cls, session: Session, wanted: Mapping[str, Iterable[str]]) -> LabelBook:
        """Look up the labels of the wanted codes per facet (vocabulary, organization, region)."""
        labels: dict[str, dict[str, str]] = {
            "open_attribute": OPEN_ATTRIBUTE_LABELS,
            "grade": GRADE_LABELS,
        }
        for facet, codes in wanted.items():
            values = sorted(set(codes))
            if values and facet not in labels:
                labels[facet] = _lookup(session, facet, values)
        return cls(labels)

    def label(self, facet: str, code: str) -> str:
        return self._labels.get(facet, {}).get(code, code)


def _lookup(session: Session, facet: str, codes: list[str]) -> dict[str, str]:
    if facet in VOCABULARY_FACETS:
        rows = session.execute(
            select(VocabularyTerm.code, VocabularyTerm.label_zh).where(
                VocabularyTerm.kind == VOCABULARY_FACETS[facet], VocabularyTerm.code.in_(codes)
            )
        )
        return {code: label for code, label in rows}
    if facet == "organization":
        ids = [int(c) for c in codes if c.isdigit()]
        rows = session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(ids))
        )
        return {str(org_id): name for org_id, name in rows}
    if facet == "region":
        rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
        return {code: name for code, name in rows}
    return {}
