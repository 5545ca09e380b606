"""Optional comparison with Microsoft Presidio on the same corpus and the same regexes.

Presidio has no Chinese recognizers and no Chinese spaCy model on PyPI, so it is set up
the way a team would have to: a blank ``zh`` spaCy pipeline (no model download) and one
``PatternRecognizer`` per structured kind with Kaifang's regexes and checksum validators.
It runs in its own virtual environment (Presidio is not a Kaifang dependency):

    python -m venv /tmp/presidio-venv && /tmp/presidio-venv/bin/pip install presidio-analyzer
    .venv/bin/python bench/privacy/compare_presidio.py export /tmp/corpus.json --docs 5000
    /tmp/presidio-venv/bin/python bench/privacy/compare_presidio.py run /tmp/corpus.json

``export`` (Kaifang's environment) writes the corpus, the regexes and Kaifang's own CPU
time on it; ``run`` (Presidio's environment) loads ``checksums.py`` by file path, so it
needs neither Kaifang's dependencies nor its package.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

KINDS = ("resident_id", "mobile", "bank_card", "uscc", "plate", "email")
_ROOT = Path(__file__).resolve().parents[2]
# Kaifang finds e-mails from each "@" outwards; Presidio gets the equivalent regex.
_EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}"
)


def export(path: Path, docs: int) -> None:
    """Write corpus, regexes and Kaifang's timing for the structured kinds to ``path``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus import generate

    from kaifang.privacy.analyzer import analyze, default_registry

    corpus = generate(docs)
    started = time.process_time()
    for doc in corpus:
        analyze(doc.text, kinds=KINDS)
    seconds = time.process_time() - started
    patterns = {
        kind: getattr(default_registry().get(kind), "pattern", _EMAIL_PATTERN).pattern
        for kind in KINDS
    }
    payload = {
        "docs": [{"text": d.text, "spans": d.spans} for d in corpus],
        "patterns": patterns,
        "kaifang_seconds": seconds,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {docs} documents; Kaifang structured kinds: {seconds:.2f} s CPU")


def _checksums() -> Any:
    source = _ROOT / "src" / "kaifang" / "privacy" / "checksums.py"
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


def run(path: Path) -> None:
    """Run Presidio on the exported corpus and print quality and CPU time."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    analyzer = _engine(payload["patterns"])
    counts = {kind: [0, 0, 0] for kind in KINDS}
    chars = sum(len(doc["text"]) for doc in payload["docs"])
    started = time.process_time()
    results = [analyzer.analyze(text=doc["text"], language="zh") for doc in payload["docs"]]
    seconds = time.process_time() - started
    for doc, found in zip(payload["docs"], results, strict=True):
        predicted = {(r.entity_type, r.start, r.end) for r in found if r.score >= 0.5}
        gold = {tuple(span) for span in doc["spans"] if span[0] in KINDS}
        for kind in KINDS:
            p = {s for s in predicted if s[0] == kind}
            g = {s for s in gold if s[0] == kind}
            counts[kind][0] += len(p & g)
            counts[kind][1] += len(p - g)
            counts[kind][2] += len(g - p)
    for kind, (tp, fp, fn) in counts.items():
        print(
            f"presidio {kind:<12} recall {tp / max(1, tp + fn):.4f} precision {tp / max(1, tp + fp):.4f}"
        )
    kaifang = payload["kaifang_seconds"]
    print(
        f"CPU time on {chars} chars: Presidio {seconds:.2f} s ({chars / seconds / 1e6:.3f} Mchar/s), "
        f"Kaifang {kaifang:.2f} s ({chars / kaifang / 1e6:.2f} Mchar/s), ratio {seconds / kaifang:.1f}x"
    )


def main() -> None:
    """Dispatch to ``export`` or ``run``."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("export", "run"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    if args.step == "export":
        export(args.path, args.docs)
    else:
        run(args.path)


if __name__ == "__main__":
    main()
