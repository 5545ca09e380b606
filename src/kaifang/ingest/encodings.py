"""Text encodings: the detection ladder of data-pipeline.md §3.1 and strict streaming decoding.

Detection reads a bounded window, never the whole file:

1. a byte-order mark (UTF-8, UTF-16/32, GB18030) wins;
2. an officer's declared encoding (``IngestOptions.encoding``, a shapefile ``.cpg``) comes next;
3. the window starts at the first line holding a non-ASCII byte, so a numeric table whose only
   Chinese is deep in the file, or only in the header, is judged on that Chinese;
4. strict UTF-8; strict GB18030 (GBK and GB2312 are decoded as GB18030, their superset);
   strict Big5 (HKSCS) when GB18030 fails, or a restricted detector to arbitrate when both
   decode and the bytes fall outside the GB2312 range;
5. charset-normalizer, unrestricted, only as the last resort.

The rest of the file is verified while it streams (``DecodedText``, ``transcode_to_utf8``):
the first undecodable byte raises an error naming its line, which is how mixed encodings in one
file are reported. NUL characters are refused with their line number, never stripped: in a text
file they nearly always mean a wrong encoding or a binary file, and silently dropping them would
alter identifiers.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kaifang.ingest.problems import invalid

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 8 * 1024 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (b"\x84\x31\x95\x33", "gb18030"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "936": "gb18030",
    "euc_cn": "gb18030",
    "hz": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "950": "big5hkscs",
    "utf_8_sig": "utf-8",
    "utf_8": "utf-8",
    "ascii": "utf-8",
}
_LABELS = {"utf-8": "UTF-8", "gb18030": "GB18030", "big5hkscs": "Big5"}
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_GB2312_RUN = re.compile(rb"(?:[\x00-\x7f]|[\xa1-\xfe][\xa1-\xfe])*")
_UTF8_CJK = re.compile(rb"[\xe3-\xe9][\x80-\xbf]{2}")
_MIXED_MIN_CJK = 3


@dataclass(frozen=True)
class EncodingGuess:
    """A detected encoding: the Python codec, how it was found, and the BOM to skip."""

    encoding: str
    method: str
    bom: bytes = b""

    @property
    def label(self) -> str:
        """The public name recorded in the resource metadata (``UTF-8``, ``GB18030``...)."""
        base = _LABELS.get(self.encoding, self.encoding.upper())
        return f"{base} (BOM)" if self.bom else base

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8"


def normalize_encoding(name: str) -> str:
    """The Python codec used for a declared encoding name; GBK/GB2312 map to GB18030."""
    key = name.strip().lower().replace("-", "_")
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        canonical = codecs.lookup(key).name
    except LookupError:
        raise invalid(
            f"不支持的文本编码“{name[:40]}”", f"unknown text encoding {name[:40]!r}"
        ) from None
    return _ALIASES.get(canonical.replace("-", "_"), canonical)


def detect_encoding(
    path: Path, *, declared: str | None = None, sample_bytes: int = SAMPLE_BYTES
) -> EncodingGuess:
    """Detect the encoding of a text file from a bounded window; raises InvalidInput."""
    with path.open("rb") as raw:
        head = raw.read(sample_bytes)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return EncodingGuess(encoding, "bom", bom)
        if declared:
            return EncodingGuess(normalize_encoding(declared), "declared")
        if b"\x00" in head:
            return _guess_with_nul(head)
        found = _first_non_ascii_window(raw, head, sample_bytes)
    if found is None:
        return EncodingGuess("utf-8", "ascii")
    window, lines_before, at_eof = found
    return classify_bytes(window, lines_before=lines_before, at_eof=at_eof)


def classify_bytes(window: bytes, *, lines_before: int = 0, at_eof: bool = True) -> EncodingGuess:
    """Apply the ladder to a window of bytes that starts at a line boundary."""
    utf8_error = _decode_error(window, "utf-8", at_eof)
    if utf8_error is None:
        return EncodingGuess("utf-8", "utf-8")
    if len(_UTF8_CJK.findall(window[:utf8_error])) >= _MIXED_MIN_CJK:
        raise mixed_encoding_error(lines_before + window.count(b"\n", 0, utf8_error) + 1, "UTF-8")
    gb_error = _decode_error(window, "gb18030", at_eof)
    big5_error = _decode_error(window, "big5hkscs", at_eof)
    if gb_error is None and (big5_error is not None or _within_gb2312(window)):
        return EncodingGuess("gb18030", "gb18030")
    if gb_error is None:
        return _arbitrate_gb_big5(window)
    if big5_error is None:
        return EncodingGuess("big5hkscs", "big5")
    guess = _last_resort(window)
    if guess is not None:
        return guess
    offset, label = max((utf8_error, "UTF-8"), (gb_error, "GB18030"), (big5_error or 0, "Big5"))
    line = lines_before + window.count(b"\n", 0, offset) + 1
    raise invalid(
        f"无法识别文件编码：第 {line} 行既不是 UTF-8，也不是 GB18030 或 Big5 编码"
        f"（按最接近的 {label} 解码在此行出错）；请另存为 UTF-8 后重新上传",
        f"cannot detect the text encoding: line {line} is neither UTF-8, GB18030 nor Big5 "
        f"(the closest, {label}, fails there); save the file as UTF-8 and upload it again",
        line=line,
    )


def mixed_encoding_error(line: int, expected: str) -> Exception:
    """The error for a file whose lines use different encodings."""
    return invalid(
        f"文件混用了多种编码：第 {line} 行不是 {expected} 编码；请将整个文件另存为同一种编码",
        f"the file mixes encodings: line {line} is not {expected}; "
        "save the whole file in one encoding",
        line=line,
        encoding=expected,
    )


def _within_gb2312(window: bytes) -> bool:
    """True when every double-byte pair lies in the GB2312 rows (simplified Chinese)."""
    match = _GB2312_RUN.match(window)
    return match is not None and match.end() >= len(window) - 1


def _decode_error(data: bytes, encoding: str, final: bool) -> int | None:
    """Offset of the first undecodable byte, or None if ``data`` decodes strictly."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(data, final)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def _first_non_ascii_window(
    raw: BinaryIO, head: bytes, size: int
) -> tuple[bytes, int, bool] | None:
    """The window starting at the first line with a non-ASCII byte, its line offset, EOF flag."""
    lines_before = 0
    chunk = head
    while chunk:
        match = _NON_ASCII.search(chunk)
        if match is not None:
            start = chunk.rfind(b"\n", 0, match.start()) + 1
            lines_before += chunk.count(b"\n", 0, start)
            window = chunk[start:]
            if len(window) < size:
                window += raw.read(size - len(window))
            return window, lines_before, raw.read(1) == b""
        lines_before += chunk.count(b"\n")
        chunk = raw.read(CHUNK_BYTES)
    return None


def _guess_with_nul(head: bytes) -> EncodingGuess:
    """UTF-16 without a BOM shows NULs in every other byte; anything else with NULs is refused."""
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return EncodingGuess("utf-16-le", "utf-16")
    if len(head) >= 4 and even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return EncodingGuess("utf-16-be", "utf-16")
    line = head.count(b"\n", 0, head.index(b"\x00")) + 1
    raise nul_error(line)


def nul_error(line: int, column: str | None = None) -> Exception:
    """The error for a NUL byte (refused, see the module docstring)."""
    where_zh = f"第 {line} 行" + (f"“{column}”列" if column else "")
    where_en = f"line {line}" + (f", column {column!r}" if column else "")
    return invalid(
        f"{where_zh}含有 NUL 空字符（\\x00），文件可能是二进制文件或编码错误；请删除该字符后重新上传",
        f"{where_en} contains a NUL byte (\\x00); the file may be binary or wrongly encoded; "
        "remove it and upload again",
        line=line,
        column=column,
    )


def _arbitrate_gb_big5(window: bytes) -> EncodingGuess:
    """Both GB18030 and Big5 decode: a detector restricted to the two decides."""
    from charset_normalizer import from_bytes

    lines = [line for line in window.splitlines() if _NON_ASCII.search(line)]
    best = from_bytes(b"\n".join(lines[:200]), cp_isolation=["gb18030", "big5"]).best()
    if best is not None and best.encoding in ("big5", "cp950", "big5hkscs"):
        return EncodingGuess("big5hkscs", "detector")
    return EncodingGuess("gb18030", "detector")


def _last_resort(window: bytes) -> EncodingGuess | None:
    from charset_normalizer import from_bytes

    best = from_bytes(window).best()
    if best is None or best.encoding in ("utf_16", "utf_32", "ascii"):
        return None
    return EncodingGuess(normalize_encoding(best.encoding), "detector")


class DecodedText:
    """A strict, chunked decoder over a binary stream; errors and NULs name their line.

    Works as a minimal text file object (``read``) for parsers that pull text.
    """

    def __init__(self, raw: BinaryIO, guess: EncodingGuess, *, chunk_bytes: int = CHUNK_BYTES):
        self._raw = raw
        self._guess = guess
        self._decoder = codecs.getincrementaldecoder(guess.encoding)("strict")
        self._chunk_bytes = chunk_bytes
        self._line = 1
        self._bom_left = len(guess.bom)
        self._pending = ""
        self._done = False
        self.bytes_read = 0

    def chunks(self) -> Iterator[str]:
        """Decoded text in chunks of about ``chunk_bytes`` input bytes."""
        while not self._done:
            text = self._next_text()
            if text:
                yield text

    def read(self, size: int = -1) -> str:
        """Up to ``size`` characters (all remaining if negative); '' at the end."""
        while not self._done and (size < 0 or len(self._pending) < size):
            self._pending += self._next_text()
        if size < 0 or size >= len(self._pending):
            out, self._pending = self._pending, ""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _next_text(self) -> str:
        data = self._raw.read(self._chunk_bytes)
        self.bytes_read += len(data)
        if self._bom_left:
            skip = min(self._bom_left, len(data))
            data, self._bom_left = data[skip:], self._bom_left - skip
        final = not data and not self._bom_left
        buffered = self._decoder.getstate()[0]
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            line = self._line + (buffered + data).count(b"\n", 0, exc.start)
            raise mixed_encoding_error(line, self._guess.label) from None
        if "\x00" in text:
            raise nul_error(self._line + text.count("\n", 0, text.index("\x00")))
        self._line += text.count("\n")
        self._done = final
        return text


def transcode_to_utf8(source: Path, guess: EncodingGuess, target: Path) -> int:
    """Stream ``source`` into ``target`` as UTF-8 (no BOM), verifying every byte; returns bytes."""
    written = 0
    with source.open("rb") as raw, target.open("wb") as out:
        for text in DecodedText(raw, guess).chunks():
            written += out.write(text.encode("utf-8"))
    return written
