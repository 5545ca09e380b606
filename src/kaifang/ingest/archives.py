"""ZIP safety: bombs, zip-slip, symlinks, overlapping entries, lying headers, nesting.

Every ZIP the engine opens (plain archives, XLSX/ODS packages, zipped shapefiles) passes
``inspect_zip`` first, which reads only the central directory and the local headers:

* at most ``max_members`` entries, no duplicate names;
* names must be relative, without ``..``, backslashes, drive letters or control characters;
* no symlinks, no encrypted entries, only stored or deflated data;
* declared sizes within the per-member and total budgets, and a compression ratio of at most
  ``max_ratio`` for members over 1 MiB (zip bombs reach ~1000:1);
* entries may not overlap (CVE-2024-0450, unfixed in CPython 3.11.7's ``zipfile``) and local
  headers must agree with the central directory.

``verify_members`` then inflates members and counts the bytes actually produced: ``zipfile``
stops at the declared size and checks the CRC, so a header that lies fails here, before a
native parser (calamine) ever sees the package.
"""

from __future__ import annotations

import itertools
import re
import struct
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from kaifang.ingest.options import MIB, ArchiveLimits
from kaifang.ingest.prefetch import read_ahead
from kaifang.ingest.problems import human_bytes, invalid, shown, too_large

ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".cab")
JUNK_PREFIXES = ("__MACOSX/",)
JUNK_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")
_RATIO_FLOOR = 1 * MIB
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_S_IFLNK = 0o120000
_BAD_NAME = re.compile(r"(^/)|(^[A-Za-z]:)|\\|[\x00-\x1f]")
_READ_CHUNK = 1 * MIB


@dataclass(frozen=True)
class ZipMember:
    """One validated entry of a ZIP file."""

    name: str
    size: int
    compressed: int
    info: zipfile.ZipInfo

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()

    @property
    def is_junk(self) -> bool:
        base = PurePosixPath(self.name).name
        return self.name.startswith(JUNK_PREFIXES) or base in JUNK_NAMES or base.startswith("._")


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open a ZIP file or raise InvalidInput (corrupt, truncated, not a ZIP)."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise invalid(
            "压缩包已损坏或不是有效的 ZIP 文件", "the archive is corrupt or not a valid ZIP file"
        ) from None


def inspect_zip(
    zf: zipfile.ZipFile, limits: ArchiveLimits, *, label: str = "ZIP"
) -> list[ZipMember]:
    """Validate a ZIP's directory against ``limits``; returns its file members (no dirs)."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise too_large(
            f"{label} 文件包含 {len(infos)} 个条目，超过上限 {limits.max_members} 个",
            f"the {label} file has {len(infos)} entries; the limit is {limits.max_members}",
        )
    names: set[str] = set()
    total = 0
    members: list[ZipMember] = []
    for info in infos:
        _check_entry(info, names, limits, label)
        total += info.file_size
        if total > limits.max_total_uncompressed:
            raise too_large(
                f"{label} 文件解压后超过 {human_bytes(limits.max_total_uncompressed)}",
                f"the {label} file expands beyond {human_bytes(limits.max_total_uncompressed)}",
            )
        if not info.is_dir():
            members.append(ZipMember(info.filename, info.file_size, info.compress_size, info))
    _check_layout(zf, infos, label)
    return members


def _check_entry(info: zipfile.ZipInfo, seen: set[str], limits: ArchiveLimits, label: str) -> None:
    name = info.filename
    parts = PurePosixPath(name).parts
    if not name or _BAD_NAME.search(name) or ".." in parts:
        raise invalid(
            f"{label} 文件中的条目名“{shown(name)}”不安全（绝对路径或包含 ..）",
            f"unsafe entry name {shown(name)!r} in the {label} file (absolute or contains ..)",
        )
    if name in seen:
        raise invalid(
            f"{label} 文件中有重名条目“{shown(name)}”", f"duplicate entry {shown(name)!r}"
        )
    seen.add(name)
    if (info.external_attr >> 16) & 0o170000 == _S_IFLNK:
        raise invalid(
            f"{label} 文件包含符号链接“{shown(name)}”，出于安全原因拒绝",
            f"the {label} file contains a symbolic link {shown(name)!r}; refused for safety",
        )
    if info.flag_bits & 0x1:
        raise invalid(
            f"{label} 文件已加密，请解密后上传", f"the {label} file is encrypted; decrypt it first"
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise invalid(
            f"{label} 文件使用了不支持的压缩方式，请用标准 ZIP（Deflate）重新压缩",
            f"unsupported compression method in the {label} file; re-zip it with Deflate",
        )
    _check_sizes(info, limits, label)


def _check_sizes(info: zipfile.ZipInfo, limits: ArchiveLimits, label: str) -> None:
    if info.file_size > limits.max_member_uncompressed:
        raise too_large(
            f"{label} 文件中的“{shown(info.filename)}”解压后为 {human_bytes(info.file_size)}，"
            f"超过上限 {human_bytes(limits.max_member_uncompressed)}",
            f"{shown(info.filename)!r} expands to {human_bytes(info.file_size)}; "
            f"the limit is {human_bytes(limits.max_member_uncompressed)}",
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_FLOOR and ratio > limits.max_ratio:
        raise too_large(
            f"{label} 文件中的“{shown(info.filename)}”压缩比为 {ratio:.0f}:1，"
            f"超过上限 {limits.max_ratio:.0f}:1，疑似压缩炸弹",
            f"{shown(info.filename)!r} has a compression ratio of {ratio:.0f}:1, above "
            f"{limits.max_ratio:.0f}:1 (a likely zip bomb)",
        )


def _check_layout(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], label: str) -> None:
    """Entries must not overlap and local headers must match the central directory."""
    fp = zf.fp
    if fp is None:
        raise invalid(f"{label} 文件无法读取", f"the {label} file cannot be read")
    spans = sorted(_local_span(fp, info, label) for info in infos)
    spans.append((zf.start_dir, zf.start_dir, ""))
    for (_start, end, name), (next_start, _end, _name) in itertools.pairwise(spans):
        if end > next_start:
            raise invalid(
                f"{label} 文件中的条目“{shown(name)}”与其他条目重叠，疑似压缩炸弹",
                f"entry {shown(name)!r} overlaps another entry (a likely zip bomb)",
            )


def _local_span(fp: IO[bytes], info: zipfile.ZipInfo, label: str) -> tuple[int, int, str]:
    """(start, end, name) of an entry's local header plus data, checked against the directory."""
    fp.seek(info.header_offset)
    raw = fp.read(_LOCAL_HEADER.size)
    if len(raw) < _LOCAL_HEADER.size:
        raise _corrupt(label)
    magic, _v, flags, method, _t, _d, _crc, csize, usize, nlen, xlen = _LOCAL_HEADER.unpack(raw)
    if magic != b"PK\x03\x04" or method != info.compress_type:
        raise _corrupt(label)
    declared = (csize, usize)
    if (
        not flags & 0x8
        and 0xFFFFFFFF not in declared
        and declared != (info.compress_size, info.file_size)
    ):
        raise _corrupt(label)
    end = info.header_offset + _LOCAL_HEADER.size + nlen + xlen + info.compress_size
    return info.header_offset, end, info.filename


def _corrupt(label: str) -> Exception:
    return invalid(
        f"{label} 文件的条目头与目录不一致，文件已损坏或被篡改",
        f"the {label} file's local headers disagree with its directory (corrupt or tampered)",
    )


def iter_member(zf: zipfile.ZipFile, member: ZipMember, label: str = "ZIP") -> Iterator[bytes]:
    """The member's bytes in chunks; stops at the declared size and verifies the CRC."""
    try:
        with zf.open(member.info) as stream:
            while chunk := stream.read(_READ_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        raise invalid(
            f"{label} 文件中的“{shown(member.name)}”已损坏（校验失败或大小与声明不符）",
            f"{shown(member.name)!r} is corrupt (CRC or size does not match its header)",
        ) from None


def verify_members(
    zf: zipfile.ZipFile,
    members: list[ZipMember],
    *,
    label: str = "ZIP",
    scanners: Mapping[str, Callable[[bytes], None]] | None = None,
) -> None:
    """Inflate every member, counting real bytes; optional per-member chunk scanners."""
    for member in members:
        scan = (scanners or {}).get(member.name)
        produced = 0
        chunks = iter_member(zf, member, label)
        for chunk in chunks if scan is None else read_ahead(chunks):
            produced += len(chunk)
            if scan is not None:
                scan(chunk)
        if produced != member.size:
            raise invalid(
                f"{label} 文件中的“{shown(member.name)}”实际大小与声明不符",
                f"{shown(member.name)!r} does not match its declared size",
            )


def refuse_nested(members: list[ZipMember], limits: ArchiveLimits, depth: int = 1) -> None:
    """Archives inside an archive are refused beyond ``limits.max_depth``."""
    if depth < limits.max_depth:
        return
    for member in members:
        if member.suffix in ARCHIVE_SUFFIXES:
            raise invalid(
                f"压缩包中包含嵌套压缩包“{shown(member.name)}”，请解压后上传其中的数据文件",
                f"the archive contains a nested archive {shown(member.name)!r}; "
                "extract it and upload the data file",
            )


def extract_member(zf: zipfile.ZipFile, member: ZipMember, target: Path) -> Path:
    """Stream one member to ``target`` (a server-chosen path, never the member's name)."""
    with target.open("wb") as out:
        for chunk in iter_member(zf, member):
            out.write(chunk)
    return target
