"""Value generators for the benchmark corpus: names, IDs, phones, cards, addresses ...

See ``corpus.py`` for what the corpus is and how far its numbers can be trusted.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import date, timedelta

from kaifang import checksums
from kaifang.privacy import lexicon

_SURNAMES_WEIGHTED = (
    "王" * 14
    + "李" * 14
    + "张" * 13
    + "刘" * 10
    + "陈" * 9
    + "杨" * 6
    + "黄" * 5
    + "赵" * 5
    + "吴" * 4
    + "周" * 4
    + "徐" * 3
    + "孙" * 3
    + "马" * 3
    + "朱" * 3
    + "胡" * 3
    + "郭" * 3
    + "何" * 2
    + "高" * 2
    + "林" * 2
    + "罗" * 2
    + "郑" * 2
    + "梁" * 2
    + "谢"
    + "宋"
    + "唐"
    + "许"
    + "韩"
    + "冯"
    + "邓"
    + "曹"
    + "彭"
    + "曾"
    + "肖"
    + "田"
    + "董"
    + "袁"
    + "潘"
    + "于"
    + "蒋"
    + "蔡"
    + "余"
    + "杜"
    + "叶"
    + "程"
    + "苏"
    + "魏"
    + "吕"
    + "丁"
    + "任"
    + "沈"
    + "姚"
    + "卢"
    + "姜"
    + "崔"
    + "钟"
    + "谭"
    + "陆"
    + "汪"
    + "范"
    + "金"
    + "石"
    + "廖"
    + "贾"
    + "夏"
    + "韦"
    + "付"
    + "方"
    + "白"
    + "邹"
    + "孟"
    + "熊"
    + "秦"
    + "邱"
    + "江"
    + "尹"
    + "薛"
    + "闫"
    + "段"
    + "雷"
    + "侯"
    + "龙"
    + "史"
    + "陶"
    + "黎"
    + "贺"
    + "顾"
    + "毛"
    + "郝"
    + "龚"
    + "邵"
)
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "慕容")
# Broader than the detector's given-name list on purpose (includes rarer characters).
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂华玉兰萍红鹏辉建国文斌宇浩凯健俊帆帅旭宁龙林欣婷"
    "雪琳晨晶颖慧佳倩蕾琪璐瑶怡嘉思雨梦悦诗子涵轩博宏志飞波兵峰鑫亮成海东云春燕梅莉琴荣彬新民生福德"
    "才金山清泉丹岩宝晓利珍凤洁梓睿泽昊然诚毅航皓辰逸晗萱妍彤蓉菲薇馨露莹婕媛姗曼琦琼瑞祥安康永长庆"
    "喜贵兴旺顺昌盛立正义礼信仁忠孝智勤良善美娇艺彩虹霖冰凡可心乐天之如若依语欢歆璇瑾瑜茜芸芷蓓蔚"
    "蕊婉婧娅妮嫣卓越腾跃翔鸿鹤麟骏驰豪贤哲聪锋铭锐钰钧坤培城森楠桐柏松枫栋梁渊源淇淳潇澜沛沁汐"
    "瀚滨江河湖冬秋夏阳晖曦昕晟景晴炜烨焕煜熙光耀照亚中邦振伦佩仪伊佑修儒允克全凯勋升卫厚友双君启"
    "和咏品唯园坚基增士奇奕威娥学守宗定宜宸寒尧岚峻崇川希广庭延弘彦彪征忆怀恒恩惠慈扬承政敬斐斯"
    "昆昱朗望朝杉桦椿楷武毓汉沐治泓法洪津济浚淑渝湘溪满潮澄灵炳焱爱牧玲珊珠琅璋田甜登百盈真石硕碧"
    "祖禄秀科程穗竹笑策筠素紫纯维绮翠翼育胜芬芝芮花苗茂荷莎莲菁萌蓝蔓虎蝶衡裕谦豫贝贞贺赛达迪进远"
    "通道都鉴钦铁银锦长闻阁雁雄雅雯震霏青靖韵颂风香馥驹骐魁鸣鼎齐彧翊珩琮珞婳姝娴妤沅溱湲"
)
_ROADS = [
    "东山路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "市府大道",
    "开发大道",
    "青年路",
    "工人路",
    "学院路",
    "云西路",
    "江滨路",
    "康平路",
    "枫南路",
    "二环东路",
    "劳动路",
    "横街",
    "后所路",
    "白云山路",
    "洪家路",
    "太平路",
    "东海大道",
    "文三路",
    "天目山路",
    "延安路",
    "钱江路",
    "朝晖路",
    "环城西路",
    "新华街",
    "花园巷",
    "桂花弄",
]
_ESTATES = [
    "阳光花园",
    "金色家园",
    "锦绣新村",
    "东方名都",
    "和平小区",
    "幸福里小区",
    "江南公寓",
    "世纪大厦",
    "星河苑",
    "翠竹园",
]
_VILLAGES = [
    "岭根村",
    "下洋村",
    "前王村",
    "沙岙村",
    "湖头村",
    "新塘村",
    "上林社区",
    "东门社区",
    "城隍浦社区",
    "育才社区",
]
_OTHER_CITIES = (
    ("浙江省", "杭州市", "西湖区"),
    ("浙江省", "宁波市", "鄞州区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("北京市", "", "朝阳区"),
    ("上海市", "", "浦东新区"),
    ("广东省", "深圳市", "南山区"),
    ("四川省", "成都市", "武侯区"),
)
FILLER = (
    "周末期间许多市民到高速公路服务区休息。",
    "根据程序规定，林业部门对财政余额进行了核对。",
    "黄金周期间，我局将马上开展安全生产检查。",
    "范围内的重点项目陆续开工，进度总体符合预期。",
    "会议要求严格落实责任，曾经发生过问题的单位要重点整改。",
    "本年度共受理政务服务事项一万二千余件，办结率百分之九十九。",
    "程序上需要先提交书面材料，再由窗口工作人员审核。",
    "高度重视数据安全，任何单位不得擅自对外提供。",
    "文件精神传达到位，方案由各部门分头组织实施。",
    "于是相关部门成立专班，周密部署，确保万无一失。",
    "夏季汛期将至，各地要做好防汛抗旱准备工作。",
    "金额较大的项目须经集体研究决定，并向社会公示。",
    "史料显示，该建筑始建于明代，具有较高的历史价值。",
    "宋代以来，这里一直是商贸繁荣的港口城镇。",
    "方便群众办事是数字化改革的出发点和落脚点。",
    "何时恢复通行将另行通知，请过往车辆注意绕行。",
    "许可证有效期届满需要延续的，应当在届满前三十日提出申请。",
    "常住人口数据来源于第七次全国人口普查。",
    "江河湖泊的水质监测结果每月向社会公开。",
    "林地保护利用规划经市政府批准后实施。",
    "资料齐全的当场受理，不齐全的一次性告知。",
    "陈列馆每周一闭馆，其他时间免费向公众开放。",
    "各单位要认真对照检查，发现问题立即整改。",
    "全市共有幼儿园三百余所，在园幼儿十万余人。",
    "高新区管委会负责园区企业的日常服务工作。",
)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


class CorpusGenerator:
    """Draws values and sentences from one seeded random generator."""

    def __init__(self, seed: int = 2024) -> None:
        self.rng = random.Random(seed)
        self.areas = list(lexicon.divisions().items())

    # --- values -------------------------------------------------------------------
    def name(self) -> str:
        rng = self.rng
        surname = rng.choice(_COMPOUND) if rng.random() < 0.03 else rng.choice(_SURNAMES_WEIGHTED)
        size = 1 if rng.random() < 0.3 else 2
        return surname + "".join(rng.choice(_GIVEN) for _ in range(size))

    def resident_id(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return checksums.make_legacy_resident_id(rng)
        value = checksums.make_resident_id(rng)
        if roll < 0.13:
            return value[:6] + "*" * 8 + value[14:]
        if value.endswith("X") and rng.random() < 0.5:
            value = value[:-1] + "x"
        if roll < 0.23:
            return _full_width(value)
        if roll < 0.30:
            return f"{value[:6]} {value[6:14]} {value[14:]}"
        return value

    def mobile(self) -> str:
        rng = self.rng
        value = checksums.make_mobile(rng)
        roll = rng.random()
        forms: list[tuple[float, Callable[[], str]]] = [
            (0.10, lambda: "+86 " + value),
            (0.14, lambda: "+86-" + value),
            (0.17, lambda: "0086" + value),
            (0.27, lambda: f"{value[:3]} {value[3:7]} {value[7:]}"),
            (0.32, lambda: f"{value[:3]}-{value[3:7]}-{value[7:]}"),
            (0.37, lambda: _full_width(value)),
            (0.42, lambda: value[:3] + "****" + value[7:]),
        ]
        return next((form() for limit, form in forms if roll < limit), value)

    def bank_card(self) -> str:
        rng = self.rng
        value = checksums.make_bank_card(rng, rng.choice((16, 19, 19)))
        roll = rng.random()
        if roll < 0.3:
            return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        if roll < 0.35:
            return _full_width(value)
        if roll < 0.40:
            return value[:6] + "*" * (len(value) - 10) + value[-4:]
        return value

    def uscc(self) -> str:
        value = checksums.make_uscc(self.rng)
        return _full_width(value) if self.rng.random() < 0.05 else value

    def plate(self) -> str:
        rng = self.rng
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        head = rng.choice("浙浙浙浙沪苏皖京粤闽赣") + rng.choice("ABCDEFGHJKL")
        roll = rng.random()
        if roll < 0.2:
            body = (
                rng.choice("DF")
                + rng.choice(letters + string.digits)
                + f"{rng.randrange(10000):04d}"
            )
        elif roll < 0.3:
            body = f"{rng.randrange(100000):05d}" + rng.choice("DF")
        else:
            chars = [rng.choice(string.digits) for _ in range(5)]
            if rng.random() < 0.4:
                chars[rng.randrange(5)] = rng.choice(letters)
            body = "".join(chars)
        return head + ("·" if rng.random() < 0.1 else "") + body

    def address(self) -> str:
        rng = self.rng
        road = rng.choice(_ROADS)
        number = f"{rng.randint(1, 999)}号"
        unit = rng.choice(
            (
                "",
                "",
                f"{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
            )
        )
        area, street = self._taizhou()
        roll = rng.random()
        if roll < 0.25:
            return f"浙江省台州市{area}{street}{road}{number}{unit}"
        if roll < 0.45:
            return f"{area}{road}{number}{unit}"
        if roll < 0.60:
            return f"{area}{street}{rng.choice(_VILLAGES)}{rng.randint(1, 200)}号"
        if roll < 0.75:
            province, city, district = rng.choice(_OTHER_CITIES)
            return f"{province}{city}{district}{road}{number}{unit}"
        if roll < 0.88:
            return f"{rng.choice(_ESTATES)}{rng.randint(1, 30)}幢{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
        return f"{road}{number}"

    def _taizhou(self) -> tuple[str, str]:
        areas = [name for name, level in self.areas if level == "district"]
        streets = [name for name, level in self.areas if level == "street" and name[-1] in "道镇乡"]
        return self.rng.choice(areas), self.rng.choice(streets)

    def date_text(self, start: int = 1950, end: int = 2005) -> str:
        day = date(start, 1, 1) + timedelta(days=self.rng.randrange((end - start) * 365))
        return self.rng.choice(
            (f"{day:%Y-%m-%d}", f"{day.year}年{day.month}月{day.day}日", f"{day:%Y/%m/%d}")
        )

    def email(self) -> str:
        user = "".join(
            self.rng.choice(string.ascii_lowercase) for _ in range(self.rng.randint(4, 9))
        )
        return f"{user}{self.rng.randint(1, 99)}@{self.rng.choice(('qq.com', '163.com', 'tz.gov.cn', 'example.com'))}"

    def ip(self) -> str:
        return ".".join(str(self.rng.randint(1, 254)) for _ in range(4))

    def landline(self) -> str:
        area = self.rng.choice(("0576", "0571", "010", "021", "0574"))
        local = str(self.rng.randint(2, 9)) + "".join(
            self.rng.choice(string.digits)
            for _ in range(7 if len(area) == 3 or self.rng.random() < 0.7 else 6)
        )
        return f"{area}-{local}"

    def passport(self) -> str:
        return "E" + "".join(self.rng.choice(string.digits) for _ in range(8))

    def permit(self) -> str:
        return self.rng.choice("CH") + "".join(self.rng.choice(string.digits) for _ in range(8))

    def coordinates(self) -> str:
        return f"{self.rng.uniform(27.0, 29.5):.6f},{self.rng.uniform(120.5, 122.0):.6f}"

    def distractor_number(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            body = checksums.make_resident_id(rng)
            wrong = str((int(body[-1]) + 1) % 10) if body[-1] != "X" else "0"
            return body[:-1] + wrong  # fails GB 11643
        if roll < 0.5:
            return rng.choice(("12", "10", "11")) + "".join(
                rng.choice(string.digits) for _ in range(9)
            )
        return "".join(
            rng.choice(string.digits) for _ in range(rng.choice((8, 10, 12, 13, 14, 20)))
        )
