"""No duplicate re-opening: a county copy of a city dataset is flagged for the reviewer."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.auth.models import Region
from kaifang.catalog.models import Dataset

_YEAR = re.compile(r"(19|20)\d{2}\s*年?(度)?")
_NOISE = re.compile(r"[\s\-_·（）()【】\[\]]|(全市|全区|全县|本市|本区|本县)")


def normalise_title(title: str, region_names: list[str]) -> str:
    """Title without region names, years and punctuation, for comparison."""
    out = _YEAR.sub("", title)
    for name in sorted(region_names, key=len, reverse=True):
        out = out.replace(name, "")
        short = name.rstrip("市区县")
        if len(short) >= 2:
            out = out.replace(short, "")
    return _NOISE.sub("", out)


def _schema(dataset: Dataset) -> set[str]:
    return {(i.label or i.name).strip() for i in dataset.items}


def _similar_schema(a: set[str], b: set[str]) -> bool:
    if not a and not b:
        return True
    return len(a & b) / max(len(a | b), 1) >= 0.8


def find_city_duplicate(session: Session, dataset: Dataset) -> Dataset | None:
    """A city-level dataset with the same schema and a title differing only by region or year."""
    if len(dataset.region_code) < 6 or dataset.region_code.endswith("00"):
        return None
    city = dataset.region_code[:4]
    names = list(session.scalars(select(Region.name).where(Region.code.startswith(city[:2]))))
    wanted = normalise_title(dataset.title, names)
    candidates = (
        session.scalars(
            select(Dataset).where(
                Dataset.region_code == city, Dataset.id != dataset.id, Dataset.status != "withdrawn"
            )
        )
        .unique()
        .all()
    )
    schema = _schema(dataset)
    for other in candidates:
        if normalise_title(other.title, names) == wanted and _similar_schema(
            schema, _schema(other)
        ):
            return other
    return None
