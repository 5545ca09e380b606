"""Person names and addresses in free text, and the registry being pluggable."""

from __future__ import annotations

import pytest

from kaifang.errors import Conflict, InvalidInput
from kaifang.privacy import analyze, build_registry
from kaifang.privacy.addresses import generalize_address
from kaifang.privacy.normalize import NormalizedText
from kaifang.privacy.registry import RawSpan


def found(text: str, kind: str) -> list[str]:
    return [f.text for f in analyze(text, kinds=[kind])]


class TestPersonName:
    @pytest.mark.parametrize(
        ("text", "name"),
        [
            ("姓名：张伟", "张伟"),
            ("联系人 欧阳娜娜 电话", "欧阳娜娜"),
            ("申请人王建国，男", "王建国"),
            ("法定代表人：高明", "高明"),
            ("请李明华老师到场", "李明华"),
            ("经核实，王芳于2020年到场。", "王芳"),
            ("会议由郭彧主持。", "郭彧"),
            ("当事人李枫持往来港澳通行证出境", "李枫"),
            ("姓名：买买提·艾力", "买买提·艾力"),
        ],
    )
    def test_names(self, text: str, name: str) -> None:
        assert found(text, "person_name") == [name]

    @pytest.mark.parametrize(
        "text",
        [
            "周末期间许多市民到高速公路服务区休息。",
            "根据程序规定，林业部门对余额进行了核对。",
            "资料齐全的当场受理，陈列馆每周一闭馆。",
            "企业名称：台州市黄岩永安贸易有限公司",
            "法人单位共计三百家。",
        ],
    )
    def test_ordinary_prose_has_no_names(self, text: str) -> None:
        assert found(text, "person_name") == []

    def test_masked_names_score_low(self) -> None:
        [finding] = analyze("姓名：张**", kinds=["person_name"])
        assert finding.text == "张**" and finding.score < 0.95


class TestAddress:
    @pytest.mark.parametrize(
        "address",
        [
            "浙江省台州市椒江区海门街道东山路88号3幢2单元501室",
            "临海市东塍镇岭根村12号",
            "杭州市西湖区文三路398号",
            "中山路35号",
            "东方名都14幢504室",
            "北京市朝阳区建国路88号",
        ],
    )
    def test_addresses(self, address: str) -> None:
        assert found(f"现住{address}。", "address") == [address]

    def test_address_after_a_name_and_verb(self) -> None:
        assert found("由李学负责解放路406号一带", "address") == ["解放路406号"]

    def test_city_alone_is_not_an_address(self) -> None:
        assert found("张家港市的市场很大，杭州市政府发布通知。", "address") == []

    def test_generalize_levels(self) -> None:
        value = "浙江省台州市临海市东塍镇岭根村12号"
        assert generalize_address(value, "province") == "浙江省"
        assert generalize_address(value, "city") == "浙江省台州市"
        assert generalize_address(value, "district") == "浙江省台州市临海市"
        assert generalize_address(value, "street") == "浙江省台州市临海市东塍镇"
        assert generalize_address("文三路398号", "district") is None


class _Badge:
    kind = "badge"

    def find(self, doc: NormalizedText) -> list[RawSpan]:
        start = doc.text.find("工号")
        return [] if start < 0 else [(start + 2, start + 8, 0.9)]


def test_registry_accepts_a_custom_detector() -> None:
    registry = build_registry()
    registry.register(_Badge())
    [finding] = analyze("员工工号A12345到岗", registry=registry, kinds=["badge"])
    assert (finding.type, finding.text) == ("badge", "A12345")
    with pytest.raises(Conflict):
        registry.register(_Badge())
    with pytest.raises(InvalidInput):
        registry.get("unknown")
    with pytest.raises(InvalidInput):
        analyze("x", kinds=["unknown"])
