"""Deterministic generators of plausible demo rows (labelled demo data; codes pass their checks)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from kaifang.codes import USCC_ALPHABET, luhn_check_digit, resident_id_check_char, uscc_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国建华志强海燕晓东晓燕子涵欣怡浩然宇轩梓萱一诺雨桐"
DISTRICTS = (
    "椒江区",
    "黄岩区",
    "路桥区",
    "三门县",
    "天台县",
    "仙居县",
    "温岭市",
    "临海市",
    "玉环市",
)
ROADS = (
    "市府大道",
    "东海大道",
    "开发大道",
    "中山路",
    "解放路",
    "人民路",
    "青年路",
    "环城东路",
    "商城路",
    "劳动路",
    "西门街",
    "海门路",
)
WORDS = {
    "company_prefix": ("台州", "浙江", "椒江", "黄岩", "路桥", "温岭", "临海"),
    "company_core": (
        "华海",
        "东方",
        "恒达",
        "金源",
        "宏泰",
        "永安",
        "海正",
        "吉利",
        "飞跃",
        "星星",
        "钱江",
        "新和成",
    ),
    "company_trade": (
        "科技",
        "机械",
        "医药",
        "汽车配件",
        "塑业",
        "电器",
        "建设",
        "物流",
        "食品",
        "服饰",
    ),
}


def _pick(rng: random.Random, seq: tuple[str, ...] | str) -> str:
    return seq[rng.randrange(len(seq))]


def person_name(rng: random.Random) -> str:
    return _pick(rng, SURNAMES) + "".join(_pick(rng, GIVEN) for _ in range(rng.choice((1, 2))))


def resident_id(rng: random.Random) -> str:
    region = rng.choice(("331002", "331003", "331004", "331081", "331082", "331083"))
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    body = region + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + resident_id_check_char(body)


def uscc(rng: random.Random) -> str:
    body = (
        "91"
        + rng.choice(("331002", "331003", "331004", "331081"))
        + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    )
    return body + uscc_check_char(body)


def bank_card(rng: random.Random) -> str:
    body = "62" + "".join(str(rng.randrange(10)) for _ in range(15))
    return body + luhn_check_digit(body)


def mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "151", "158", "187", "189", "133", "177")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


def address(rng: random.Random) -> str:
    return f"台州市{_pick(rng, DISTRICTS)}{_pick(rng, ROADS)}{rng.randrange(1, 999)}号"


def company(rng: random.Random) -> str:
    return (
        _pick(rng, WORDS["company_prefix"])
        + _pick(rng, WORDS["company_core"])
        + _pick(rng, WORDS["company_trade"])
        + "有限公司"
    )


def _date(rng: random.Random, start: dt.date, days: int) -> str:
    return (start + dt.timedelta(days=rng.randrange(days))).isoformat()


def _series(prefix: str, suffixes: tuple[str, ...]) -> Callable[[random.Random], str]:
    return lambda rng: f"{_pick(rng, DISTRICTS)[:2]}{prefix}{_pick(rng, suffixes)}"


GENERATORS: dict[str, Callable[[random.Random], object]] = {
    "person_name": person_name,
    "resident_id": resident_id,
    "uscc": uscc,
    "bank_card": bank_card,
    "mobile": mobile,
    "address": address,
    "company": company,
    "code6": lambda r: f"{r.randrange(1, 999999):06d}",
    "code15": lambda r: "".join(str(r.randrange(10)) for _ in range(15)),
    "landline": lambda r: f"0576-8{r.randrange(1000000, 9999999)}",
    "bus_line": lambda r: f"{r.randrange(1, 300)}路",
    "stop": lambda r: f"{_pick(r, ROADS)}{_pick(r, ('站', '口站', '东站', '西站', '公交站'))}",
    "time": lambda r: f"{r.randrange(5, 8):02d}:{r.choice((0, 15, 30, 45)):02d}",
    "fare": lambda r: r.choice((1, 1.5, 2, 3)),
    "lng": lambda r: round(121.0 + r.random() * 0.9, 6),
    "lat": lambda r: round(28.3 + r.random() * 0.8, 6),
    "district": lambda r: _pick(r, DISTRICTS),
    "town": lambda r: (
        f"{_pick(r, ('洪家', '下陈', '前所', '章安', '三甲', '海门', '白云', '葭沚'))}街道"
    ),
    "village": lambda r: f"{_pick(r, ('城隍浦', '衙门巷', '育才', '凤凰', '东山', '西门'))}社区",
    "parking": lambda r: f"{_pick(r, ROADS)}公共停车场",
    "spaces": lambda r: r.randrange(20, 800),
    "fee_text": lambda r: f"首小时{r.choice((2, 3, 5))}元",
    "licence_no": lambda r: f"浙交运管许可台字{r.randrange(331000000000, 331099999999)}号",
    "transport_scope": lambda r: _pick(
        r, ("普通货运", "道路旅客运输", "危险货物运输", "机动车维修")
    ),
    "future_date": lambda r: _date(r, dt.date(2022, 1, 1), 1500),
    "past_date": lambda r: _date(r, dt.date(2019, 1, 1), 900),
    "company_type": lambda r: _pick(
        r, ("有限责任公司", "股份有限公司", "个人独资企业", "农民专业合作社")
    ),
    "capital": lambda r: round(r.uniform(10, 50000), 2),
    "authority": lambda r: f"台州市{_pick(r, DISTRICTS)}市场监督管理局",
    "decision_no": lambda r: f"台市监罚〔{r.randrange(2019, 2022)}〕{r.randrange(1, 500)}号",
    "violation": lambda r: _pick(r, ("虚假宣传", "销售不合格产品", "无照经营", "价格违法")),
    "penalty": lambda r: f"罚款{r.randrange(1, 50)}千元",
    "shop": lambda r: (
        f"{_pick(r, DISTRICTS)[:2]}{_pick(r, ('味道', '老街', '海鲜', '食府', '小吃'))}店"
    ),
    "food_category": lambda r: _pick(r, ("餐饮服务", "食品销售", "单位食堂")),
    "hospital": _series("", ("人民医院", "中医院", "妇幼保健院", "社区卫生服务中心")),
    "hospital_type": lambda r: _pick(
        r, ("综合医院", "中医医院", "专科医院", "基层医疗卫生机构", "药店")
    ),
    "beds": lambda r: r.randrange(20, 1500),
    "doctor_type": lambda r: _pick(r, ("临床", "中医", "口腔", "公共卫生")),
    "clinic": _series("", ("社区卫生服务中心接种门诊", "卫生院预防接种门诊")),
    "hours": lambda r: _pick(r, ("08:00-17:00", "08:30-16:30", "全天开放", "09:00-20:00")),
    "school": _series("", ("第一中学", "实验小学", "中心幼儿园", "职业技术学校")),
    "school_stage": lambda r: _pick(r, ("幼儿园", "小学", "初中", "高中", "中职")),
    "ownership": lambda r: _pick(r, ("公办", "民办")),
    "students": lambda r: r.randrange(100, 4000),
    "library": _series("", ("图书馆", "图书馆分馆", "城市书房")),
    "books": lambda r: r.randrange(5000, 900000),
    "scenic": lambda r: _pick(
        r, ("神仙居", "天台山", "长屿硐天", "台州府城", "大鹿岛", "蛇蟠岛", "九峰公园")
    ),
    "scenic_level": lambda r: _pick(r, ("5A", "4A", "3A")),
    "stadium": _series("", ("体育馆", "全民健身中心", "游泳馆")),
    "stadium_type": lambda r: _pick(r, ("综合馆", "游泳馆", "田径场", "球类馆")),
    "month": lambda r: f"{r.randrange(2019, 2022)}-{r.randrange(1, 13):02d}",
    "insurance": lambda r: _pick(r, ("养老保险", "医疗保险", "失业保险", "工伤保险")),
    "count_large": lambda r: r.randrange(1000, 900000),
    "small_count": lambda r: r.randrange(1, 500),
    "amount": lambda r: round(r.uniform(10, 100000), 2),
    "nursing_home": _series("", ("社会福利院", "颐养院", "居家养老服务中心")),
    "station": lambda r: f"{_pick(r, DISTRICTS)[:2]}监测站",
    "aqi": lambda r: r.randrange(15, 180),
    "pollutant": lambda r: _pick(r, ("PM2.5", "PM10", "O3", "—")),
    "pm": lambda r: round(r.uniform(5, 120), 1),
    "river_section": lambda r: (
        _pick(r, ("椒江大桥", "永宁江", "始丰溪", "永安溪", "金清港")) + "断面"
    ),
    "water_grade": lambda r: _pick(r, ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类")),
    "small_decimal": lambda r: round(r.uniform(3, 12), 2),
    "reservoir": lambda r: _pick(r, ("长潭", "牛头山", "里石门", "朱溪", "湖漫", "秀岭")) + "水库",
    "temp": lambda r: round(r.uniform(-2, 38), 1),
    "rain": lambda r: round(max(0.0, r.gauss(3, 8)), 1),
    "parcel": lambda r: f"台土储{r.randrange(2019, 2022)}-{r.randrange(1, 99):02d}号",
    "land_use": lambda r: _pick(r, ("住宅用地", "商服用地", "工业用地")),
    "area": lambda r: round(r.uniform(500, 90000), 2),
    "estate_kind": lambda r: _pick(r, ("首次登记", "转移登记", "抵押登记", "变更登记")),
    "estate": lambda r: (
        f"{_pick(r, ('滨江', '海上', '府城', '锦绣', '翡翠'))}{_pick(r, ('花园', '名苑', '华府', '湾'))}"
    ),
    "indicator": lambda r: _pick(r, ("规上工业增加值", "高新技术产业增加值", "装备制造业增加值")),
    "growth": lambda r: round(r.uniform(-5, 20), 1),
    "cpi_category": lambda r: _pick(
        r, ("总指数", "食品烟酒", "衣着", "居住", "交通通信", "医疗保健")
    ),
    "cpi": lambda r: round(r.uniform(97, 105), 1),
    "farm": lambda r: (
        f"{_pick(r, DISTRICTS)[:2]}{_pick(r, ('绿源', '丰收', '西兰花', '杨梅', '文旦'))}专业合作社"
    ),
    "farm_kind": lambda r: _pick(r, ("农民专业合作社", "家庭农场", "农业龙头企业")),
    "farm_product": lambda r: _pick(r, ("西兰花", "杨梅", "文旦", "柑橘", "水稻", "茶叶")),
    "ship": lambda r: f"浙台渔{r.randrange(10000, 99999)}",
    "port": lambda r: _pick(r, ("椒江", "温岭", "玉环", "三门", "临海")),
    "power": lambda r: round(r.uniform(50, 600), 1),
    "year": lambda r: str(r.randrange(2016, 2021)),
    "bank": lambda r: _pick(
        r, ("台州银行", "浙江泰隆商业银行", "浙江民泰商业银行", "中国工商银行台州分行")
    ),
    "bank_branch": lambda r: (
        f"{_pick(r, DISTRICTS)[:2]}{_pick(r, ('支行', '营业部', '普惠服务站'))}"
    ),
    "fonds": lambda r: (
        f"{_pick(r, ('台州地区', '黄岩县', '海门镇'))}{_pick(r, ('人民政府', '商会', '档案'))}"
    ),
    "year_range": lambda r: f"{r.randrange(1949, 1990)}-{r.randrange(1990, 2020)}",
    "tender": lambda r: f"{_pick(r, ('道路提升', '校舍改造', '设备采购', '绿化养护'))}项目",
    "toilet": lambda r: f"{_pick(r, ROADS)}公厕",
    "garbage_point": lambda r: f"{_pick(r, ROADS)}分类收集点",
    "diagnosis": lambda r: _pick(r, ("肺炎", "高血压", "骨折", "糖尿病")),
    "pharmacy": lambda r: f"{_pick(r, ('老百姓', '九洲', '海王星辰', '方回春堂'))}大药房",
    "fire_kind": lambda r: _pick(r, ("人员密集场所", "易燃易爆单位", "高层建筑")),
    "shelter": lambda r: f"{_pick(r, ROADS)}人防工程",
    "research": lambda r: (
        f"{_pick(r, ('海洋', '智能制造', '乡村振兴', '模具'))}{_pick(r, ('关键技术研究', '应用示范', '调查报告'))}"
    ),
    "subject": lambda r: _pick(r, ("工学", "理学", "医学", "管理学")),
    "charity": lambda r: f"{_pick(r, ('助学', '助老', '助残', '医疗救助'))}项目",
}


def generate_rows(generators: list[str], count: int, seed: int) -> list[list[object]]:
    """``count`` rows, one value per generator name; the same seed gives the same rows."""
    rng = random.Random(seed)
    fns = [GENERATORS[g] for g in generators]
    return [[fn(rng) for fn in fns] for _ in range(count)]
