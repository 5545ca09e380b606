"""ZIP safety: bombs (ratio, size, nesting, overlap), zip-slip, symlinks, member counts."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from kaifang.errors import InvalidInput, TooLarge
from kaifang.ingest.options import ArchiveLimits

from .conftest import column, make_zip


def test_zip_with_one_csv_is_unwrapped(tmp_path, ingest):
    path = make_zip(
        tmp_path / "t.zip", {"数据/表.csv": "名称,数量\n甲,1\n".encode("gbk"), "__MACOSX/._x": b""}
    )
    result = ingest(path)
    assert column(result, "名称") == ["甲"]
    assert result.report["archive_member"] == "数据/表.csv"


def test_zip_with_several_files_needs_a_choice(tmp_path, ingest):
    path = make_zip(tmp_path / "t.zip", {"a.csv": b"x\n1\n", "b.csv": b"y\n2\n"})
    with pytest.raises(InvalidInput, match="请指定") as info:
        ingest(path)
    assert info.value.details["members"] == ["a.csv", "b.csv"]
    assert column(ingest(path, sheet="b.csv"), "y") == [2]


def test_ratio_bomb_is_refused(tmp_path, ingest):
    path = make_zip(tmp_path / "t.zip", {"big.csv": b"a\n" + b"0" * 50_000_000})
    with pytest.raises(TooLarge, match="压缩比"):
        ingest(path)


def test_total_size_limit(tmp_path, ingest):
    path = make_zip(
        tmp_path / "t.zip", {"a.csv": b"x\n" + bytes(range(256)) * 8000}, method=zipfile.ZIP_STORED
    )
    with pytest.raises(TooLarge, match="解压后"):
        ingest(path, archive=ArchiveLimits(max_total_uncompressed=1_000_000))


def test_nested_archive_is_refused(tmp_path, ingest):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.csv", "x\n1\n")
    path = make_zip(tmp_path / "t.zip", {"inner.zip": inner.getvalue()})
    with pytest.raises(InvalidInput, match="嵌套"):
        ingest(path)


def test_nested_archive_with_another_extension_is_refused(tmp_path, ingest):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.csv", "x\n1\n")
    path = make_zip(tmp_path / "t.zip", {"data.csv": inner.getvalue()})
    with pytest.raises(InvalidInput, match="嵌套"):
        ingest(path)


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "/abs/x.csv", "C:/x.csv", "a\\..\\b.csv"])
def test_zip_slip_names_are_refused(tmp_path, ingest, name):
    path = tmp_path / "t.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), "x\n1\n")
    with pytest.raises(InvalidInput, match="不安全"):
        ingest(path)


def test_symlink_member_is_refused(tmp_path, ingest):
    info = zipfile.ZipInfo("link.csv")
    info.external_attr = 0o120777 << 16
    path = tmp_path / "t.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InvalidInput, match="符号链接"):
        ingest(path)


def test_too_many_members(tmp_path, ingest):
    path = make_zip(tmp_path / "t.zip", {f"f{i}.csv": b"x\n1\n" for i in range(30)})
    with pytest.raises(TooLarge, match="30 个条目"):
        ingest(path, archive=ArchiveLimits(max_members=20))


def test_overlapping_entries_are_refused(tmp_path, ingest):
    payload = b"a\n" + b"1\n" * 1000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.csv", payload)
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    entry = bytes(data[central : data.index(b"PK\x05\x06")])
    second = bytearray(entry)
    second[46:51] = b"b.csv"
    eocd = bytearray(data[data.index(b"PK\x05\x06") :])
    struct.pack_into("<HHI", eocd, 8, 2, 2, len(entry) * 2)
    bomb = bytes(data[:central]) + entry + bytes(second) + bytes(eocd)
    path = tmp_path / "t.zip"
    path.write_bytes(bomb)
    with pytest.raises(InvalidInput, match="重叠"):
        ingest(path)


def test_lying_size_header_is_caught(tmp_path, ingest):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", b"x\n" + b"1\n" * 100_000)
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)
    struct.pack_into("<I", data, 22, 10)
    path = tmp_path / "t.zip"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput, match=r"损坏|不符"):
        ingest(path)


def test_corrupt_zip_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="损坏"):
        ingest(write("t.zip", b"PK\x03\x04" + b"\x00" * 100))


def test_unsupported_binary_formats_are_refused(write, ingest):
    with pytest.raises(InvalidInput, match="gzip"):
        ingest(write("t.csv.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 20))
    with pytest.raises(InvalidInput, match="PDF"):
        ingest(write("t.pdf", b"%PDF-1.4\n"))
