"""Free-text analysis: normalise once, run the registered detectors, resolve overlaps.

``analyze`` is the Presidio ``AnalyzerEngine.analyze`` of this package. Overlapping
findings of different kinds are resolved by score, then by length, so an 18-digit ID that
also passes the Luhn check stays an ID unless a card word says otherwise.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from operator import attrgetter

from kaifang.errors import InvalidInput
from kaifang.privacy.addresses import AddressDetector
from kaifang.privacy.detectors import STRUCTURED_DETECTORS
from kaifang.privacy.names import PersonNameDetector
from kaifang.privacy.normalize import normalize
from kaifang.privacy.registry import DetectorRegistry, Finding

DEFAULT_THRESHOLD = 0.5
_span = attrgetter("start", "end")


def build_registry() -> DetectorRegistry:
    """Return a new registry holding one instance of every built-in detector."""
    registry = DetectorRegistry()
    for detector_class in STRUCTURED_DETECTORS:
        registry.register(detector_class())
    registry.register(PersonNameDetector())
    registry.register(AddressDetector())
    return registry


@cache
def default_registry() -> DetectorRegistry:
    """Return the shared registry of built-in detectors (built on first use)."""
    return build_registry()


def analyze(
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    registry: DetectorRegistry | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Finding]:
    """Return non-overlapping findings in ``text`` ordered by start; InvalidInput on bad kinds."""
    registry = registry or default_registry()
    detectors = registry.select(kinds) if kinds is not None else list(registry)
    if not 0.0 <= threshold <= 1.0:
        raise InvalidInput("threshold must be between 0 and 1")
    if not text:
        return []
    doc = normalize(text)
    to_original = doc.to_original
    candidates: list[Finding] = []
    for detector in detectors:
        kind = detector.kind
        for start, end, score in detector.find(doc):
            if score >= threshold:
                first, last = to_original(start, end)
                candidates.append(Finding(kind, first, last, round(score, 3), text[first:last]))
    return resolve_overlaps(candidates) if len(candidates) > 1 else candidates


def resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep the best of overlapping findings (score, then length); return them by start.

    Findings are first cut into clusters of transitively overlapping spans: a finding can
    only compete with findings of its own cluster, so ranking per cluster gives the same
    result as ranking everything, without inserting into one ever-growing list.
    """
    kept: list[Finding] = []
    cluster: list[Finding] = []
    reach, empty_at_reach = -1, False
    for finding in sorted(findings, key=_span):
        # An empty span counts as overlapping a span that starts where it sits.
        if cluster and (finding.start > reach or (finding.start == reach and not empty_at_reach)):
            kept.extend(cluster if len(cluster) == 1 else _rank_cluster(cluster))
            cluster, reach, empty_at_reach = [], -1, False
        if finding.end > reach:
            reach, empty_at_reach = finding.end, False
        empty_at_reach = empty_at_reach or finding.start == finding.end == reach
        cluster.append(finding)
    if cluster:
        kept.extend(cluster if len(cluster) == 1 else _rank_cluster(cluster))
    return kept


def _rank_cluster(findings: list[Finding]) -> list[Finding]:
    """Greedily keep findings by rank unless they overlap one already kept; by start."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    starts: list[int] = []
    kept: list[Finding] = []
    for finding in ranked:
        index = bisect_left(starts, finding.start)
        before = kept[index - 1] if index > 0 else None
        after = kept[index] if index < len(kept) else None
        if (before and before.end > finding.start) or (after and after.start < finding.end):
            continue
        starts.insert(index, finding.start)
        kept.insert(index, finding)
    return kept
