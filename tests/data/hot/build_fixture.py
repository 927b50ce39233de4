"""Writes the hand-labelled hot-issue fixture (messages.csv, complaints.csv, compounds.csv) from the texts below.

Every text was written by hand, in the style of 12345 operators' notes and of a government message board, under
the label of the problem it describes: several residents per problem, each in their own words, with typos
(揽拌站, 搅伴站), the place named in full, by an alias, or not at all (then the order's 小区 says it, or, for the
one-offs and the city-wide theme, nothing does). What this script adds is bookkeeping only, seeded: ids, dates
inside each problem's weeks, the operator's boilerplate around some texts, statuses, and personal data (a caller's
name and phone on every row, repeated in some texts, an ID number in a few) that the importer must mask.

    python tests/data/hot/build_fixture.py      # rewrites the three CSV files beside it

labels.json says which five problems are the top five of 2024年第二季度 and why, and which labels are not hot issues
(one resident's repeated calls, the city-wide theme)."""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 23

COMPOUND_HEADERS = ["小区名称", "别名", "街道", "社区", "小区类型", "户数"]
COMPOUNDS = [
    ["锦绣家园", "锦绣小区", "东湖街道", "东湖社区", "商品房小区", "1200"],
    ["翠园新村", "翠园小区", "东湖街道", "翠园社区", "老旧小区", "600"],
    ["和平里小区", "和平里", "东湖街道", "东湖社区", "老旧小区", "400"],
    ["润泽园", "", "东湖街道", "东湖社区", "商品房小区", "800"],
    ["银杏苑", "", "东湖街道", "翠园社区", "商品房小区", "500"],
    ["阳光花园", "阳光小区;旭日苑", "南山街道", "南山社区", "商品房小区", "1000"],
    ["桥东小区", "桥东新村", "南山街道", "桥东社区", "安置房小区", "900"],
    ["幸福家园", "", "南山街道", "南山社区", "安置房小区", "700"],
    ["丽景湾", "", "南山街道", "桥东社区", "商品房小区", "650"],
    ["怡和苑", "", "南山街道", "南山社区", "单位宿舍", "300"],
    ["金桂苑", "金桂小区", "北城街道", "北城社区", "商品房小区", "750"],
    ["紫荆花园", "", "北城街道", "北城社区", "商品房小区", "680"],
    ["滨江一号", "滨江1号", "北城街道", "滨江社区", "商品房小区", "520"],
    ["春晖园", "", "北城街道", "滨江社区", "老旧小区", "350"],
]
STREET = {c[0]: c[2] for c in COMPOUNDS}

ORDER_HEADERS = ["工单编号", "来源渠道", "受理时间", "诉求类别", "街道", "社区", "小区", "承办单位", "办结时限", "办结时间",
                 "回访时间", "回访结果", "是否重复诉求", "诉求人", "联系电话", "诉求内容"]
LABEL_HEADERS = ORDER_HEADERS + ["label", "note"]

# A text: "text", or (text, options). Options: compound (the order's 小区; "" for none), repeat (是否重复诉求),
# source, day (a fixed date).
GROUPS = {
    # 锦绣家园: the concrete mixing plant next door, 2024-04-15 .. 06-28 (new in the second quarter)
    "G1": dict(place="锦绣家园", start="2024-04-15", end="2024-06-28", category="噪音扰民", unit="生态环境局", texts=[
        "小区东侧新建了一个混凝土搅拌站，每天晚上十点以后还在作业，噪音太大，孩子没法睡觉",
        "锦绣家园旁边的搅拌站粉尘特别大，阳台上每天一层灰，窗户都不敢开",
        "搅拌站的水泥罐车半夜进进出出，轰隆隆的响声吵得全楼的人睡不着",
        "东门外那家搅拌站没有任何降尘措施，空气里全是水泥灰，老人咳嗽加重",
        "隔壁搅拌站晚上加班生产，机器声音很大，严重扰民，请环保部门查一查有没有夜间施工许可",
        "我家住在靠近搅拌站的一侧，白天粉尘晚上噪音，已经持续一个多月了",
        "混凝土搅拌站的运输车把小区门口的路压坏了，还撒了很多泥浆，粉尘很大",
        "揽拌站天天夜里作业，吵得根本没法休息",
        ("锦绣小区东边的搅拌站凌晨两三点还在卸砂石，声音特别刺耳", {"compound": ""}),
        "小区边上的搅拌站噪音和扬尘问题非常严重，家里有婴儿，晚上被吵醒好几次",
        "搅拌站的罐车在小区门口排队，尾气和噪音都很大，出行也不安全",
        ("锦绣家园紧挨着一个混凝土搅拌站，这个站是否有环评手续？每天粉尘污染严重", {"source": "网络留言"}),
        "搅伴站半夜还开着大灯作业，灯光直射卧室，机器轰鸣声不断",
        "东侧搅拌站砂石料露天堆放没有遮盖，风一吹漫天都是灰",
        "晚上十一点了搅拌站还在生产，投诉过好几次都没用",
        "小区旁边的水泥搅拌站整夜施工，噪声扰民，希望能限制夜间作业时间",
        "搅拌站的大货车把路面弄得全是泥，下雨天没法走路，粉尘也大",
        ("锦绣家园东门外的商砼站噪音太大，晚上根本睡不着觉", {"compound": "锦绣家园小区"}),
        "搅拌站旁边的住户苦不堪言，窗台上每天都是厚厚一层水泥灰",
        "凌晨搅拌站的罐车鸣笛，整个小区都被吵醒了",
        ("请问小区旁边的搅拌站什么时候能搬走？粉尘噪音影响了几百户居民的生活", {"source": "网络留言"}),
        "搅拌站设备运转的声音从早到晚不停，夜里尤其明显，老人心脏不好受不了",
        ("锦绣小区的居民反映东侧混凝土搅拌站夜间作业，噪音严重超标", {"compound": ""}),
        "搅拌站的扬尘飘进小区，晾的衣服都是灰，孩子过敏",
        "搅拌站晚上偷偷生产，白天反而停着，明显是躲避检查",
        "小区东边的搅拌站车辆进出频繁，噪音粉尘都很严重",
        "搅拌站附近的路口罐车太多，孩子上学很危险，晚上还吵",
        "混凝土搅拌站24小时作业，我们整栋楼都睡不好",
        ("搅拌站的噪音让人崩溃，晚上十二点还在响，已经反映过了还是没有改善", {"repeat": "是"}),
        "东侧搅拌站的粉尘把小区的绿化都盖住了，树叶都是白的",
    ]),
    # 翠园新村: the lift of building 5; four calls in the first quarter, ten in the second (growing)
    "G2": dict(place="翠园新村", start="2024-02-20", end="2024-06-20", category="电梯", unit="市场监管局", texts=[
        ("5号楼电梯这个月已经坏了三次，每次修好没两天又停了", {"day": "2024-02-22"}),
        ("翠园新村5号楼的电梯又出故障了，今天早上困了两个人在里面半个小时", {"day": "2024-03-05"}),
        ("五号楼电梯经常停运，楼上住着好几位老人，上下楼非常困难", {"day": "2024-03-14"}),
        ("电梯维保单位维修不及时，5号楼电梯停了一个星期还没修好", {"day": "2024-03-26"}),
        ("5号楼电梯运行时有异响，还会突然下坠一下，很吓人，担心安全", {"day": "2024-04-08"}),
        ("我们楼的电梯老是坏，物业说在等配件，已经等了十几天", {"day": "2024-04-19"}),
        ("5号楼电梯困人，消防队来才把人救出来，这部电梯必须彻底检修", {"day": "2024-04-30"}),
        ("电梯门关不上，楼层按钮失灵，维保人员来看了一眼就走了", {"day": "2024-05-09"}),
        ("5号楼电梯使用年限太长了，经常故障，建议更换新电梯", {"day": "2024-05-21"}),
        ("翠园小区五号楼的电梯又停了，我80多岁的母亲只能困在家里下不了楼", {"day": "2024-05-28", "compound": ""}),
        ("电梯三天两头坏，维修记录一大堆，维保公司是不是该换了", {"day": "2024-06-04"}),
        ("5号楼电梯今天又卡在6楼，里面有小孩，吓坏了", {"day": "2024-06-08"}),
        ("电梯故障频发，5号楼住户出行困难，请质监部门检查电梯安全", {"day": "2024-06-14"}),
        ("五号楼的电梯停运快半个月了，物业一直推说维修资金没批下来", {"day": "2024-06-20"}),
    ]),
    # 阳光花园: the underground garage floods and its sewage overflows (May-June)
    "G3": dict(place="阳光花园", start="2024-05-10", end="2024-06-25", category="渗水漏水", unit="物业公司", texts=[
        "阳光花园地下车库一下雨就积水，好几辆车都被泡了",
        "地下车库的排水泵坏了，积水有半米深，车开不出去",
        "车库里污水井往外冒水，臭味特别大，车位都被淹了",
        ("旭日苑地下停车场积水严重，物业不抽水，车辆被泡损失谁负责", {"compound": ""}),
        "地下车库渗水漏水，顶板一直滴水，车上全是泥点",
        "下暴雨后地库进水，排水沟堵塞，物业只是拿扫帚扫",
        ("阳光小区车库积水问题每年雨季都出现，希望彻底整改排水系统", {"compound": ""}),
        "地下停车场的污水管道破裂，污水流了一地，臭气熏天",
        "车库积水导致电瓶车充电桩短路，存在安全隐患",
        "地库排水泵一直没修好，今天又下雨车库又淹了",
        "地下车库的积水好几天都没排干净，蚊子苍蝇特别多，味道难闻",
        "车库集水坑满了往外溢，物业说抽水泵坏了要等厂家",
    ]),
    # 桥东小区: the barbecue stalls at the gate (May-June)
    "G4": dict(place="桥东小区", start="2024-05-01", end="2024-06-30", category="油烟污染", unit="城管局", texts=[
        "桥东小区门口的烧烤摊每天晚上营业到凌晨，油烟直接飘进家里",
        "小区大门口露天烧烤，油烟呛人，还占道经营，车都开不进来",
        "门口烧烤店的客人喝酒划拳到半夜两点，吵得没法睡觉",
        "烧烤摊的油烟熏得我家窗户都是黑的，夏天都不敢开窗",
        ("桥东新村门口夜市烧烤扰民，请城管管一管", {"compound": ""}),
        "小区门口烧烤摊把桌椅摆到人行道上，垃圾满地，晚上吵闹",
        "烧烤摊的炭火烟雾很大，楼上住户闻着很难受，孩子有哮喘",
        "每天晚上门口烧烤摊喧哗声不断，醉酒的人还在小区门口闹事",
        "大门旁边的烧烤店油烟没有净化装置，直接排放",
        "烧烤摊晚上占道经营，油烟和噪音影响小区居民休息",
        ("小区门口的露天烧烤是不是违规的？城管来了就收，走了又摆", {"source": "网络留言"}),
        "门口烧烤油烟太重了，衣服晾在外面都是烟味",
    ]),
    # 金桂苑: yellow tap water from the secondary supply (late May - June)
    "G5": dict(place="金桂苑", start="2024-05-20", end="2024-06-20", category="供水", unit="水务集团", texts=[
        "金桂苑自来水发黄，有股铁锈味，烧开后有沉淀",
        "家里水龙头出来的水是黄色的，不敢喝也不敢洗澡",
        "小区二次供水水箱多久没清洗了？水里有杂质还有异味",
        "这几天放出来的自来水浑浊发黄，孩子洗澡后皮肤起红疹",
        ("金桂小区水质太差，水管里流出来的都是黄水，要求检测水箱", {"compound": ""}),
        "楼里的自来水有铁锈，净水器滤芯一周就变黄了",
        "二次供水的水箱脏，水质浑浊，请卫生部门来检测",
        "早上打开水龙头都是黄水，要放好几分钟才变清",
        "水质发黄有异味的问题已经半个月了，物业说是管道老化",
        "家里的水烧开后壶底一层黄色水垢，怀疑水箱被污染",
    ]),
    # smaller problems of several residents: real groups, not in the top five
    "G6": dict(place="紫荆花园", start="2024-06-03", end="2024-06-24", category="物业费用收取", unit="发展改革局", texts=[
        "紫荆花园物业擅自把停车费从每月150涨到300，没有经过业主大会",
        "小区地面停车位突然涨价，物业也没有公示收费依据",
        "物业停车收费标准翻倍，问了也不给说法，是否合法",
        "停车费涨价没有通知业主，还说不交就不让车进小区",
        "小区停车管理费上涨一倍，要求物价部门查一查收费是否备案",
    ]),
    "G7": dict(place="幸福家园", start="2024-06-05", end="2024-06-26", category="供水", unit="水务集团", texts=[
        "幸福家园这个月已经停水四次了，都没有提前通知",
        "小区又停水了，没有任何通知，早上起来没法洗漱做饭",
        "三天两头停水，物业说是水泵故障，一直不修好",
        "频繁停水影响生活，停水前能不能提前贴个通知",
    ]),
    "G8": dict(place="滨江一号", start="2024-05-12", end="2024-06-10", category="噪音扰民", unit="住建局", texts=[
        "滨江一号对面的工地夜间打桩，晚上十二点还在施工",
        "小区北边建筑工地深夜施工，打桩声震得窗户都在响",
        "工地夜里偷偷浇筑，机器轰鸣，这么晚施工有审批吗",
        "旁边工地夜间施工扰民，晚上根本睡不着",
    ]),
    # a compound the registry lacks (its name is the data's: 梧桐苑, 东湖街道 as exported)
    "G9": dict(place="梧桐苑", start="2024-04-10", end="2024-05-20", category="消防安全", unit="消防救援大队", texts=[
        "梧桐苑楼道里好多电动车在充电，飞线充电很危险",
        "楼道里停满电动车还私拉电线充电，堵塞消防通道",
        ("居民在楼道给电瓶车充电，一旦起火后果不堪设想", {"compound": "梧桐苑"}),
        "电动车进楼道充电没人管，消防通道被堵死了",
    ]),
    # 锦绣家园's other problem: the east gate's access control (same place as G1, another problem)
    "G10": dict(place="锦绣家园", start="2024-05-06", end="2024-06-12", category="安全防范", unit="物业公司", texts=[
        "小区东门的门禁系统坏了一个多月，外来人员随便进出",
        "门禁刷卡没反应，东门大门一直敞开着，不安全",
        "东门门禁损坏没人修，晚上陌生人随意进出小区",
    ]),
    # 翠园新村's trees, in the first quarter only (not in the second quarter's list)
    "G11": dict(place="翠园新村", start="2024-02-05", end="2024-03-10", category="绿化", unit="园林局", texts=[
        "楼前的大树枝叶太密，挡住了一楼的采光，希望修剪一下树枝",
        "小区绿化树长得太高，树枝伸进窗户里，夏天虫子多，要求修剪",
        "楼下的树遮光严重，家里白天都要开灯，请园林部门修剪树枝",
    ]),
    # one resident's repeated calls: the same dog, the same words, day after day (not a hot issue)
    "R1": dict(place="和平里小区", start="2024-06-03", end="2024-06-10", category="邻里纠纷", unit="社区居委会",
               one_writer=True, texts=[
        ("和平里3栋2单元楼下邻居家养的狗每天晚上叫到半夜，影响休息", {"day": "2024-06-03"}),
        ("和平里3栋2单元楼下邻居家的狗每天晚上叫到半夜，严重影响休息", {"day": "2024-06-04", "repeat": "是"}),
        ("楼下邻居家养的狗每天夜里叫到很晚，影响休息，之前反映过", {"day": "2024-06-05", "repeat": "是"}),
        ("和平里3栋楼下邻居的狗晚上一直叫，影响休息", {"day": "2024-06-06", "repeat": "是"}),
        ("3栋2单元楼下邻居家养狗每天晚上叫到半夜，影响休息，还没处理", {"day": "2024-06-08"}),
        ("楼下邻居家的狗晚上叫到半夜，影响休息，要求处理", {"day": "2024-06-10", "repeat": "是"}),
    ]),
    "R2": dict(place="阳光花园", start="2024-05-06", end="2024-05-09", category="渗水漏水", unit="物业公司",
               one_writer=True, texts=[
        ("阳光花园8栋楼上卫生间漏水，渗到我家天花板，楼上住户不配合维修", {"day": "2024-05-06"}),
        ("8栋楼上卫生间漏水渗到我家天花板，楼上不配合维修，物业也不管", {"day": "2024-05-07", "repeat": "是"}),
        ("楼上卫生间漏水到我家天花板，楼上住户一直不配合维修", {"day": "2024-05-08", "repeat": "是"}),
        ("8栋楼上卫生间往下漏水，天花板都泡了，楼上住户不配合维修", {"day": "2024-05-09"}),
    ]),
    # the city-wide theme: transport, from everywhere (three at 翠园新村, two at 金桂苑) and from nowhere
    "CITY1": dict(place=None, start="2024-04-05", end="2024-06-25", category="城市建设", unit="交通运输局", city=True,
                  texts=[
        ("建议加快我市地铁建设，早日开通地铁三号线", {"compound": "翠园新村", "day": "2024-05-06"}),
        ("希望政府加快交通建设，上下班高峰太堵了", {"compound": "金桂苑", "source": "网络留言"}),
        ("我市公共交通太落后，建议加快地铁和快速公交建设", {"compound": "丽景湾"}),
        ("建议多开几条公交线路，加快城市交通基础设施建设", {"compound": "银杏苑"}),
        ("地铁三号线什么时候能建成？希望加快建设进度", {"compound": "翠园新村", "day": "2024-05-15"}),
        ("城区道路拥堵严重，建议加快交通路网建设", {"compound": "", "source": "网络留言"}),
        ("建议加快推进轨道交通建设，缓解出行难", {"compound": "春晖园"}),
        ("上班通勤时间太长，希望早日建成地铁", {"compound": "怡和苑"}),
        ("交通拥堵问题越来越严重，建议政府加大交通建设投入", {"compound": "", "source": "网络留言"}),
        ("希望加快地铁建设，方便市民出行", {"compound": "翠园新村", "day": "2024-05-27"}),
        ("建议优化公交线路，加快交通建设，解决出行难问题", {"compound": "润泽园"}),
        ("地铁建设进度太慢了，建议加快", {"compound": "紫荆花园"}),
        ("期待地铁早日通车，建议加快轨道交通建设步伐", {"compound": "", "source": "网络留言"}),
        ("建议加快城市快速路和地铁建设，改善交通状况", {"compound": "幸福家园"}),
        ("市区交通太堵，建议加快建设地铁", {"compound": "金桂苑"}),
        ("公交车太少等车时间太长，建议加快公共交通建设", {"compound": "滨江一号"}),
        ("希望相关部门加快地铁规划建设，缓解城市交通压力", {"compound": "", "source": "网络留言"}),
        ("建议加快交通建设，多修路多建地铁", {"compound": "桥东小区"}),
    ]),
}

# One-offs: one resident, one problem, nobody else (blank label). (text, compound); compound None: none at all.
# Some sit deliberately beside a group: 锦绣家园's renovation noise (not the plant), 翠园新村's other lifts' and
# other buildings' troubles, lifts at four other compounds, 阳光花园's other leaks.
ONE_OFFS = [
    ("楼上邻居装修电钻声中午也不停，影响老人午休", "锦绣家园"),
    ("小区门口的道路坑坑洼洼，电动车经过容易摔倒", "锦绣家园"),
    ("物业费发票一直开不出来，催了好几次", "锦绣家园"),
    ("小区儿童游乐设施生锈损坏，孩子玩耍有危险", "锦绣家园"),
    ("12号楼楼顶太阳能热水器支架松动，刮风怕掉下来", "锦绣家园"),
    ("单元门口电动自行车乱停乱放，轮椅推不出去", "翠园新村"),
    ("3号楼楼道灯坏了两个星期，晚上上楼黑漆漆的", "翠园新村"),
    ("小区垃圾分类亭臭味很大，夏天苍蝇成群", "翠园新村"),
    ("翠园新村老旧小区改造什么时候开始，想了解一下改造内容", "翠园新村"),
    ("银杏苑2号楼电梯按钮失灵，按了没反应", "银杏苑"),
    ("丽景湾电梯年检合格证过期了还在使用", "丽景湾"),
    ("电梯轿厢里有人抽烟，烟味很大，希望物业贴告示", "紫荆花园"),
    ("怡和苑电梯停运了一天，物业没有任何说明", "怡和苑"),
    ("小区健身器材坏了很久，扶手断了没人修", "阳光花园"),
    ("1号楼外墙瓷砖脱落，砸坏了楼下停的车", "阳光花园"),
    ("阳光花园东门保安态度恶劣，外卖员进出被刁难", "阳光花园"),
    ("楼下便利店门口的空调外机滴水，正好滴在人行道上", "阳光花园"),
    ("小区快递柜太少，快递经常被放在门卫室地上", "桥东小区"),
    ("桥东小区的化粪池满了，井盖周围臭味很重", "桥东小区"),
    ("小区里有人私自圈地种菜，破坏绿化", "桥东小区"),
    ("金桂苑冬天暖气不热，室温只有十五度", "金桂苑"),
    ("燃气表显示异常，燃气公司一直没人来看", "金桂苑"),
    ("小区监控有好几个是坏的，车被划了都查不到", "金桂苑"),
    ("紫荆花园南门人行道地砖松动，下雨踩一脚泥水", "紫荆花园"),
    ("小区消防栓没有水，消防检查形同虚设", "紫荆花园"),
    ("幸福家园的信报箱被撬，信件丢失", "幸福家园"),
    ("小区流浪猫太多，晚上叫春，还抓伤了小孩", "幸福家园"),
    ("幸福家园老年食堂什么时候开放，老人吃饭不方便", "幸福家园"),
    ("滨江一号车库入口的道闸经常抬不起来", "滨江一号"),
    ("小区里的樱花树被人砍了，物业说不知道", "滨江一号"),
    ("春晖园7号楼楼梯扶手断裂，老人上下楼不安全", "春晖园"),
    ("小区下水道堵塞，一楼厨房返水", "春晖园"),
    ("春晖园的路灯晚上全部不亮，出行不便", "春晖园"),
    ("润泽园的业委会选举程序不公开，要求街道指导", "润泽园"),
    ("小区维修基金怎么申请使用，想换屋顶防水层", "润泽园"),
    ("润泽园地下室有人群租，人员复杂", "润泽园"),
    ("银杏苑小区内有人饲养鸽子，粪便弄脏了晾晒的被子", "银杏苑"),
    ("小区的绿化带里堆满了装修垃圾，没有人清运", "银杏苑"),
    ("丽景湾小区门口的公交站牌被车撞歪了", "丽景湾"),
    ("小区会所被物业出租给培训机构，业主不知情", "丽景湾"),
    ("怡和苑楼体墙面出现裂缝，担心房屋安全", "怡和苑"),
    ("小区内蚊虫太多，希望物业定期消杀", "怡和苑"),
    ("和平里小区的公共厕所年久失修，门都关不上", "和平里小区"),
    ("小区门口的菜市场早上五点就开始卸货，叫卖声很吵", "和平里小区"),
    ("和平里小区有人高空抛物，楼下车顶被砸出坑", "和平里小区"),
    ("梧桐苑的有线电视信号一直不好，画面卡顿", "梧桐苑"),
    ("咨询一下灵活就业人员社保怎么缴纳", None),
    ("想咨询新生儿医保怎么办理", None),
    ("孩子上小学的学区划分在哪里可以查到", None),
    ("公积金提取需要准备哪些材料", None),
    ("网上办理营业执照一直审核不通过", None),
    ("某快递公司的快递员私自把包裹放在驿站不送上门", None),
    ("办理居住证需要什么手续", None),
    ("退休人员养老金调整什么时候发放", None),
    ("购买的新房延期交付，开发商不给说法", None),
    ("驾驶证换证预约不上", None),
    ("商场预付卡商家跑路，钱退不回来", None),
    ("出租车司机绕路多收费", None),
    ("公园的健身步道有一段塌陷", None),
    ("某培训机构停课不退费", None),
    ("外卖骑手闯红灯太多，建议加强管理", None),
    ("共享单车乱停放在盲道上", None),
    ("医院挂号难，专家号一放出来就没了", None),
    ("某饭店卫生条件差，吃完拉肚子", None),
    ("健身房转让后不认原来的会员卡", None),
    ("学校门口上下学时段车辆拥堵，没有交警疏导", None),
    ("物业服务合同到期了，业主想换物业公司怎么办", None),
    ("房屋租赁合同纠纷，房东不退押金", None),
    ("路边井盖缺失，晚上很危险", None),
    ("农民工工资被拖欠三个月", None),
    ("小区周边的十字路口红绿灯时间太短，老人过不去马路", None),
    ("网购的电器有质量问题，商家拒绝退换", None),
    ("楼上住户养了很多花，浇水流到我家窗台", "润泽园"),
    ("小区道路上的减速带断了，车辆经过声音很大", "丽景湾"),
    ("小区篮球场晚上打球声音太大到十点多", "银杏苑"),
    ("物业收取装修押金后迟迟不退", "紫荆花园"),
    ("楼道里有人堆放杂物，还放了旧沙发", "春晖园"),
    ("小区游泳池开放时间太短", "滨江一号"),
    ("邻居在公共走廊安装摄像头对着我家门", "怡和苑"),
    ("小区门口违规设置地锁占用公共车位", "幸福家园"),
    ("单元防盗门闭门器坏了，门砰砰响", "金桂苑"),
    ("小区内的污水管道检查井盖破损", "滨江一号"),
    ("物业擅自在绿地上建停车位", "梧桐苑"),
    ("楼下商铺的招牌灯晚上太亮了", "桥东小区"),
    ("小区车辆进出登记系统经常识别不了车牌", "怡和苑"),
    ("家里的天然气管道需要改造，找谁办理", "幸福家园"),
    ("楼顶被人违法加盖了一层", "和平里小区"),
    ("小区外墙保温层大面积脱落", "银杏苑"),
    ("小区物业公司撤场了，没人管了", "春晖园"),
    ("二楼住户在一楼花园私搭乱建", "锦绣家园"),
    ("小区的大门自动门夹伤了老人", "丽景湾"),
    ("物业不让业主自己找人安装防盗网", "润泽园"),
    ("电动车充电桩收费太贵", "紫荆花园"),
    ("小区的快递驿站占用消防车道", "金桂苑"),
    ("宠物狗在小区草坪随地大小便，主人不清理", "翠园新村"),
    ("小区门口的垃圾桶满了好几天没有清运", "桥东小区"),
    ("楼上住户在阳台养鸡，味道很大", "阳光花园"),
    ("物业把公共收益用于发员工奖金，业主不同意", "滨江一号"),
    ("小区监控室没有人值班", "和平里小区"),
    ("房屋漏电跳闸，电工说是小区线路问题", "怡和苑"),
    ("小区内有人开私家车当黑车揽客", "幸福家园"),
    ("单位宿舍的产权证一直办不下来", "怡和苑"),
    ("楼栋的防火门被拆掉了", "紫荆花园"),
    ("小区的凉亭顶棚被风刮坏了", "春晖园"),
    ("想给老人申请居家养老服务", "金桂苑"),
    ("物业在电梯里张贴催缴物业费的名单，侵犯隐私", "丽景湾"),
    ("小区水景池长期不换水发臭", "润泽园"),
    ("业主群里有人造谣，要求社区澄清", "银杏苑"),
    ("小区南侧围墙倒塌了一段", "梧桐苑"),
    ("老旧小区加装电梯的补贴标准是多少", "和平里小区"),
    ("二手房交易过户需要多长时间", None),
    ("高速公路服务区收费不合理", None),
    ("手机卡被停机，营业厅说要本人去办", None),
    ("邮政包裹丢失，邮局推脱责任", None),
    ("电动车上牌需要带什么材料", None),
    ("残疾人补贴怎么申请", None),
    ("公交卡充值后余额没有到账", None),
    ("失业金领取条件是什么", None),
    ("不动产登记中心排队时间太长", None),
    ("银行乱收取账户管理费", None),
    ("违章停车罚单有误，要求复核", None),
    ("孩子疫苗接种预约不上", None),
    ("景区门票价格涨得太快", None),
    ("家电维修师傅乱收费", None),
    ("小区附近的药店卖过期药", None),
    ("网约车平台乱扣司机的钱", None),
    ("超市的鸡蛋标价和结账价格不一样", None),
    ("燃气公司上门安检收费是否合理", None),
    ("供电公司计划停电为什么不提前通知", None),
    ("水费账单比上个月多了一倍，怀疑水表有问题", "春晖园"),
    ("小区门口修路围挡占了一半车道", "滨江一号"),
    ("楼下饭馆的排风扇声音从早响到晚", "怡和苑"),
    ("邻居家孩子每天晚上练钢琴到十点", "幸福家园"),
    ("小区车棚的顶被大风掀掉了", "和平里小区"),
    ("银杏苑门口有人摆摊卖水果占用盲道", "银杏苑"),
    ("小区的消防通道被私家车堵住了", "丽景湾"),
    ("业主装修破坏了承重墙", "紫荆花园"),
    ("单元楼门口的台阶坏了，老人摔倒了", "金桂苑"),
    ("小区绿化带的树木被虫害侵蚀，叶子全黄了", "润泽园"),
    ("小区有人在楼道里烧纸，烟很大", "梧桐苑"),
    ("物业的维修工上门修水管收费太高", "桥东小区"),
    ("小区路面积雪没有清扫，老人滑倒", "阳光花园"),
    ("小区的垃圾房离我家窗户太近，要求移位", "锦绣家园"),
    ("房顶的避雷针歪了，担心打雷不安全", "翠园新村"),
    ("社区医院的疫苗门诊周末不开放", None),
    ("咨询二孩育儿补贴什么时候发放", None),
    ("小区所在路段的路灯杆倾斜", "春晖园"),
    ("楼下有人长期占用公共车位堆放废品", "润泽园"),
    ("想了解一下公租房申请条件", None),
    ("小区东门外的人行道被商户占用摆放货物", "银杏苑"),
    ("电动车在小区里骑得太快，撞了小孩", "丽景湾"),
    ("一楼住户把下水管道接到雨水管里", "滨江一号"),
    ("小区里的健身广场地面开裂", "幸福家园"),
    ("物业不公开公共维修费用明细", "金桂苑"),
    ("楼上空调冷凝水滴到我家的雨棚上，声音很大", "紫荆花园"),
    ("小区围墙外有人倾倒建筑垃圾", "怡和苑"),
    ("楼道窗户玻璃破了很久没人换", "和平里小区"),
    ("车位产权不清，开发商又要卖一次", "滨江一号"),
    ("小区里乱贴小广告，墙面很脏", "桥东小区"),
    ("门卫室的老大爷晚上不在岗", "春晖园"),
    ("小区的公共晾衣架被人拆了", "润泽园"),
    ("物业新换的保洁员打扫不干净，楼梯上都是灰", "银杏苑"),
    ("小区里面的水沟盖板缺了几块", "幸福家园"),
    ("想了解住房公积金贷款额度", None),
    ("政务大厅工作人员午休时间不办理业务", None),
    ("交通罚款缴纳后系统没有更新", None),
    ("小区外面的夜市垃圾第二天才清理", "丽景湾"),
    ("小区内有人私自改变房屋用途开了棋牌室", "紫荆花园"),
    ("家里的自来水水压太低，楼上用不了热水器", "润泽园"),
    ("我家阳台顶板渗水，墙皮脱落", "和平里小区"),
    ("咨询一下养犬登记的流程", None),
]


def _day(rng: random.Random, start: str, end: str) -> dt.date:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return a + dt.timedelta(days=rng.randint(0, (b - a).days))


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["秀英", "桂兰", "建国", "志强", "丽华", "海燕", "晓东", "春梅", "国平", "玉珍", "德明", "淑芬", "文杰", "红霞",
         "永刚", "美玲", "振华", "翠花", "立新", "雪梅", "明辉", "素琴", "宏伟", "凤英"]
PREFIXES = ["市民来电反映：", "来电人反映：", "市民来电称，", "来电反映，", "", "", "", "市民反映：", "12345热线转办：来电人称"]
SUFFIXES = ["，请尽快处理。", "，要求相关部门尽快解决，请回电。", "，希望有关部门核实处理。", "。", "，请协调解决，谢谢。",
            "，要求回复。", "。"]


def _person(rng: random.Random, used: set) -> tuple[str, str]:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randrange(10**8):08d}"
        if name not in used:
            used.add(name)
            return name, phone


def _id_number(rng: random.Random) -> str:
    return f"3206{rng.randint(10, 99)}19{rng.randint(50, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
           f"{rng.randint(100, 999)}{rng.choice('0123456789X')}"


def _wrap(rng: random.Random, text: str, source: str, name: str, phone: str) -> str:
    """The operator's framing around a caller's words (a board message as written), and now and then the
    caller's own name, phone or ID number inside the text (the importer masks them)."""
    if source == "网络留言":
        body = text + rng.choice(["。", "！", "？请领导重视。", "。"])
    else:
        body = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
    r = rng.random()
    if r < 0.08:
        body = f"我叫{name}，" + body
    elif r < 0.16:
        body += f"联系电话{phone}"
    elif r < 0.20:
        body += f"来电人{name}，手机{phone[:3]} {phone[3:7]} {phone[7:]}"
    elif r < 0.23:
        body += f"身份证号{_id_number(rng)}"
    return body


def _status(rng: random.Random, received: dt.datetime, as_of=dt.datetime(2024, 7, 1, 10)) -> tuple:
    due = received + dt.timedelta(days=5)
    r = rng.random()
    if r < 0.2 and received > as_of - dt.timedelta(days=40):
        return due, "", "", ""                                   # open
    close = received + dt.timedelta(days=rng.choice([1, 2, 3, 4, 6, 8]), hours=rng.randint(0, 8))
    if close > as_of:
        return due, "", "", ""
    revisit = close + dt.timedelta(days=1)
    answer = rng.choice(["满意", "满意", "基本满意", "不满意", "不满意", "无法联系"]) if revisit <= as_of else ""
    return due, close, revisit if answer else "", answer


def _fmt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value or "")


def rows() -> list[list[str]]:
    rng = random.Random(SEED)
    used: set = set()
    out = []
    n = 0

    def add(label, text, compound, day, category, unit, source="12345热线", repeat="否", note=""):
        nonlocal n
        n += 1
        name, phone = _person(rng, used)
        received = dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.choice([0, 10, 20, 30, 40, 50])))
        due, closed, revisited, answer = _status(rng, received)
        street = STREET.get(compound, "东湖街道" if compound == "梧桐苑" else "")
        if compound in STREET or compound == "梧桐苑":
            street = "" if rng.random() < 0.5 and compound != "梧桐苑" else street   # the registry's, else the export's
        content = _wrap(rng, text, source, name, phone)
        out.append([f"HOT{n:04d}", source, _fmt(received), category, street, "", compound or "", unit, _fmt(due),
                    _fmt(closed), _fmt(revisited), answer, repeat, name, phone, content, label, note])

    for label, g in GROUPS.items():
        for item in g["texts"]:
            text, opts = (item, {}) if isinstance(item, str) else item
            compound = opts.get("compound", g["place"] or "")
            day = dt.date.fromisoformat(opts["day"]) if "day" in opts else _day(rng, g["start"], g["end"])
            note = "one writer" if g.get("one_writer") else ("city-wide theme" if g.get("city") else "")
            add(label, text, compound, day, g["category"], g["unit"], source=opts.get("source", "12345热线"),
                repeat=opts.get("repeat", "否"), note=note)
    categories = ["环境卫生", "设施维修", "物业服务", "政策咨询", "市容管理", "消费维权", "公共安全", "房屋质量"]
    for text, compound in ONE_OFFS:
        add("", text, compound or "", _day(rng, "2024-01-02", "2024-06-29"), rng.choice(categories),
            rng.choice(["物业公司", "社区居委会", "街道办事处", "城管局", "市场监管局"]))
    # the rows in the order of their time, as an export lists them
    return sorted(out, key=lambda r: (r[2], r[0]))


def complaints(orders: list[list[str]]) -> list[list[str]]:
    """Complaints: some filed about orders of the groups (关联工单编号), some about nothing grouped."""
    rng = random.Random(SEED + 1)
    by_label: dict[str, list[list[str]]] = {}
    for r in orders:
        by_label.setdefault(r[-2], []).append(r)
    out, n = [], 0
    for label, count in (("G1", 6), ("G3", 2), ("G4", 2), ("", 5)):
        for r in rng.sample(by_label[label], count):
            n += 1
            filed = dt.datetime.strptime(r[2], "%Y-%m-%d %H:%M") + dt.timedelta(days=1)
            out.append([f"TS{n:03d}", _fmt(filed), "12345热线", "", "", r[6], "", "物业服务",
                        "已办结" if r[9] else "处理中", r[9][:10], r[0] if label else "", r[13], r[14]])
    return out


COMPLAINT_HEADERS = ["投诉编号", "投诉时间", "来源渠道", "街道", "社区", "小区", "物业公司", "投诉类别", "处理状态",
                     "办结时间", "关联工单编号", "投诉人", "联系电话"]


def write(folder: Path = HERE) -> None:
    orders = rows()
    for name, headers, data in (("messages.csv", LABEL_HEADERS, orders),
                                ("complaints.csv", COMPLAINT_HEADERS, complaints(orders)),
                                ("compounds.csv", COMPOUND_HEADERS, COMPOUNDS)):
        with open(folder / name, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            writer.writerows(data)


if __name__ == "__main__":
    write()
    print(len(rows()), "messages")
