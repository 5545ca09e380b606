"""XML through defusedxml: DTDs, entities and external references are refused outright.

The record element is the shallowest element that repeats under one parent in the first part of
the document (``<root><row>..</row><row>..</row></root>``), or the ``record_path`` an officer
gives (an element name). Each record becomes a row: attributes as ``@name``, leaf children as
columns, nested children flattened to ``a.b``, repeated children as a JSON array. Elements are
cleared as soon as their row is built, so memory follows one record, not the document.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
import pyarrow as pa
from defusedxml.common import DefusedXmlException

from kaifang.ingest.encodings import DecodedText, EncodingGuess
from kaifang.ingest.options import IngestOptions
from kaifang.ingest.problems import invalid
from kaifang.ingest.readers.base import MAX_NESTING, RecordBatcher, TableSource

_PROBE_EVENTS = 20_000


def local_name(tag: object) -> str:
    """The tag without its ``{namespace}``."""
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith("{") else text


def _events(path: Path, guess: EncodingGuess) -> Iterator[tuple[str, Element]]:
    with path.open("rb") as raw:
        text = DecodedText(raw, guess, chunk_bytes=1 << 20)
        try:
            yield from DET.iterparse(text, events=("start", "end"), forbid_dtd=True)
        except DefusedXmlException:
            raise invalid(
                "XML 文件包含 DTD 或实体声明，出于安全原因拒绝；请去掉 <!DOCTYPE> 后上传",
                "the XML file declares a DTD or entities, refused for safety; remove <!DOCTYPE>",
            ) from None
        except ParseError as exc:
            line = exc.position[0] if exc.position else 0
            raise invalid(
                f"XML 格式错误（第 {line} 行）", f"malformed XML at line {line}", line=line
            ) from None


def detect_record_path(path: Path, guess: EncodingGuess) -> tuple[str, int]:
    """(tag, depth) of the shallowest element repeated under one parent in the first events."""
    counts: Counter[tuple[int, str, str]] = Counter()
    stack: list[str] = []
    for seen, (event, element) in enumerate(_events(path, guess)):
        if event == "start":
            tag = local_name(element.tag)
            parent = "/".join(stack)
            counts[(len(stack), parent, tag)] += 1
            stack.append(tag)
        else:
            stack.pop()
        if seen > _PROBE_EVENTS:
            break
    repeated = [key for key, n in counts.items() if n > 1 and key[0] > 0]
    if repeated:
        depth, _parent, tag = min(repeated, key=lambda k: (k[0], -counts[k]))
        return tag, depth
    children = [key for key in counts if key[0] == 1]
    if children:
        return children[0][2], 1
    raise invalid("XML 文件中没有可作为数据行的元素", "the XML file holds no record elements")


def open_xml(path: Path, *, guess: EncodingGuess, options: IngestOptions) -> TableSource:
    """An XML file as one row per record element."""
    if options.record_path:
        tag, depth = options.record_path.rsplit("/", 1)[-1], None
    else:
        tag, found_depth = detect_record_path(path, guess)
        depth = found_depth
    source = TableSource("xml", [], first_row=1, encoding=guess.label)
    source.batches = _batches(path, guess, tag, depth, source, options)
    source.geo = {"xml_record": tag}
    return source


def _batches(
    path: Path,
    guess: EncodingGuess,
    tag: str,
    depth: int | None,
    source: TableSource,
    options: IngestOptions,
) -> Iterator[pa.RecordBatch]:
    batcher = RecordBatcher(source.names, max_columns=options.max_columns)
    stack: list[Element] = []
    for event, element in _events(path, guess):
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        if local_name(element.tag) == tag and (depth is None or len(stack) == depth):
            batch = batcher.add(record_of(element))
            if stack:
                stack[-1].clear()
            if batch is not None:
                yield batch
    if batcher.count == 0:
        raise invalid(
            f"XML 中没有找到记录元素 <{tag}>", f"no <{tag}> record elements in the XML file"
        )
    tail = batcher.flush()
    if tail is not None:
        yield tail


def record_of(element: Element) -> dict[str, str | None]:
    """One record element as a flat row."""
    row: dict[str, str | None] = {}
    _collect(element, "", row, 0)
    if not row and element.text and element.text.strip():
        row[local_name(element.tag)] = element.text.strip()
    return row


def _collect(element: Element, prefix: str, row: dict[str, str | None], depth: int) -> None:
    if depth > MAX_NESTING:
        raise invalid(
            f"XML 嵌套超过 {MAX_NESTING} 层", f"XML nested deeper than {MAX_NESTING} levels"
        )
    for key, value in element.attrib.items():
        row[f"{prefix}@{local_name(key)}"] = value
    groups: dict[str, list[Element]] = {}
    for child in element:
        groups.setdefault(local_name(child.tag), []).append(child)
    for name, children in groups.items():
        if len(children) > 1:
            row[prefix + name] = json.dumps([_plain(c) for c in children], ensure_ascii=False)
        elif len(children[0]) or children[0].attrib:
            _collect(children[0], f"{prefix}{name}.", row, depth + 1)
            _text_member(children[0], f"{prefix}{name}", row)
        else:
            text = children[0].text
            row[prefix + name] = text.strip() if text and text.strip() else None


def _text_member(element: Element, name: str, row: dict[str, str | None]) -> None:
    if element.text and element.text.strip() and not len(element):
        row[name] = element.text.strip()


def _plain(element: Element) -> Any:
    if not len(element) and not element.attrib:
        return element.text.strip() if element.text else None
    row: dict[str, str | None] = {}
    _collect(element, "", row, 0)
    return row
