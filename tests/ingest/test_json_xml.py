"""JSON (arrays, wrappers, NDJSON) and XML (records, DTD and entity attacks)."""

from __future__ import annotations

import json

import pytest

from kaifang.errors import InvalidInput, TooLarge

from .conftest import column, types


def test_array_of_nested_objects_is_flattened(write, ingest):
    data = [
        {
            "id": "001",
            "企业": {"名称": "甲", "地址": {"区": "西湖"}},
            "标签": ["a", "b"],
            "资本": 1.5,
        },
        {"id": "002", "企业": {"名称": "乙"}, "资本": 2, "备注": None, "新字段": True},
    ]
    result = ingest(write("t.json", json.dumps(data, ensure_ascii=False)))
    assert list(types(result)) == [
        "id",
        "企业.名称",
        "企业.地址.区",
        "标签",
        "资本",
        "备注",
        "新字段",
    ]
    assert column(result, "id") == ["001", "002"]
    assert column(result, "标签") == ['["a","b"]', None]
    assert column(result, "企业.地址.区") == ["西湖", None]
    assert types(result)["新字段"] == "boolean"


def test_wrapper_object_is_searched_for_records(write, ingest):
    data = {"code": 0, "msg": "ok", "data": {"total": 2, "list": [{"a": 1}, {"a": 2}]}}
    result = ingest(write("t.json", json.dumps(data)))
    assert column(result, "a") == [1, 2]


def test_record_path_is_followed(write, ingest):
    data = {"meta": [{"x": 1}], "payload": {"rows": [{"a": "x"}, {"a": "y"}]}}
    result = ingest(write("t.json", json.dumps(data)), record_path="payload.rows")
    assert column(result, "a") == ["x", "y"]
    with pytest.raises(InvalidInput, match="找不到记录路径"):
        ingest(write("u.json", json.dumps(data)), record_path="nope")


def test_ndjson(write, ingest):
    lines = "\n".join(json.dumps({"n": i, "s": f"行{i}"}, ensure_ascii=False) for i in range(5))
    result = ingest(write("t.ndjson", lines + "\n"))
    assert result.report["format"] == "ndjson"
    assert column(result, "n") == [0, 1, 2, 3, 4]


def test_ndjson_without_extension_is_sniffed(write, ingest):
    lines = '{"a": 1, "items": [{"x": 1}]}\n{"a": 2}\n'
    result = ingest(write("t.json", lines))
    assert column(result, "a") == [1, 2]


def test_big_integers_keep_every_digit(write, ingest):
    result = ingest(write("t.json", '[{"证件": 110105199003071234}, {"证件": 110105199003071235}]'))
    assert column(result, "证件") == ["110105199003071234", "110105199003071235"]


def test_gbk_json(write, ingest):
    result = ingest(write("t.json", json.dumps([{"名称": "杭州"}], ensure_ascii=False), "gbk"))
    assert column(result, "名称") == ["杭州"]


def test_malformed_json_names_the_line(write, ingest):
    with pytest.raises(InvalidInput, match="第 3 行") as info:
        ingest(write("t.json", '[\n{"a": 1},\n{"a": 2,,}\n]'))
    assert info.value.details["line"] == 3


def test_truncated_json_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="JSON"):
        ingest(write("t.json", '[{"a": 1}, {"a": "unterminated'))


def test_deep_nesting_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="嵌套"):
        ingest(write("t.json", "[" + '{"a":' * 100 + "1" + "}" * 100 + "]"))


def test_oversized_record_is_refused(write, ingest):
    big = json.dumps([{"a": 1}, {"a": "x" * 300_000}])
    with pytest.raises(TooLarge):
        ingest(write("t.json", big), max_field_bytes=1024)


XML_RECORDS = """<?xml version="1.0" encoding="GB2312"?>
<数据集 xmlns="urn:x">
  <记录 编号="001"><名称>甲</名称><地址><区>西湖</区></地址><电话>0571-1</电话><电话>0571-2</电话></记录>
  <记录 编号="002"><名称>乙</名称><人数>12</人数></记录>
</数据集>
"""


def test_xml_records_become_rows(write, ingest):
    result = ingest(write("t.xml", XML_RECORDS, "gb2312"))
    assert list(types(result)) == ["@编号", "名称", "地址.区", "电话", "人数"]
    assert column(result, "@编号") == ["001", "002"]
    assert column(result, "电话") == ['["0571-1", "0571-2"]', None]
    assert column(result, "人数") == [None, 12]


def test_xml_record_path_option(write, ingest):
    data = "<r><meta><m>1</m><m>2</m></meta><rows><row><a>x</a></row><row><a>y</a></row></rows></r>"
    result = ingest(write("t.xml", data), record_path="row")
    assert column(result, "a") == ["x", "y"]


def test_external_entity_is_refused(write, ingest):
    data = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>&x;</a><a>1</a></r>'
    with pytest.raises(InvalidInput, match="DTD"):
        ingest(write("t.xml", data))


def test_billion_laughs_is_refused(write, ingest):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    data = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><lolz><a>&lol9;</a><a>1</a></lolz>'
    with pytest.raises(InvalidInput, match="DTD"):
        ingest(write("t.xml", data))


def test_malformed_xml_names_the_line(write, ingest):
    with pytest.raises(InvalidInput, match="第 3 行"):
        ingest(write("t.xml", "<r>\n<a>1</a>\n<a>2</b>\n</r>"))


def test_html_page_is_refused(write, ingest):
    with pytest.raises(InvalidInput, match="HTML"):
        ingest(write("t.xml", "<!DOCTYPE html><html><body>404</body></html>"))
