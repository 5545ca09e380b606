"""Incremental JSON: records are decoded one at a time, so memory follows the largest record.

``JSONStream`` wraps a text reader and decodes one value at a time with the standard library's
C scanner, refilling its buffer when a value is cut off; errors carry the line number.
``find_records`` walks a top-level object lazily to the first array of objects (or the array
under a requested key path, or GeoJSON's ``features``) and keeps the other members as metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator
from typing import Any

from kaifang.ingest.problems import human_bytes, invalid, too_large

_WHITESPACE = " \t\r\n"
_CHUNK_CHARS = 1 << 20
_MAX_WALK_DEPTH = 4


class JSONStream:
    """One JSON value at a time from a text reader, with line-numbered errors."""

    def __init__(self, read: Callable[[int], str], *, max_value_chars: int):
        self._read = read
        self._decoder = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._dropped_lines = 0
        self._max = max_value_chars

    @property
    def line(self) -> int:
        """The 1-based line of the current position."""
        return self._dropped_lines + self._buf.count("\n", 0, self._pos) + 1

    def _fill(self, want: int = _CHUNK_CHARS) -> bool:
        if self._eof:
            return False
        data = self._read(max(want, _CHUNK_CHARS))
        self._dropped_lines += self._buf.count("\n", 0, self._pos)
        self._buf = self._buf[self._pos :] + data
        self._pos = 0
        self._eof = not data
        return bool(data)

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end), without consuming it."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def take(self, expected: str) -> None:
        """Consume ``expected`` (after whitespace) or raise a line-numbered error."""
        found = self.peek()
        if found != expected:
            raise self.error(f"应为“{expected}”", f"expected {expected!r}")
        self._pos += 1

    def value(self) -> Any:
        """Decode the next complete value."""
        self.peek()
        while True:
            try:
                obj, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError:
                obj, end = None, -1
            except RecursionError:
                raise self.error("嵌套层级过深", "nesting is too deep") from None
            if end != -1 and (end < len(self._buf) or self._eof):
                self._pos = end
                return obj
            if len(self._buf) - self._pos > self._max:
                raise too_large(
                    f"第 {self.line} 行起的一条记录超过 {human_bytes(self._max)}",
                    f"the record starting on line {self.line} is larger than {human_bytes(self._max)}",
                )
            if not self._fill(len(self._buf) - self._pos):
                if end != -1:
                    continue
                raise self.error("JSON 语法错误", "invalid JSON syntax")

    def array_of_objects_ahead(self) -> bool:
        """True if the next value is an array whose first element is an object."""
        if self.peek() != "[":
            return False
        offset = 1
        while True:
            i = self._pos + offset
            while i < len(self._buf) and self._buf[i] in _WHITESPACE:
                i += 1
            if i < len(self._buf):
                return self._buf[i] == "{"
            offset = i - self._pos
            if not self._fill():
                return False

    def items(self) -> Iterator[str]:
        """Keys of the object at the current position; the caller consumes each value."""
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise self.error("对象的键必须是字符串", "object keys must be strings")
            self.take(":")
            yield key
            if self.peek() == ",":
                self._pos += 1
                continue
            self.take("}")
            return

    def elements(self) -> Iterator[Any]:
        """The values of the array at the current position, one at a time."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == ",":
                self._pos += 1
                continue
            self.take("]")
            return

    def error(self, zh: str, en: str) -> Exception:
        return invalid(f"第 {self.line} 行：{zh}", f"line {self.line}: {en}", line=self.line)


def find_records(
    stream: JSONStream, *, path: list[str] | None, prefer: str | None, meta: dict[str, Any]
) -> Iterator[Any]:
    """Records from the top-level object at the stream's position.

    Follows ``path`` when given; otherwise the ``prefer`` key or the first array whose first
    element is an object, descending into nested objects up to four levels. Other members are
    collected into ``meta``. If no array is found, the object itself is the only record.
    """
    found = yield from _walk(stream, path, prefer, meta, 0)
    if not found:
        if path:
            raise invalid(
                f"JSON 中找不到记录路径“{'.'.join(path)}”",
                f"no records at JSON path {'.'.join(path)!r}",
            )
        yield dict(meta)
        meta.clear()


def _walk(
    stream: JSONStream, path: list[str] | None, prefer: str | None, meta: dict[str, Any], depth: int
) -> Generator[Any, None, bool]:
    found = False
    for key in stream.items():
        if path:
            wanted = path[0] == key and len(path) == 1
        else:
            wanted = prefer == key if prefer is not None else stream.array_of_objects_ahead()
        nxt = stream.peek()
        if not found and wanted and nxt == "[":
            found = True
            yield from stream.elements()
        elif not found and nxt == "{" and depth < _MAX_WALK_DEPTH and (not path or path[0] == key):
            child: dict[str, Any] = {}
            found = yield from _walk(stream, path[1:] if path else None, prefer, child, depth + 1)
            meta[key] = child
        else:
            meta[key] = stream.value()
    return found
