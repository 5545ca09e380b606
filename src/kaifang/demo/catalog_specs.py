"""Specifications of the demo catalogue: realistic datasets of the demo city's real departments.

Each spec names its provider (a real unit of the 2020 statistics table), domains, items and
how to generate its demo rows. Generated rows are demo data and are labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# item tuple: (label, name, type, grade, open attribute, generator)
Item = tuple[str, str, str, str, str, str]


def u(label: str, name: str, kind: str = "text", gen: str = "") -> Item:
    return (label, name, kind, "L1", "unconditional", gen or name)


def c(label: str, name: str, grade: str = "L2", gen: str = "") -> Item:
    return (label, name, "text", grade, "conditional", gen or name)


def x(label: str, name: str, gen: str = "") -> Item:
    return (label, name, "text", "L4", "closed", gen or name)


@dataclass(frozen=True)
class DemoSpec:
    title: str
    org: str
    domains: tuple[str, ...]
    items: tuple[Item, ...]
    frequency: str = "monthly"
    summary: str = ""
    keywords: tuple[str, ...] = ()
    rows: int = 200
    status: str = "published"
    open_attribute: str = "unconditional"
    base_class: str = "thematic"
    per_district: bool = False
    extra: dict[str, str] = field(default_factory=dict)


SPECS: tuple[DemoSpec, ...] = (
    DemoSpec(
        "公交线路信息",
        "市交通运输局",
        ("交通出行", "交通运输"),
        (
            u("线路编号", "line_code", gen="code6"),
            u("线路名称", "line_name", gen="bus_line"),
            u("起点站", "start_stop", gen="stop"),
            u("终点站", "end_stop", gen="stop"),
            u("首班时间", "first_bus", gen="time"),
            u("末班时间", "last_bus", gen="time"),
            u("票价(元)", "fare", "decimal", gen="fare"),
        ),
        keywords=("公交", "线路", "站点"),
    ),
    DemoSpec(
        "公交站点位置",
        "市交通运输局",
        ("交通出行", "地理空间"),
        (
            u("站点编号", "stop_code", gen="code6"),
            u("站点名称", "stop_name", gen="stop"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
            u("所属区县", "district", gen="district"),
        ),
        keywords=("公交", "站点", "坐标"),
    ),
    DemoSpec(
        "公共停车场泊位信息",
        "市综合行政执法局",
        ("交通出行", "城市管理"),
        (
            u("停车场名称", "name", gen="parking"),
            u("地址", "address", gen="address"),
            u("泊位数", "spaces", "integer", gen="spaces"),
            u("收费标准", "fee", gen="fee_text"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="daily",
        keywords=("停车", "泊位"),
    ),
    DemoSpec(
        "道路运输经营许可信息",
        "市交通运输局",
        ("交通运输", "信用服务"),
        (
            u("企业名称", "company", gen="company"),
            u("统一社会信用代码", "uscc", gen="uscc"),
            u("许可证号", "licence_no", gen="licence_no"),
            u("经营范围", "scope", gen="transport_scope"),
            u("有效期至", "valid_until", "date", gen="future_date"),
            c("负责人手机号", "manager_mobile", "L3", gen="mobile"),
        ),
        keywords=("道路运输", "许可"),
    ),
    DemoSpec(
        "企业登记基本信息",
        "市市场监管局（市知识产权局）",
        ("市场监管", "企业登记", "信用服务"),
        (
            u("企业名称", "company", gen="company"),
            u("统一社会信用代码", "uscc", gen="uscc"),
            u("企业类型", "company_type", gen="company_type"),
            u("成立日期", "founded", "date", gen="past_date"),
            u("注册资本(万元)", "capital", "decimal", gen="capital"),
            u("登记机关", "authority", gen="authority"),
            c("法定代表人", "legal_rep", "L2", gen="person_name"),
        ),
        frequency="daily",
        base_class="legal_person",
        keywords=("企业", "登记", "工商"),
    ),
    DemoSpec(
        "行政处罚信息",
        "市市场监管局（市知识产权局）",
        ("信用服务", "市场监管"),
        (
            u("处罚决定书文号", "decision_no", gen="decision_no"),
            u("当事人名称", "party", gen="company"),
            u("统一社会信用代码", "uscc", gen="uscc"),
            u("违法行为类型", "violation", gen="violation"),
            u("处罚内容", "penalty", gen="penalty"),
            u("处罚决定日期", "decided_on", "date", gen="past_date"),
        ),
        frequency="weekly",
        base_class="social_credit",
        keywords=("双公示", "处罚"),
    ),
    DemoSpec(
        "食品经营许可证信息",
        "市市场监管局（市知识产权局）",
        ("市场监管", "卫生健康"),
        (
            u("经营者名称", "operator", gen="shop"),
            u("许可证编号", "licence_no", gen="licence_no"),
            u("经营场所", "address", gen="address"),
            u("主体业态", "category", gen="food_category"),
            u("有效期至", "valid_until", "date", gen="future_date"),
        ),
        keywords=("食品", "许可"),
    ),
    DemoSpec(
        "医疗机构信息",
        "市卫生健康委",
        ("卫生健康", "医疗卫生"),
        (
            u("机构名称", "name", gen="hospital"),
            u("机构类别", "category", gen="hospital_type"),
            u("地址", "address", gen="address"),
            u("联系电话", "phone", gen="landline"),
            u("床位数", "beds", "integer", gen="beds"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="quarterly",
        keywords=("医院", "医疗"),
    ),
    DemoSpec(
        "执业医师注册信息",
        "市卫生健康委",
        ("卫生健康",),
        (
            u("执业机构", "hospital", gen="hospital"),
            u("执业类别", "category", gen="doctor_type"),
            c("医师姓名", "doctor_name", "L2", gen="person_name"),
            c("执业证书编号", "cert_no", "L3", gen="code15"),
            x("身份证号", "id_number", gen="resident_id"),
        ),
        open_attribute="conditional",
        keywords=("医师",),
    ),
    DemoSpec(
        "疫苗接种点信息",
        "市卫生健康委",
        ("疫情防控", "卫生健康"),
        (
            u("接种点名称", "name", gen="clinic"),
            u("地址", "address", gen="address"),
            u("服务时间", "hours", gen="hours"),
            u("咨询电话", "phone", gen="landline"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="weekly",
        keywords=("疫苗", "接种"),
    ),
    DemoSpec(
        "学校名录",
        "市教育局",
        ("教育文旅", "教育科技"),
        (
            u("学校名称", "school", gen="school"),
            u("学段", "stage", gen="school_stage"),
            u("办学性质", "ownership", gen="ownership"),
            u("地址", "address", gen="address"),
            u("在校生数", "students", "integer", gen="students"),
            u("所属区县", "district", gen="district"),
        ),
        frequency="yearly",
        keywords=("学校", "教育"),
    ),
    DemoSpec(
        "公共图书馆信息",
        "市文化和广电旅游体育局",
        ("教育文旅", "文化旅游"),
        (
            u("场馆名称", "name", gen="library"),
            u("地址", "address", gen="address"),
            u("开放时间", "hours", gen="hours"),
            u("藏书量(册)", "books", "integer", gen="books"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="yearly",
        keywords=("图书馆", "文化"),
    ),
    DemoSpec(
        "A级旅游景区名录",
        "市文化和广电旅游体育局",
        ("文化旅游", "教育文旅"),
        (
            u("景区名称", "name", gen="scenic"),
            u("等级", "level", gen="scenic_level"),
            u("所属区县", "district", gen="district"),
            u("地址", "address", gen="address"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="yearly",
        keywords=("景区", "旅游"),
    ),
    DemoSpec(
        "体育场馆信息",
        "市体育事业发展中心",
        ("文化旅游",),
        (
            u("场馆名称", "name", gen="stadium"),
            u("场馆类型", "kind", gen="stadium_type"),
            u("地址", "address", gen="address"),
            u("开放时间", "hours", gen="hours"),
        ),
        frequency="yearly",
        keywords=("体育", "场馆"),
    ),
    DemoSpec(
        "社会保险参保统计",
        "市人社保局",
        ("社保就业", "人力社保"),
        (
            u("统计月份", "month", gen="month"),
            u("险种", "insurance", gen="insurance"),
            u("参保人数", "insured", "integer", gen="count_large"),
            u("基金收入(万元)", "income", "decimal", gen="amount"),
        ),
        keywords=("社保", "参保"),
    ),
    DemoSpec(
        "就业见习基地名单",
        "市人社保局",
        ("社保就业", "就业"),
        (
            u("单位名称", "company", gen="company"),
            u("统一社会信用代码", "uscc", gen="uscc"),
            u("见习岗位数", "positions", "integer", gen="small_count"),
            u("联系电话", "phone", gen="landline"),
        ),
        frequency="quarterly",
        keywords=("就业", "见习"),
    ),
    DemoSpec(
        "最低生活保障对象统计",
        "市民政局",
        ("社会救助",),
        (
            u("区县", "district", gen="district"),
            u("统计月份", "month", gen="month"),
            u("保障户数", "households", "integer", gen="small_count"),
            u("保障人数", "people", "integer", gen="small_count"),
            u("发放金额(元)", "amount", "decimal", gen="amount"),
        ),
        keywords=("低保", "救助"),
    ),
    DemoSpec(
        "养老机构信息",
        "市民政局",
        ("社会救助", "卫生健康"),
        (
            u("机构名称", "name", gen="nursing_home"),
            u("地址", "address", gen="address"),
            u("床位数", "beds", "integer", gen="beds"),
            u("性质", "ownership", gen="ownership"),
            u("联系电话", "phone", gen="landline"),
        ),
        frequency="quarterly",
        keywords=("养老",),
    ),
    DemoSpec(
        "婚姻登记预约信息",
        "市民政局",
        ("社会救助",),
        (
            u("登记机关", "office", gen="authority"),
            u("预约日期", "date", "date", gen="past_date"),
            c("申请人姓名", "applicant", "L3", gen="person_name"),
            c("申请人手机号", "mobile", "L3", gen="mobile"),
            x("身份证号", "id_number", gen="resident_id"),
        ),
        status="submitted",
        open_attribute="conditional",
        keywords=("婚姻登记",),
    ),
    DemoSpec(
        "空气质量日报",
        "市生态环境局",
        ("生态环境", "环境"),
        (
            u("监测点", "station", gen="station"),
            u("日期", "date", "date", gen="past_date"),
            u("AQI", "aqi", "integer", gen="aqi"),
            u("首要污染物", "pollutant", gen="pollutant"),
            u("PM2.5(μg/m³)", "pm25", "decimal", gen="pm"),
        ),
        frequency="daily",
        keywords=("空气", "AQI"),
    ),
    DemoSpec(
        "水质监测数据",
        "市水利局",
        ("生态环境",),
        (
            u("断面名称", "section", gen="river_section"),
            u("监测时间", "date", "date", gen="past_date"),
            u("水质类别", "grade", gen="water_grade"),
            u("溶解氧(mg/L)", "do", "decimal", gen="small_decimal"),
        ),
        frequency="monthly",
        keywords=("水质", "河流"),
    ),
    DemoSpec(
        "水库基本信息",
        "市水利局",
        ("地理空间", "生态环境"),
        (
            u("水库名称", "name", gen="reservoir"),
            u("所在区县", "district", gen="district"),
            u("总库容(万立方米)", "capacity", "decimal", gen="amount"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="yearly",
        base_class="natural_resources",
        keywords=("水库",),
    ),
    DemoSpec(
        "气象观测日数据",
        "市气象局",
        ("气象服务", "气象"),
        (
            u("站点", "station", gen="station"),
            u("日期", "date", "date", gen="past_date"),
            u("最高气温(℃)", "t_max", "decimal", gen="temp"),
            u("最低气温(℃)", "t_min", "decimal", gen="temp"),
            u("降水量(mm)", "rain", "decimal", gen="rain"),
        ),
        frequency="daily",
        keywords=("气象", "气温"),
    ),
    DemoSpec(
        "土地出让结果公示",
        "市自然资源和规划局",
        ("国土资源", "地理空间"),
        (
            u("地块编号", "parcel", gen="parcel"),
            u("土地位置", "address", gen="address"),
            u("用途", "use", gen="land_use"),
            u("面积(平方米)", "area", "decimal", gen="area"),
            u("成交价(万元)", "price", "decimal", gen="amount"),
            u("竞得人", "winner", gen="company"),
        ),
        frequency="irregular",
        base_class="natural_resources",
        keywords=("土地", "出让"),
    ),
    DemoSpec(
        "不动产登记统计",
        "市自然资源和规划局",
        ("城建住房", "国土资源"),
        (
            u("统计月份", "month", gen="month"),
            u("登记类型", "kind", gen="estate_kind"),
            u("办件量", "cases", "integer", gen="count_large"),
        ),
        keywords=("不动产",),
    ),
    DemoSpec(
        "商品房预售许可信息",
        "市住房和城乡建设局",
        ("城建住房",),
        (
            u("项目名称", "project", gen="estate"),
            u("开发企业", "developer", gen="company"),
            u("预售许可证号", "permit", gen="licence_no"),
            u("预售面积(平方米)", "area", "decimal", gen="area"),
            u("发证日期", "issued", "date", gen="past_date"),
        ),
        frequency="weekly",
        keywords=("商品房", "预售"),
    ),
    DemoSpec(
        "住房公积金缴存统计",
        "市住房公积金中心",
        ("城建住房", "普惠金融"),
        (
            u("统计月份", "month", gen="month"),
            u("缴存单位数", "units", "integer", gen="count_large"),
            u("缴存人数", "people", "integer", gen="count_large"),
            u("缴存额(万元)", "amount", "decimal", gen="amount"),
        ),
        keywords=("公积金",),
    ),
    DemoSpec(
        "规模以上工业增加值",
        "市统计局",
        ("统计", "工业农业"),
        (
            u("统计月份", "month", gen="month"),
            u("指标", "indicator", gen="indicator"),
            u("本月值", "value", "decimal", gen="amount"),
            u("同比增长(%)", "growth", "decimal", gen="growth"),
        ),
        base_class="macro_economy",
        keywords=("工业", "统计"),
    ),
    DemoSpec(
        "居民消费价格指数",
        "市统计局",
        ("统计", "财税金融"),
        (
            u("统计月份", "month", gen="month"),
            u("类别", "category", gen="cpi_category"),
            u("指数(上年同月=100)", "index", "decimal", gen="cpi"),
        ),
        base_class="macro_economy",
        keywords=("CPI", "物价"),
    ),
    DemoSpec(
        "农业经营主体名录",
        "市农业农村局",
        ("工业农业", "农业"),
        (
            u("主体名称", "name", gen="farm"),
            u("主体类型", "kind", gen="farm_kind"),
            u("统一社会信用代码", "uscc", gen="uscc"),
            u("所属乡镇", "town", gen="town"),
            u("主营产品", "product", gen="farm_product"),
        ),
        frequency="quarterly",
        keywords=("农业", "合作社"),
    ),
    DemoSpec(
        "渔船登记信息",
        "市港航口岸和渔业管理局",
        ("海洋与渔业",),
        (
            u("船名", "ship", gen="ship"),
            u("船籍港", "port", gen="port"),
            u("主机功率(kW)", "power", "decimal", gen="power"),
            c("船东姓名", "owner", "L2", gen="person_name"),
            c("船东手机号", "owner_mobile", "L3", gen="mobile"),
        ),
        open_attribute="conditional",
        keywords=("渔船",),
    ),
    DemoSpec(
        "纳税信用A级纳税人名单",
        "市税务局",
        ("信用服务", "财税金融"),
        (
            u("纳税人名称", "taxpayer", gen="company"),
            u("纳税人识别号", "uscc", gen="uscc"),
            u("评价年度", "year", gen="year"),
        ),
        frequency="yearly",
        base_class="social_credit",
        keywords=("纳税信用",),
    ),
    DemoSpec(
        "普惠金融服务网点",
        "市金融办",
        ("普惠金融", "金融"),
        (
            u("网点名称", "name", gen="bank_branch"),
            u("所属机构", "bank", gen="bank"),
            u("地址", "address", gen="address"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="quarterly",
        keywords=("金融", "网点"),
    ),
    DemoSpec(
        "个人信贷违约记录",
        "市金融办",
        ("普惠金融",),
        (
            x("借款人姓名", "borrower", gen="person_name"),
            x("身份证号", "id_number", gen="resident_id"),
            x("银行卡号", "card", gen="bank_card"),
            x("逾期金额(元)", "overdue", gen="amount"),
        ),
        status="draft",
        open_attribute="closed",
        keywords=("信贷",),
    ),
    DemoSpec(
        "档案馆馆藏目录",
        "市档案馆",
        ("档案",),
        (
            u("全宗号", "fonds", gen="code6"),
            u("全宗名称", "fonds_name", gen="fonds"),
            u("起止年度", "years", gen="year_range"),
            u("卷数", "volumes", "integer", gen="small_count"),
        ),
        frequency="yearly",
        keywords=("档案", "馆藏"),
    ),
    DemoSpec(
        "公共资源交易公告",
        "市公共资源交易中心",
        ("信用服务", "市场监管"),
        (
            u("项目编号", "project_no", gen="decision_no"),
            u("项目名称", "project", gen="tender"),
            u("采购人", "buyer", gen="authority"),
            u("预算金额(万元)", "budget", "decimal", gen="amount"),
            u("公告日期", "published", "date", gen="past_date"),
        ),
        frequency="daily",
        keywords=("招标", "交易"),
    ),
    DemoSpec(
        "公共厕所分布",
        "市综合行政执法局",
        ("城市管理",),
        (
            u("名称", "name", gen="toilet"),
            u("地址", "address", gen="address"),
            u("开放时间", "hours", gen="hours"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="quarterly",
        per_district=True,
        keywords=("公厕", "市政"),
    ),
    DemoSpec(
        "垃圾分类收集点",
        "市综合行政执法局",
        ("城市管理", "生态环境"),
        (
            u("收集点名称", "name", gen="garbage_point"),
            u("所属社区", "community", gen="village"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="quarterly",
        per_district=True,
        keywords=("垃圾分类",),
    ),
    DemoSpec(
        "住院患者诊疗明细",
        "台州恩泽",
        ("医疗卫生",),
        (
            x("患者姓名", "patient", gen="person_name"),
            x("身份证号", "id_number", gen="resident_id"),
            x("诊断", "diagnosis", gen="diagnosis"),
            x("住院天数", "days", gen="small_count"),
        ),
        status="draft",
        open_attribute="closed",
        keywords=("住院",),
    ),
    DemoSpec(
        "医保定点医药机构",
        "市医疗保障局",
        ("医疗卫生", "卫生健康"),
        (
            u("机构名称", "name", gen="pharmacy"),
            u("机构类型", "kind", gen="hospital_type"),
            u("地址", "address", gen="address"),
            u("联系电话", "phone", gen="landline"),
        ),
        frequency="monthly",
        keywords=("医保", "定点"),
    ),
    DemoSpec(
        "消防安全重点单位",
        "市应急管理局",
        ("公共安全", "安监"),
        (
            u("单位名称", "company", gen="company"),
            u("统一社会信用代码", "uscc", gen="uscc"),
            u("地址", "address", gen="address"),
            u("单位类别", "kind", gen="fire_kind"),
        ),
        frequency="yearly",
        keywords=("消防", "安全"),
    ),
    DemoSpec(
        "人防工程信息",
        "市人防办（市民防局）",
        ("公共安全",),
        (
            u("工程名称", "name", gen="shelter"),
            u("地址", "address", gen="address"),
            u("面积(平方米)", "area", "decimal", gen="area"),
            u("经度", "lng", "decimal", gen="lng"),
            u("纬度", "lat", "decimal", gen="lat"),
        ),
        frequency="yearly",
        keywords=("人防",),
    ),
    DemoSpec(
        "高校科研成果登记",
        "台州学院",
        ("教育科技", "科技"),
        (
            u("成果名称", "title", gen="research"),
            u("学科", "subject", gen="subject"),
            u("登记年份", "year", gen="year"),
            c("负责人", "leader", "L2", gen="person_name"),
        ),
        frequency="yearly",
        keywords=("科研", "成果"),
    ),
    DemoSpec(
        "慈善项目信息",
        "市慈善总会",
        ("社会救助",),
        (
            u("项目名称", "project", gen="charity"),
            u("募集金额(元)", "raised", "decimal", gen="amount"),
            u("受益人数", "beneficiaries", "integer", gen="small_count"),
            u("开始日期", "start", "date", gen="past_date"),
        ),
        frequency="quarterly",
        keywords=("慈善",),
    ),
)
