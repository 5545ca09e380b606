"""Kaifang against Microsoft Presidio on the same corpus and the same regexes, in one run.

Presidio has no Chinese recognizers and no Chinese spaCy model on PyPI, so it is set up
the way a team would have to: a blank ``zh`` spaCy pipeline (no model download) and one
``PatternRecognizer`` per structured kind with Kaifang's regexes and checksum validators.
Presidio is a benchmark-only dependency in its own virtual environment:

    python3 -m venv /tmp/presidio-venv
    /tmp/presidio-venv/bin/pip install presidio-analyzer==2.2.366
    .venv/bin/python bench/privacy/compare_presidio.py --presidio-python /tmp/presidio-venv/bin/python

The driver (Kaifang's environment) generates the corpus and starts a Presidio worker
process that builds its engine once. Passes then alternate, Kaifang then Presidio, each
timed in its own process's CPU time (``time.process_time``) over every document, one
``analyze`` call per document; the medians and their ratio are printed with recall and
precision of both. The worker loads ``kaifang/checksums.py`` by file path, so it needs
neither Kaifang's dependencies nor its package.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

KINDS = ("resident_id", "mobile", "bank_card", "uscc", "plate", "email")
_ROOT = Path(__file__).resolve().parents[2]
# Kaifang finds e-mails from each "@" outwards; Presidio gets the equivalent regex.
_EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}"
)
Spans = list[tuple[str, int, int]]


def quality(docs: list[dict[str, Any]], predicted: list[Spans]) -> dict[str, tuple[float, float]]:
    """Return (recall, precision) per kind on exact spans."""
    counts = {kind: [0, 0, 0] for kind in KINDS}
    for doc, found in zip(docs, predicted, strict=True):
        gold = {tuple(span) for span in doc["spans"] if span[0] in KINDS}
        for kind in KINDS:
            p = {s for s in found if s[0] == kind}
            g = {s for s in gold if s[0] == kind}
            counts[kind][0] += len(p & g)
            counts[kind][1] += len(p - g)
            counts[kind][2] += len(g - p)
    return {
        kind: (tp / max(1, tp + fn), tp / max(1, tp + fp)) for kind, (tp, fp, fn) in counts.items()
    }


def timed_pass(analyze_one: Callable[[str], Spans], texts: Iterable[str]) -> tuple[float, list]:
    """Return (CPU seconds, results) of one pass over ``texts``."""
    started = time.process_time()
    results = [analyze_one(text) for text in texts]
    return time.process_time() - started, results


# --- the Presidio worker (runs in Presidio's environment) -----------------------------


def _checksums() -> Any:
    source = _ROOT / "src" / "kaifang" / "checksums.py"
    spec = importlib.util.spec_from_file_location("kaifang_checksums", source)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _engine(patterns: dict[str, str]) -> Any:
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    checks = _checksums()
    validators = {
        "resident_id": lambda v: len(v) != 18 or checks.is_valid_resident_id(v),
        "mobile": checks.is_valid_mobile,
        "bank_card": lambda v: not v.isdigit() or checks.is_valid_bank_card(v),
        "uscc": checks.is_valid_uscc,
    }

    class BlankChinese(SpacyNlpEngine):  # type: ignore[misc]
        def load(self) -> None:
            self.nlp = {"zh": spacy.blank("zh")}

    registry = RecognizerRegistry(supported_languages=["zh"])
    for kind, regex in patterns.items():
        validate = validators.get(kind)

        class Recognizer(PatternRecognizer):  # type: ignore[misc]
            def validate_result(self, pattern_text: str, _check: Any = validate) -> bool | None:
                return None if _check is None else bool(_check(pattern_text))

        registry.add_recognizer(
            Recognizer(
                supported_entity=kind, patterns=[Pattern(kind, regex, 0.8)], supported_language="zh"
            )
        )
    engine = BlankChinese(models=[{"lang_code": "zh", "model_name": "blank"}])
    engine.load()
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["zh"])


def worker(path: Path) -> None:
    """Build Presidio once, then answer each "pass" line on stdin with one timed pass."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    analyzer = _engine(payload["patterns"])
    texts = [doc["text"] for doc in payload["docs"]]

    def analyze_one(text: str) -> Spans:
        found = analyzer.analyze(text=text, language="zh")
        return [(r.entity_type, r.start, r.end) for r in found if r.score >= 0.5]

    analyze_one("预热 13812345678")
    for line in sys.stdin:
        if line.strip() != "pass":
            break
        seconds, results = timed_pass(analyze_one, texts)
        print(json.dumps({"seconds": seconds, "results": results}), flush=True)


# --- the driver (runs in Kaifang's environment) ---------------------------------------


def _kaifang() -> tuple[Callable[[str], Spans], dict[str, str]]:
    from kaifang.privacy.analyzer import analyze, default_registry

    def analyze_one(text: str) -> Spans:
        return [(f.type, f.start, f.end) for f in analyze(text, kinds=KINDS)]

    patterns = {
        kind: getattr(default_registry().get(kind), "pattern", _EMAIL_PATTERN).pattern
        for kind in KINDS
    }
    analyze_one("预热 13812345678")
    return analyze_one, patterns


def compare(docs_count: int, runs: int, presidio_python: str) -> None:
    """Alternate Kaifang and Presidio passes and print medians, ratio and quality."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus import generate

    analyze_one, patterns = _kaifang()
    docs = [{"text": d.text, "spans": d.spans} for d in generate(docs_count)]
    texts = [doc["text"] for doc in docs]
    chars = sum(map(len, texts))
    with tempfile.TemporaryDirectory() as tmp:
        payload = Path(tmp) / "corpus.json"
        payload.write_text(json.dumps({"docs": docs, "patterns": patterns}), encoding="utf-8")
        process = subprocess.Popen(
            [presidio_python, __file__, "worker", str(payload)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdin and process.stdout
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(runs):
            seconds, our_results = timed_pass(analyze_one, texts)
            ours.append(seconds)
            process.stdin.write("pass\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline())
            theirs.append(answer["seconds"])
        process.stdin.close()
        process.wait()
    _report(docs, chars, ours, theirs, our_results, answer["results"])


def _report(
    docs: list[dict[str, Any]],
    chars: int,
    ours: list[float],
    theirs: list[float],
    our_results: list[Spans],
    their_results: list[list[list[Any]]],
) -> None:
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"corpus: {len(docs)} documents, {chars} characters, kinds: {', '.join(KINDS)}")
    print(f"{'kind':<13}{'Kaifang R':>10}{'P':>8}{'Presidio R':>12}{'P':>8}")
    kaifang_q = quality(docs, our_results)
    presidio_q = quality(docs, [[tuple(s) for s in found] for found in their_results])
    for kind in KINDS:
        (kr, kp), (pr, pp) = kaifang_q[kind], presidio_q[kind]
        print(f"{kind:<13}{kr:>10.4f}{kp:>8.4f}{pr:>12.4f}{pp:>8.4f}")
    print("per-pass CPU seconds (Kaifang / Presidio):")
    for a, b in zip(ours, theirs, strict=True):
        print(f"  {a:.3f} / {b:.3f}  ratio {b / a:.1f}x")
    print(
        f"median over {len(ours)} alternating passes: Kaifang {chars / ours_median / 1e6:.2f} "
        f"Mchar/s, Presidio {chars / theirs_median / 1e6:.3f} Mchar/s, "
        f"ratio {theirs_median / ours_median:.1f}x"
    )


def main() -> None:
    """Run the comparison, or (internally) the Presidio worker."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", nargs="?", default="compare", choices=("compare", "worker"))
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--presidio-python", default="/tmp/presidio-venv/bin/python")
    args = parser.parse_args()
    if args.step == "worker":
        worker(args.path)
    else:
        compare(args.docs, args.runs, args.presidio_python)


if __name__ == "__main__":
    main()
