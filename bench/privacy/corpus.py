"""Generator of a labelled corpus of realistic Chinese records and free text with noise.

Each document is a template sentence whose slots are filled with generated values; the
gold spans say where each PII value sits. Noise follows what real records show: full-width
digits, digit groups split by spaces or hyphens, ``+86``/``0086`` prefixes, 15-digit and
lower-case-x IDs, partially masked values, ``·`` in plates. Distractors are things that
look like PII and are not: order numbers, amounts, ordinary dates, ID look-alikes with a
wrong check digit, unallocated mobile prefixes, and government prose full of characters
that are also surnames (周末, 许多, 程序 ...).

Names draw on a broader surname and given-name pool than the detector's lists, so name
recall is not measured on the detector's own vocabulary. The generator still shares the
author's idea of what PII looks like; treat the numbers as an upper bound until they are
re-measured on hand-labelled records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from corpus_values import FILLER, CorpusGenerator


@dataclass
class Document:
    """One generated text and its gold spans (type, start, end)."""

    text: str = ""
    spans: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, piece: str, kind: str | None = None) -> None:
        """Append ``piece``; label it as ``kind`` when given."""
        if kind is not None:
            self.spans.append((kind, len(self.text), len(self.text) + len(piece)))
        self.text += piece


def _t_application(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("申请人")
    d.add(g.name(), "person_name")
    d.add(f"，性别{g.rng.choice('男女')}，身份证号码")
    d.add(g.resident_id(), "resident_id")
    d.add("，联系电话")
    d.add(g.mobile(), "mobile")
    d.add("，现住")
    d.add(g.address(), "address")
    d.add("。")
    return d


def _t_statement(g: CorpusGenerator) -> Document:
    d = Document()
    d.add(g.name(), "person_name")
    d.add("（身份证号：")
    d.add(g.resident_id(), "resident_id")
    d.add(f"）于{g.date_text(2019, 2024)}向我局提交了书面申请，联系方式")
    d.add(g.mobile(), "mobile")
    d.add("。")
    return d


def _t_vehicle(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("经核实，车牌号为")
    d.add(g.plate(), "plate")
    d.add("的车辆在")
    d.add(g.address(), "address")
    d.add("附近违法停车，车主")
    d.add(g.name(), "person_name")
    d.add("，手机")
    d.add(g.mobile(), "mobile")
    d.add("。")
    return d


def _t_contact(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("联系人：")
    d.add(g.name(), "person_name")
    d.add(" 电话：")
    d.add(g.landline(), "landline")
    d.add(" 邮箱：")
    d.add(g.email(), "email")
    return d


def _t_bank(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("请将补贴资金发放至")
    d.add(g.name(), "person_name")
    d.add("的银行卡")
    d.add(g.bank_card(), "bank_card")
    d.add("（开户行：中国农业银行台州分行）。")
    return d


def _t_company(g: CorpusGenerator) -> Document:
    d = Document()
    d.add(
        f"企业名称：台州市{g.rng.choice(['椒江', '黄岩', '路桥'])}{g.rng.choice(['宏达', '永安', '新世纪', '华东'])}贸易有限公司，统一社会信用代码："
    )
    d.add(g.uscc(), "uscc")
    d.add("，法定代表人：")
    d.add(g.name(), "person_name")
    d.add("，注册地址：")
    d.add(g.address(), "address")
    d.add("。")
    return d


def _t_birth(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("据了解，")
    d.add(g.name(), "person_name")
    d.add("出生于")
    d.add(g.date_text(), "birth_date")
    d.add("，户籍地为")
    d.add(g.address(), "address")
    d.add("。")
    return d


def _t_travel(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("当事人")
    d.add(g.name(), "person_name")
    d.add("持往来港澳通行证")
    d.add(g.permit(), "travel_permit")
    d.add("出境，护照号")
    d.add(g.passport(), "passport")
    d.add("。")
    return d


def _t_log(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("系统日志：用户")
    d.add(g.email(), "email")
    d.add(f"于{g.date_text(2023, 2025)}从IP ")
    d.add(g.ip(), "ip")
    d.add(" 登录，定位")
    d.add(g.coordinates(), "coordinates")
    d.add("。")
    return d


def _t_meeting(g: CorpusGenerator) -> Document:
    d = Document()
    d.add(g.name(), "person_name")
    d.add("、")
    d.add(g.name(), "person_name")
    d.add(f"等{g.rng.randint(3, 30)}人参加了会议，会议由")
    d.add(g.name(), "person_name")
    d.add("主持。")
    return d


def _t_grid(g: CorpusGenerator) -> Document:
    d = Document()
    d.add("由")
    d.add(g.name(), "person_name")
    d.add("负责")
    d.add(g.address(), "address")
    d.add("一带的网格巡查工作，")
    d.add(g.name(), "person_name")
    d.add("同志协助。")
    return d


def _t_distractors(g: CorpusGenerator) -> Document:
    d = Document()
    d.add(
        f"订单号{g.distractor_number()}，金额{g.rng.randint(10, 99999)}.{g.rng.randint(0, 99):02d}元，"
    )
    d.add(f"下单时间{g.date_text(2020, 2025)}，编号{g.distractor_number()}。")
    d.add(g.rng.choice(FILLER))
    return d


def _t_prose(g: CorpusGenerator) -> Document:
    d = Document()
    for _ in range(g.rng.randint(1, 3)):
        d.add(g.rng.choice(FILLER))
    return d


def _t_lookalike(g: CorpusGenerator) -> Document:
    d = Document()
    d.add(f"身份证号{g.distractor_number()}校验失败，请核对后重新提交。")
    d.add(g.rng.choice(FILLER))
    return d


_TEMPLATES: tuple[Callable[[CorpusGenerator], Document], ...] = (
    _t_application,
    _t_application,
    _t_statement,
    _t_vehicle,
    _t_contact,
    _t_bank,
    _t_bank,
    _t_company,
    _t_birth,
    _t_travel,
    _t_log,
    _t_meeting,
    _t_grid,
    _t_distractors,
    _t_prose,
    _t_lookalike,
)


def generate(count: int, seed: int = 2024) -> list[Document]:
    """Return ``count`` labelled documents drawn with ``seed``."""
    generator = CorpusGenerator(seed)
    return [generator.rng.choice(_TEMPLATES)(generator) for _ in range(count)]
