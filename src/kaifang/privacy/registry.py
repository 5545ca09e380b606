"""The detector contract, the ``Finding`` result and a registry of detectors keyed by kind.

A detector looks at one normalised text and returns raw spans in normalised offsets; the
analyzer maps them to the original string and resolves overlaps. ``Finding`` has the
shape of Presidio's ``RecognizerResult`` (plus the matched text), so Presidio can be used
as a drop-in benchmark peer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol, runtime_checkable

from kaifang.errors import Conflict, InvalidInput
from kaifang.privacy.normalize import NormalizedText

# Every kind a detector, a column classifier or a masking rule may name.
KINDS: tuple[str, ...] = (
    "resident_id",
    "mobile",
    "landline",
    "bank_card",
    "uscc",
    "passport",
    "travel_permit",
    "plate",
    "email",
    "ip",
    "person_name",
    "address",
    "birth_date",
    "coordinates",
)

# (start, end, score) in the normalised text's offsets.
RawSpan = tuple[int, int, float]


class Finding(NamedTuple):
    """One detected value: its kind, half-open span in the ORIGINAL text, score and text.

    A named tuple (immutable, hashable) because one is built per detected value and a
    frozen dataclass costs several times more to construct.
    """

    type: str
    start: int
    end: int
    score: float
    text: str

    def to_presidio(self) -> dict[str, object]:
        """Return the fields of a Presidio ``RecognizerResult`` as a dict."""
        return {"entity_type": self.type, "start": self.start, "end": self.end, "score": self.score}


@runtime_checkable
class Detector(Protocol):
    """Finds one kind of value in normalised text."""

    kind: str

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        """Return spans (normalised offsets) with scores between 0 and 1."""
        ...


class DetectorRegistry:
    """Detectors by kind; one detector per kind, replaceable on purpose only."""

    def __init__(self) -> None:
        self._detectors: dict[str, Detector] = {}

    def register(self, detector: Detector, *, replace: bool = False) -> None:
        """Add ``detector``; Conflict if its kind is taken and ``replace`` is false."""
        if not isinstance(detector, Detector) or not detector.kind:
            raise InvalidInput("a detector needs a kind and a find(doc) method")
        if detector.kind in self._detectors and not replace:
            raise Conflict(f"a detector for {detector.kind!r} is already registered")
        self._detectors[detector.kind] = detector

    def get(self, kind: str) -> Detector:
        """Return the detector for ``kind``; InvalidInput if there is none."""
        try:
            return self._detectors[kind]
        except KeyError:
            raise InvalidInput(f"no detector for kind {kind!r}", details={"kind": kind}) from None

    def select(self, kinds: Iterable[str]) -> list[Detector]:
        """Return the detectors for ``kinds`` in that order; InvalidInput on an unknown kind."""
        try:
            return [self._detectors[kind] for kind in kinds]
        except KeyError as exc:
            kind = exc.args[0]
            raise InvalidInput(f"no detector for kind {kind!r}", details={"kind": kind}) from None

    def kinds(self) -> list[str]:
        """Return the registered kinds in registration order."""
        return list(self._detectors)

    def __contains__(self, kind: object) -> bool:
        return kind in self._detectors

    def __iter__(self) -> Iterator[Detector]:
        return iter(list(self._detectors.values()))

    def __len__(self) -> int:
        return len(self._detectors)
