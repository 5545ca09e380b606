"""A seeded synthetic catalogue for the search benchmark: realistic Chinese titles, summaries,
organizations and data items, generated as plain row dicts (fast, no ORM, no jieba)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from kaifang.catalog.vocabularies import domain_code

CITY = ("3310", "台州市")
COUNTIES = (
    ("331002", "椒江区"),
    ("331003", "黄岩区"),
    ("331004", "路桥区"),
    ("331022", "三门县"),
    ("331023", "天台县"),
    ("331024", "仙居县"),
    ("331081", "温岭市"),
    ("331082", "临海市"),
    ("331083", "玉环市"),
)
# domain label -> (department, subjects, domain-specific data items)
DOMAINS: dict[str, tuple[str, list[str], list[str]]] = {
    "交通出行": (
        "交通运输局",
        [
            "公交线路",
            "公交站点",
            "公共自行车租赁点",
            "停车场",
            "出租车企业",
            "道路运输许可",
            "客运班线",
            "充电桩",
            "高速公路收费站",
            "交通违法处罚",
            "驾驶员培训机构",
            "港口码头",
        ],
        [
            "线路名称",
            "起点站",
            "终点站",
            "站点名称",
            "首班时间",
            "末班时间",
            "票价",
            "泊位数量",
            "收费标准",
            "车牌号码",
            "运营单位",
            "车辆类型",
            "充电功率",
            "许可证号",
        ],
    ),
    "卫生健康": (
        "卫生健康委员会",
        [
            "医疗机构",
            "医院床位",
            "药店",
            "疫苗接种点",
            "卫生监督处罚",
            "执业医师",
            "社区卫生服务中心",
            "急救站点",
            "献血点",
            "母婴室",
        ],
        [
            "机构名称",
            "机构等级",
            "床位数",
            "诊疗科目",
            "执业范围",
            "医师姓名",
            "执业类别",
            "接种时间",
            "药品经营范围",
            "监督结果",
            "处罚依据",
        ],
    ),
    "教育文旅": (
        "文化广电旅游体育局",
        [
            "中小学校",
            "幼儿园",
            "培训机构",
            "图书馆",
            "博物馆",
            "旅游景区",
            "星级酒店",
            "文物保护单位",
            "体育场馆",
            "民宿",
        ],
        [
            "学校名称",
            "办学性质",
            "学段",
            "在校生数",
            "教职工数",
            "景区等级",
            "开放时间",
            "门票价格",
            "藏书数量",
            "客房数量",
            "保护级别",
        ],
    ),
    "市场监管": (
        "市场监督管理局",
        [
            "企业登记",
            "个体工商户",
            "食品经营许可",
            "特种设备",
            "行政处罚案件",
            "商标注册",
            "产品质量抽检",
            "广告监测",
        ],
        [
            "企业名称",
            "注册资本",
            "成立日期",
            "经营范围",
            "登记机关",
            "企业类型",
            "抽检结果",
            "处罚决定书文号",
            "违法事实",
            "设备类别",
        ],
    ),
    "社保就业": (
        "人力资源和社会保障局",
        [
            "社会保险参保",
            "职业技能培训",
            "就业岗位",
            "人力资源服务机构",
            "最低工资标准",
            "养老保险待遇",
            "失业登记",
        ],
        [
            "参保人数",
            "缴费基数",
            "培训工种",
            "岗位名称",
            "招聘人数",
            "薪资范围",
            "学历要求",
            "待遇标准",
        ],
    ),
    "城建住房": (
        "住房和城乡建设局",
        [
            "商品房预售许可",
            "建筑工地",
            "物业服务企业",
            "公共租赁住房",
            "房屋征收",
            "燃气管网",
            "供水管网",
            "建筑企业资质",
        ],
        [
            "项目名称",
            "预售证号",
            "建筑面积",
            "套数",
            "施工单位",
            "监理单位",
            "资质等级",
            "管径",
            "管材",
            "竣工日期",
        ],
    ),
    "生态环境": (
        "生态环境局",
        [
            "空气质量监测",
            "河道水质",
            "饮用水水源地",
            "排污许可",
            "噪声监测点",
            "垃圾分类收集点",
            "重点排污单位",
            "环评审批",
        ],
        [
            "监测点名称",
            "PM2.5浓度",
            "PM10浓度",
            "溶解氧浓度",
            "氨氮浓度",
            "水质类别",
            "排放口编号",
            "排放标准",
            "噪声等效声级",
            "审批文号",
        ],
    ),
    "气象服务": (
        "气象局",
        ["气象站点", "降水量", "气温观测", "台风路径", "天气预报"],
        ["站点编号", "观测时间", "气温", "相对湿度", "风速", "风向", "降水量", "气压"],
    ),
    "财税金融": (
        "财政局",
        ["纳税信用等级", "银行网点", "政府采购", "财政预算", "保险机构"],
        [
            "纳税人名称",
            "信用等级",
            "评价年度",
            "网点名称",
            "采购项目",
            "中标金额",
            "预算科目",
            "预算金额",
        ],
    ),
    "社会救助": (
        "民政局",
        ["最低生活保障", "特困人员供养", "临时救助", "养老机构", "残疾人服务机构"],
        ["救助类别", "保障人数", "保障金额", "发放月份", "床位数", "机构性质", "服务对象"],
    ),
    "工业农业": (
        "农业农村局",
        ["规模以上工业企业", "农业合作社", "家庭农场", "农产品质量检测", "耕地", "渔船登记"],
        [
            "合作社名称",
            "成员数",
            "主营产品",
            "种植面积",
            "检测项目",
            "检测结果",
            "渔船编号",
            "船长",
            "功率",
        ],
    ),
    "公共安全": (
        "应急管理局",
        ["消防站", "应急避难场所", "危险化学品企业", "派出所", "安全生产许可"],
        ["场所名称", "容纳人数", "避难面积", "危化品名称", "许可范围", "辖区范围", "值班电话"],
    ),
    "信用服务": (
        "发展和改革委员会",
        ["行政许可", "守信激励名单", "失信被执行人", "信用承诺"],
        ["行政相对人名称", "许可决定文书号", "许可内容", "列入日期", "列入原因", "承诺事项"],
    ),
    "地理空间": (
        "自然资源和规划局",
        ["地名地址", "行政区划", "兴趣点", "门牌地址", "三维模型", "土地利用现状"],
        ["地名", "地名类别", "门牌号", "坐标系", "图斑编号", "地类名称", "用地面积"],
    ),
}
GENERIC_ITEMS = [
    "序号",
    "名称",
    "地址",
    "联系电话",
    "经度",
    "纬度",
    "所属区县",
    "所属街道",
    "统一社会信用代码",
    "法定代表人",
    "登记日期",
    "更新时间",
    "数据来源",
    "备注",
    "状态",
    "类型",
    "面积",
    "数量",
    "金额",
    "年份",
    "月份",
    "负责人",
    "邮政编码",
    "营业时间",
    "有效期起",
    "有效期至",
    "许可证编号",
    "审批部门",
    "统计口径",
    "行政区划代码",
]
SUFFIXES = [
    "信息",
    "数据",
    "名录",
    "统计",
    "清单",
    "目录",
    "基本信息",
    "年度统计",
    "月度统计",
    "分布",
    "情况",
    "登记信息",
    "许可信息",
    "监测数据",
    "汇总",
]
USES = [
    "出行规划",
    "便民服务",
    "政策研究",
    "企业选址",
    "学术研究",
    "应用开发",
    "公众监督",
    "城市治理",
    "风险预警",
]
FREQUENCIES = ("realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular")
FREQUENCY_LABELS = {
    "realtime": "实时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
    "irregular": "不定期",
}
FORMATS = ("CSV", "XLSX", "JSON", "XML", "API", "GeoJSON")
START = dt.datetime(2018, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    slug: str
    region_code: str
    domain: str


@functools.lru_cache(maxsize=1)
def organizations() -> tuple[Organization, ...]:
    """One department per domain in the city and in every county."""
    out: list[Organization] = []
    for code, region in (CITY, *COUNTIES):
        for domain, (department, _, _) in DOMAINS.items():
            n = len(out) + 1
            out.append(Organization(n, f"{region}{department}", f"org-{n}", code, domain))
    return tuple(out)


@functools.cache
def item_name(label: str) -> str:
    """Field names in the usual practice: pinyin initials of the Chinese label."""
    letters = "".join(lazy_pinyin(label, style=Style.FIRST_LETTER))
    return "".join(ch for ch in letters.lower() if ch.isalnum()) or "f"


def _items(rnd: random.Random, pool: list[str]) -> list[dict[str, object]]:
    labels = rnd.sample(pool, rnd.randint(5, min(40, len(pool))))
    out, seen = [], set()
    for position, label in enumerate(labels):
        name = item_name(label)
        while name in seen:
            name += "_"
        seen.add(name)
        out.append({"position": position, "label": label, "name": name})
    return out


def _summary(
    rnd: random.Random, org: str, place: str, subject: str, items: list[str], freq: str
) -> str:
    fields = "、".join(items[:4])
    first, last = rnd.randint(2010, 2020), rnd.randint(2021, 2025)
    return (
        f"本数据集由{org}提供，包含{place}{subject}的{fields}等信息，"
        f"数据覆盖{first}年至{last}年，{FREQUENCY_LABELS[freq]}更新。"
        f"可用于{rnd.choice(USES)}和{rnd.choice(USES)}等场景。"
    )


def datasets(
    n: int, orgs: tuple[Organization, ...], *, seed: int = 20261122
) -> Iterator[dict[str, object]]:
    """``n`` dataset rows (with an ``items`` list), deterministic for a seed."""
    rnd = random.Random(seed)
    for i in range(1, n + 1):
        org = rnd.choice(orgs)
        department, subjects, specific = DOMAINS[org.domain]
        subject = rnd.choice(subjects)
        place = next(name for code, name in (CITY, *COUNTIES) if code == org.region_code)
        year = f"{rnd.randint(2015, 2025)}年" if rnd.random() < 0.3 else ""
        title = f"{place}{year}{subject}{rnd.choice(SUFFIXES)}"
        items = _items(rnd, specific + list(GENERIC_ITEMS))
        freq = rnd.choice(FREQUENCIES)
        published = START + dt.timedelta(minutes=rnd.randrange(8 * 365 * 24 * 60))
        status = rnd.choices(("published", "draft", "submitted", "withdrawn"), (90, 6, 2, 2))[0]
        domains = [org.domain] + ([rnd.choice(list(DOMAINS))] if rnd.random() < 0.2 else [])
        yield {
            "id": i,
            "catalog_code": f"BENCH-{i:07d}",
            "title": title,
            "summary": _summary(rnd, org.name, place, subject, [it["label"] for it in items], freq),  # type: ignore[misc]
            "organization_id": org.id,
            "region_code": org.region_code,
            "domains": list(dict.fromkeys(domain_code(d) for d in domains)),
            "keywords": [subject, department.removesuffix("局")],
            "open_attribute": rnd.choices(("unconditional", "conditional", "closed"), (70, 25, 5))[
                0
            ],
            "grade": rnd.choices(("L1", "L2", "L3", "L4"), (60, 25, 10, 5))[0],
            "update_frequency": freq,
            "formats": sorted(rnd.sample(FORMATS, rnd.randint(1, 3))),
            "status": status,
            "first_published_at": published if status in ("published", "withdrawn") else None,
            "last_updated_at": published + dt.timedelta(days=rnd.randint(0, 300)),
            "views": int(rnd.paretovariate(1.2) * 20),
            "downloads": int(rnd.paretovariate(1.3) * 5),
            "item_count": len(items),
            "items": items,
        }


def query_words() -> list[str]:
    """Words people type: subjects, their parts, places, item labels, pinyin and initials."""
    words = [s for _, subjects, _ in DOMAINS.values() for s in subjects]
    words += ["公交", "医院", "学校", "企业", "停车", "水质", "空气", "许可", "处罚", "养老"]
    words += [name for _, name in COUNTIES[:4]] + ["泊位数量", "联系电话", "溶解氧浓度"]
    words += ["gongjiao", "jiaotong", "yiliao", "xuexiao", "qiye", "jt", "gj", "yl", "tingche"]
    return words
