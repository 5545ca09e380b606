"""The encoding ladder (data-pipeline.md §3.1) and strict streaming verification."""

from __future__ import annotations

import random

import pytest

from kaifang.errors import InvalidInput
from kaifang.ingest.encodings import detect_encoding, normalize_encoding

from .conftest import column, types

HEADER_ZH = "编号,日期,金额\n"


def _numeric_body(rows: int = 3000) -> str:
    rnd = random.Random(7)
    return "".join(f"{i},2021-05-{1 + i % 28:02d},{rnd.random() * 1000:.2f}\n" for i in range(rows))


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("gb18030", "gb18030"), ("gbk", "gb18030"), ("big5", "big5hkscs")],
)
def test_header_only_chinese_is_detected(write, encoding, expected):
    header = "編號,日期,金額\n" if encoding == "big5" else HEADER_ZH
    path = write("t.csv", header + _numeric_body(), encoding)
    assert detect_encoding(path).encoding == expected


def test_chinese_only_deep_in_the_file_is_found(write):
    body = _numeric_body(20000) + "99999,2021-01-01,备注在最后\n"
    path = write("t.csv", "id,day,amount\n" + body, "gb18030")
    guess = detect_encoding(path, sample_bytes=4096)
    assert guess.encoding == "gb18030"


def test_pure_ascii_is_utf8(write):
    assert detect_encoding(write("t.csv", "a,b\n1,2\n")).method == "ascii"


@pytest.mark.parametrize(
    ("bom", "encoding", "codec"),
    [
        (b"\xef\xbb\xbf", "utf-8", "utf-8"),
        (b"\xff\xfe", "utf-16-le", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be", "utf-16-be"),
        (b"\x84\x31\x95\x33", "gb18030", "gb18030"),
    ],
)
def test_bom_wins(write, bom, encoding, codec):
    path = write("t.csv", bom + HEADER_ZH.encode(codec))
    guess = detect_encoding(path)
    assert (guess.encoding, guess.method, guess.bom) == (encoding, "bom", bom)


def test_declared_gbk_is_read_as_gb18030():
    assert normalize_encoding("GBK") == "gb18030"
    assert normalize_encoding("cp936") == "gb18030"
    with pytest.raises(InvalidInput, match="不支持的文本编码"):
        normalize_encoding("klingon-8")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk", "big5", "utf-16"])
def test_round_trip_to_parquet(write, ingest, encoding):
    header = "名稱,數量\n" if encoding == "big5" else "名称,数量\n"
    name = "臺北" if encoding == "big5" else "杭州西湖"
    path = write("t.csv", header + f"{name},1\n乙,2\n", encoding)
    result = ingest(path)
    assert column(result, next(iter(types(result)))) == [name, "乙"]
    assert result.report["encoding"] is not None


def test_gb18030_header_only_round_trip_keeps_labels(write, ingest):
    path = write("t.csv", HEADER_ZH + _numeric_body(50), "gb18030")
    result = ingest(path)
    assert list(types(result)) == ["编号", "日期", "金额"]
    assert result.report["encoding"] == "GB18030"


def test_mixed_encodings_name_the_first_bad_line(write, ingest):
    data = "名称,数量\n甲,1\n乙,2\n".encode() + "丙,3\n".encode("gbk") + "丁,4\n".encode()
    with pytest.raises(InvalidInput, match="第 4 行") as info:
        ingest(write("t.csv", data))
    assert "UTF-8" in info.value.message
    assert info.value.details["line"] == 4


def test_mixed_encodings_beyond_the_detection_window(write, ingest):
    good = "名称,数量\n" + "".join(f"甲{i},{i}\n" for i in range(30000))
    data = good.encode() + "乙,1\n".encode("gbk")
    with pytest.raises(InvalidInput, match="第 30002 行"):
        ingest(write("t.csv", data))


def test_gb18030_with_an_invalid_byte_names_the_line(write, ingest):
    data = "名称,数量\n甲,1\n".encode("gb18030") + b"\x81\x20,2\n"
    with pytest.raises(InvalidInput, match="第 3 行"):
        ingest(write("t.csv", data))


def test_nul_byte_is_refused_with_its_line(write, ingest):
    with pytest.raises(InvalidInput, match="第 3 行") as info:
        ingest(write("t.csv", b"a,b\n1,2\n3,4\x005\n"))
    assert "NUL" in info.value.message


def test_nul_byte_in_a_transcoded_file_is_refused(write, ingest):
    data = "名称,数量\n甲,1\n".encode("gb18030") + b"x\x00y,2\n"
    with pytest.raises(InvalidInput, match="NUL"):
        ingest(write("t.csv", data))


def test_gb18030_with_an_invalid_byte_after_the_window_names_the_line(write, ingest):
    good = "名称,数量\n" + "".join(f"甲{i},{i}\n" for i in range(40000))
    data = good.encode("gb18030") + b"\x81\x20,2\n"
    with pytest.raises(InvalidInput, match="第 40002 行") as info:
        ingest(write("t.csv", data))
    assert "GB18030" in info.value.message
