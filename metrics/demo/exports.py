"""Demo exports for a fictional district: a compound registry, 12345-style work orders and complaints.

The files look like what street offices really receive (xlsx with real datetimes, a GB18030 CSV from
another platform, synonym headers, a few messy rows) so that the importer and the dashboard can be
shown and tested end to end without any real, personal data.
"""

from __future__ import annotations

import csv
import heapq
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random

__all__ = [
    "DEMO_DISTRICT",
    "MESSY_NOTES",
    "COMPOUND_HEADERS",
    "ORDER_HEADERS",
    "ORDER_HEADERS_SYNONYM",
    "COMPLAINT_HEADERS",
    "CATEGORIES",
    "UNMATCHED_COMPOUNDS",
    "compound_names",
    "write_demo_exports",
]

DEMO_DISTRICT = "示范区"

MESSY_NOTES = [
    "小区名含全角空格（如“阳光　花园”），约20-40条工单 / full-width space inside a compound name: matched",
    "小区名含半角空格（如“ 金桂 家园”），约20-40条工单 / ASCII spaces in and around a name: matched",
    "小区名缺少结尾“小区”（如“翠湖小区”写作“翠湖”），约20-40条工单 / missing trailing 小区: matched",
    "工单中使用台账“别名”列中的别名，约20-40条工单 / a registry alias (别名) used as the name: matched",
    "两个台账中不存在的小区名（观澜府、老粮站宿舍），各约20-40条工单 / 2 names that match nothing",
    "首年工单文件中一行工单原样重复一次 / exactly one order row repeated verbatim in the first year's file",
    "首年工单文件中2行受理时间为空 / 2 rows with a blank 受理时间 (rejected)",
    "末年12345工单文件中1行受理时间为“待定” / 1 row with an unreadable 受理时间 '待定' (rejected)",
    "末年啄木鸟平台工单中1行办结时间为“未知”，其回访随之成为未办结已回访 / 1 row with 办结时间 '未知' (warning, row "
    "kept; its revisit is then on an order not closed: a second warning)",
    "首年工单文件中1行回访结果为“非常好”（非已知取值） / 1 row with 回访结果 '非常好' (warning, row kept)",
    "约2%的诉求内容含来电号码或18位身份证号 / ~2% of 诉求内容 embed a phone or an ID number (must be masked)",
    "约5%的工单街道、社区为空 / ~5% of orders without 街道/社区 (filled from the compound)",
    "约15%的工单办结时限为空 / ~15% of orders without 办结时限 (derived from config)",
    "物业费收缴率部分为“92.5%”文本，部分为0.925小数 / fee collection rate both as '92.5%' text and as a fraction",
]

COMPOUND_HEADERS = [
    "小区名称", "别名", "街道", "社区", "小区类型", "户数", "管理模式", "物业公司", "是否成立业委会",
    "党组织类型", "党员人数", "党组织成立日期", "是否一肩挑", "物业企业是否建立党组织", "示范项目级别", "物业费收缴率",
]
ORDER_HEADERS = [
    "工单编号", "来源渠道", "受理时间", "诉求类型", "诉求类别", "街道", "社区", "小区", "承办单位", "办结时限",
    "办结时间", "回访时间", "回访结果", "是否重复诉求", "是否先行联系", "是否解决", "诉求人", "联系电话", "诉求内容",
]
# the 啄木鸟 message board's export carries its messages' titles (留言主题): the default profile maps it (`title`)
ORDER_HEADERS_TITLED = ORDER_HEADERS + ["留言主题"]
ORDER_HEADERS_SYNONYM = [
    {"受理时间": "来电时间", "诉求类别": "问题分类"}.get(h, h) for h in ORDER_HEADERS
]
COMPLAINT_HEADERS = [
    "投诉编号", "投诉时间", "来源渠道", "街道", "社区", "小区", "物业公司", "投诉类别", "处理状态", "办结时间",
    "关联工单编号", "投诉人", "联系电话",
]
_ORDER_DATE_COLS = (2, 9, 10, 11)
_TITLE = len(ORDER_HEADERS)   # an order row's title (留言主题): written to the 啄木鸟 file only
_COMPLAINT_DATE_COLS = (1, 9)

CATEGORIES = [
    "物业费用收取", "公建配套维保", "车辆管理", "邻里纠纷", "渗水漏水", "电梯",
    "供暖", "环境卫生", "绿化养护", "噪音扰民", "安全隐患", "其他",
]
# Monthly intensity (Jan..Dec) of each category: the seasons the dashboard should show.
_CATEGORY_SEASON = {
    "物业费用收取": [17, 11, 8, 7, 7, 7, 7, 7, 7, 8, 11, 17],
    "公建配套维保": [10] * 12,
    "车辆管理": [12] * 12,
    "邻里纠纷": [7, 7, 8, 8, 9, 9, 10, 10, 9, 8, 7, 7],
    "渗水漏水": [3, 3, 4, 5, 9, 21, 24, 20, 9, 5, 3, 3],
    "电梯": [7] * 12,
    "供暖": [13, 10, 2.5, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 1.5, 9, 13],
    "环境卫生": [9, 9, 10, 10, 11, 13, 13, 13, 11, 10, 9, 9],
    "绿化养护": [3, 3, 6, 7, 7, 7, 7, 6, 5, 4, 3, 3],
    "噪音扰民": [6, 6, 6, 7, 8, 10, 10, 10, 8, 7, 6, 6],
    "安全隐患": [5] * 12,
    "其他": [6] * 12,
}
# Deadline per category, the same values as config.yaml time_limits: ("h", minutes) or ("w", working days).
_DUE = {
    "渗水漏水": ("w", 3), "电梯": ("h", 24 * 60), "供暖": ("h", 48 * 60),
    "邻里纠纷": ("w", 10), "物业费用收取": ("w", 10),
}
_SOURCES = ["12345平台", "啄木鸟平台", "网格上报", "信访", "物业自报"]
_SOURCE_W = [70, 12, 9, 3, 6]
_ZMN = "啄木鸟平台"
_REQUEST_TYPES = ["投诉", "求助", "咨询", "建议", "举报", "表扬"]
_REQUEST_W = [45, 25, 15, 7, 5, 3]
_COMPLAINT_SOURCES = ["12345平台", "来访", "信访", "网络平台"]
_COMPLAINT_SOURCE_W = [60, 15, 10, 15]

_KINDS = ["商品房小区", "安置房小区", "老旧小区", "单位宿舍"]
_MODES = ["物业服务企业管理", "连片管理", "业主自治", "社区兜底"]
_MODE_BY_KIND = {
    "商品房小区": [85, 10, 5, 0],
    "安置房小区": [50, 25, 5, 20],
    "老旧小区": [10, 25, 25, 40],
    "单位宿舍": [15, 15, 40, 30],
}
_STREET_STEMS = ["枫澜", "栖梧", "望舒", "映川", "澄霁", "柏溪", "鹤汀"]
_COMMUNITY_STEMS = [
    "春晖", "长青", "兴隆", "新桥", "东园", "西苑", "南湖", "北辰", "民安", "康宁", "永宁", "瑞丰", "福泰",
    "文昌", "玉泉", "安澜", "丹桂", "翠竹", "梅岭", "松涛", "白鹭", "芙蓉", "桂香", "金沙", "银湖", "青山",
    "秀水", "龙泉", "凤凰", "杏林",
]
_COMPANY_STEMS = [
    "瑞禾", "恒悦", "嘉诚", "锦程", "安泰", "和顺", "润邦", "宜居", "鑫源", "康居", "弘安", "邻里通",
    "昊天", "永拓", "澜庭", "致远",
]
_COMMERCIAL_STEMS = [
    "阳光", "翠湖", "锦绣", "金色", "香樟", "碧水", "紫荆", "梧桐", "丽景", "滨江", "御景", "东方", "世纪",
    "幸福", "和谐", "康乐", "怡景", "银杏", "书香", "春江", "明珠", "学府", "泰和", "瑞景", "天悦", "星河",
    "蓝湾", "金桂", "丹枫", "青竹", "清风", "万福", "永安", "盛世", "江南", "水岸", "桃源", "绿洲", "长乐",
    "福润", "嘉禾", "凤鸣", "鹭洲", "玉兰", "兰亭", "君悦", "凯旋", "朝阳", "锦华", "香榭", "荷塘", "映月",
    "柳岸", "枫林", "海棠", "晨曦", "天鹅", "望江", "滨湖", "花溪", "银河", "宏图", "翡翠", "静安", "悦澜",
    "云顶", "华府", "尚城", "龙湖", "金域",
]
_COMMERCIAL_SUFFIXES = ["花园", "小区", "家园", "苑", "公寓", "名苑", "雅苑", "嘉园", "新城", "华庭"]
_VILLAGE_STEMS = [
    "张庄", "李营", "王家湾", "陈桥", "刘圩", "赵店", "周墩", "何庄", "孙集", "马店", "杨湾", "吴塘", "郑楼",
    "徐圩", "高桥", "胡庄", "朱湾", "沈庄", "韩营", "钱家坝", "唐集", "冯庄", "董桥", "薛湾",
]
_RESETTLEMENT_SUFFIXES = ["新村", "家园", "小区", "佳苑", "安置小区", "新苑"]
_OLD_STEMS = [
    "人民", "解放", "建设", "工农", "红旗", "胜利", "跃进", "东风", "前进", "团结", "光明", "向阳", "新华",
    "民主", "和平", "文化", "五一", "友谊", "卫东", "朝晖", "东湖", "西门", "南门", "北门", "健康",
]
_OLD_SUFFIXES = ["新村", "小区", "一村", "二村", "三村", "北村", "南村"]
_WORK_UNITS = [
    "纺织厂", "粮食局", "水利局", "供电公司", "农机厂", "丝绸厂", "化肥厂", "机械厂", "棉纺厂", "第二中学",
    "人民医院", "邮电局", "自来水公司", "交通局", "印刷厂", "酿酒厂", "电机厂", "税务局", "教育局",
    "商业局", "物资局", "轴承厂", "食品公司", "气象局", "卫生局", "农业银行", "造纸厂", "玻璃厂",
]
_WORK_SUFFIXES = ["宿舍", "家属院", "宿舍区", "小区"]
_PHASES = ["二期", "三期", "四期", "五期", "六期", "七期", "八期", "九期"]
UNMATCHED_COMPOUNDS = ["观澜府", "老粮站宿舍"]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
_GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "玉兰", "海燕", "国庆", "红梅", "晓东", "建国",
    "丽华", "文博", "子涵", "欣怡", "浩然", "宇轩", "雨桐", "春梅", "德明",
]
_MOBILE_PREFIXES = [str(p) for p in (*range(130, 140), *range(150, 160), *range(180, 190)) if p != 154]
_CONTENT = {
    "物业费用收取": ["物业费收费标准不透明，要求公示收支明细", "物业公司上调物业费未经业主大会表决",
                 "{b}号楼业主反映物业费催缴方式不当", "停车费与物业费捆绑收取，要求说明依据", "物业费发票迟迟未开具"],
    "公建配套维保": ["{b}号楼单元门禁损坏，长期无人维修", "小区路灯多处不亮，夜间出行不便", "{b}号楼楼道声控灯损坏",
                 "小区健身器材损坏存在隐患", "雨水井盖破损，请求尽快更换"],
    "车辆管理": ["小区内车辆乱停乱放，消防通道被占用", "电动车在楼道内充电，存在安全隐患", "外来车辆随意进出小区",
             "地下车库道闸故障，车辆无法进出", "{b}号楼门前长期停放僵尸车"],
    "邻里纠纷": ["{b}号楼住户装修占用公共部位", "邻居在楼道堆放杂物，协商无果", "邻居饲养宠物扰民，协调未果",
             "{b}号楼住户私搭乱建影响采光"],
    "渗水漏水": ["{b}号楼顶层屋面渗水，墙面发霉", "{b}号楼外墙渗水，雨天室内漏水", "楼上卫生间漏水至楼下住户",
             "地下车库顶板渗漏严重", "{b}号楼雨水管破裂，单元内积水"],
    "电梯": ["{b}号楼电梯频繁故障停运", "{b}号楼电梯困人，救援不及时", "电梯运行异响，担心安全", "{b}号楼电梯年检标志过期"],
    "供暖": ["{b}号楼室内温度不达标，暖气不热", "供暖管道漏水，家中暖气停止", "{b}号楼整栋停暖，请求尽快恢复",
           "暖气片不热，多次报修未处理"],
    "环境卫生": ["小区垃圾清运不及时，异味严重", "{b}号楼楼道卫生长期无人打扫", "垃圾分类投放点管理混乱", "小区化粪池堵塞外溢"],
    "绿化养护": ["小区绿化带杂草丛生，无人修剪", "{b}号楼前树木遮挡采光，请求修剪", "公共绿地被毁改种菜地", "枯死树木存在倒伏隐患"],
    "噪音扰民": ["{b}号楼住户夜间装修噪音扰民", "小区广场舞音响声音过大", "商铺空调外机噪音扰民", "夜间施工噪音影响休息"],
    "安全隐患": ["{b}号楼消防通道堵塞", "小区消防栓无水，设施缺失", "{b}号楼外墙瓷砖脱落存在隐患", "小区监控设备长期损坏"],
    "其他": ["咨询老旧小区改造政策", "咨询加装电梯补贴办理流程", "要求公开小区公共收益", "反映业委会换届程序问题"],
}
_PRAISE = ["表扬物业工作人员及时处理{c}问题", "感谢社区和物业快速解决{c}问题", "对{c}问题的处理结果表示满意，特此表扬"]
_ID_REGIONS = ["320602", "320611", "320612", "320621", "320623", "320681", "320684", "320685"]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


# 集中诉求 (hot issues, metrics.hot): what residents write, in their own words. Each order's text comes from its
# category's sentence (as before) dressed in the hotline's varied boilerplate; a few concrete problems of one compound
# each (_STORIES) are written by many residents, each in their own words, over weeks; one resident calls again and
# again about one neighbour (not a hot issue: one voice); and a city-wide topic (_THEME) is written from everywhere.
# Drawn from a Random of their own: the orders, dates, outcomes and complaints are those of the demo without them;
# only a story's orders take the story's category.
_OPENERS = ["", "", "", "市民来电反映：", "来电人称，", "网友留言：", "市民反映：", "业主反映，", "居民来电：", "您好，"]
_CLOSERS = ["", "。", "，请尽快处理。", "，要求回电。", "，希望有关部门核实处理。", "，请协调解决，谢谢。", "，望尽快解决。",
            "！", "，麻烦帮忙处理一下。"]
# A one-off's words: its category's things and what is wrong with them, and a circumstance (drawn apart, so that two
# residents of one compound rarely write the same thing by chance; the stock sentences above stay the pool an order's
# draw is made from, so the demo's other figures do not move).
_ONE_OFF = {
    "物业费用收取": (["物业费", "停车费", "公摊水电费", "电梯费", "装修押金", "垃圾清运费", "物业费发票", "维修基金"],
                 ["收费标准不透明", "催缴方式不当", "涨价没有说明", "重复收取", "迟迟不开票", "账目不公开", "捆绑收取"]),
    "公建配套维保": (["单元门禁", "路灯", "楼道声控灯", "健身器材", "雨水井盖", "信报箱", "围墙", "车棚", "快递柜",
                 "楼梯扶手", "凉亭", "小区大门"], ["损坏", "不亮", "失灵", "破损", "松动", "生锈", "脱落", "坏了很久"]),
    "车辆管理": (["消防通道", "楼道电动车", "外来车辆", "车库道闸", "僵尸车", "非机动车棚", "访客车位", "地锁"],
             ["被占用", "乱停乱放", "随意进出", "故障", "长期停放", "私自安装", "充电不安全"]),
    "邻里纠纷": (["装修", "楼道杂物", "宠物", "私搭乱建", "空调外机", "晾衣架", "楼顶菜园", "门口鞋柜"],
             ["占用公共部位", "协商无果", "影响采光", "影响通行", "扰民", "滴水到楼下", "堵住消防通道"]),
    "渗水漏水": (["顶层屋面", "外墙", "卫生间", "厨房下水", "雨水管", "阳台", "窗台", "水表井"],
             ["渗水", "漏水", "发霉", "破裂", "返水", "滴水", "积水"]),
    "电梯": (["电梯", "轿厢按钮", "厅门", "轿厢照明", "紧急对讲", "曳引机", "楼层显示屏", "电梯井"],
           ["频繁故障", "困人", "运行异响", "年检过期", "关不上", "不亮", "没有信号", "抖动", "停运", "进水"]),
    "供暖": (["暖气", "暖气片", "供暖管道", "地暖", "分户阀门", "暖气费"], ["不热", "漏水", "停暖", "温度不达标", "异响", "跑水"]),
    "环境卫生": (["垃圾桶", "楼道卫生", "垃圾分类点", "化粪池", "下水道", "绿化带垃圾", "建筑垃圾", "小广告"],
             ["清运不及时", "异味严重", "无人打扫", "管理混乱", "堵塞外溢", "乱堆乱放", "到处乱贴"]),
    "绿化养护": (["绿化带", "楼前树木", "公共绿地", "枯树", "草坪", "花坛", "树枝"],
             ["杂草丛生", "遮挡采光", "被毁种菜", "有倒伏隐患", "无人修剪", "虫害严重", "挡住路灯"]),
    "噪音扰民": (["夜间装修", "商铺空调外机", "夜间施工", "楼上住户", "水泵房", "变压器", "早市叫卖"],
             ["噪音扰民", "声音过大", "影响休息", "半夜还在响", "嗡嗡作响", "天不亮就吵"]),
    "安全隐患": (["消防栓", "外墙瓷砖", "监控设备", "楼道电线", "灭火器", "窨井盖", "防盗门"],
             ["无水", "脱落", "长期损坏", "私拉乱接", "过期", "缺失", "存在隐患"]),
    "其他": (["老旧小区改造", "加装电梯补贴", "公共收益", "业委会换届", "门牌号", "二次供水", "社区活动室"],
           ["政策咨询", "办理流程", "要求公开", "程序问题", "怎么申请", "何时开放"]),
}
# what else a resident says (often nothing; words no problem is told by, so they link no two messages)
_CIRCUMSTANCES = ["", "", "", "", "", "已经一个多月了", "好几次了", "之前说过", "一直这样", "现在还是这样"]
_THANKS = ["感谢物业及时处理了{o}的问题", "表扬物业工作人员，{o}很快就修好了", "对{o}问题的处理结果很满意", "谢谢社区帮忙解决{o}"]
# (key, category, the compound: rank among the compounds of that kind by size, first day, last day (day offsets from
# the last year's 1 January, negative: from its 31 December), orders wanted, title, the ways residents put it)
_STORIES = [
    ("mixing_plant", "噪音扰民", ("商品房小区", 1), -70, -2, 40, "小区东侧搅拌站夜间施工扰民", [
        "小区东侧的混凝土搅拌站夜间施工，噪音太大根本睡不着", "旁边搅拌站半夜还在作业，轰隆隆的，老人孩子都休息不好",
        "搅拌站晚上运料的大车进进出出，噪音加粉尘，窗户都不敢开", "强烈要求东边的搅拌站停止夜间生产",
        "夜里十二点了搅拌站还在响，连续好几个星期了", "小区东门外搅拌站夜间作业噪声扰民，多次反映没有结果",
        "搅拌站灰尘太大，阳台上全是水泥灰，晚上还吵", "混凝土搅拌站凌晨施工，严重影响休息，请环保部门查一查",
        "东侧搅拌站罐车半夜轰鸣，孩子被吵醒好几次", "搅拌站夜间施工有没有许可？噪音扰民很严重",
        "家住东边楼栋，每天晚上被搅拌站的噪音吵得失眠", "搅拌站的机器声和车声整夜不停，要求限制作业时间"]),
    ("garage_water", "渗水漏水", ("安置房小区", 0), 160, 236, 30, "地下车库雨后积水严重", [
        "一下雨地下车库就积水，车都泡了", "地下车库积水半尺深，排水泵好像坏了",
        "车库入口下雨倒灌，车子进不去出不来", "地下车库排水沟堵塞，每次下雨都积水",
        "雨后地下车库一片汪洋，电动车被淹，物业不管", "地下车库积水发臭，墙面渗水，要求彻底维修排水",
        "车库积水问题反映多次了，物业只会拿扫把扫水", "暴雨后地下停车场进水，车辆受损谁负责",
        "地下车库顶板漏水加上地面积水，停车很危险", "车库集水井水泵不工作，积水排不出去"]),
    ("lift_b3", "电梯", ("商品房小区", 3), -45, 0, 25, "3号楼电梯反复停运", [
        "3号楼电梯又停了，一个月坏了好几次", "3号楼电梯反复故障停运，老人爬十几层楼",
        "3号楼的电梯三天两头坏，维保单位修了又坏", "三号楼电梯停运一周了还没修好",
        "3号楼电梯经常停在半层，门打不开，太吓人", "3号楼电梯故障频繁，要求更换电梯主板",
        "3号楼电梯坏了没人修，孕妇和老人上下楼困难", "3号楼电梯又困人了，请检查这部电梯的安全"]),
    ("transfer_station", "环境卫生", ("老旧小区", 0), 243, 333, 30, "垃圾中转站异味扰民", [
        "小区门口的垃圾中转站臭味很大，夏天更严重", "垃圾中转站离居民楼太近，异味熏人，要求搬迁",
        "垃圾中转站清运不及时，污水横流，气味难闻", "中转站的垃圾车半夜作业，臭气和噪音都有",
        "垃圾中转站周边苍蝇蚊子很多，臭味进家里", "要求对垃圾中转站除臭，味道太大不能开窗",
        "小区旁垃圾中转站渗滤液流到路上，很臭", "垃圾中转站每天都有异味，老人小孩不敢出门"]),
    ("square_dance", "噪音扰民", ("商品房小区", 6), -30, 0, 12, "中心广场广场舞音响声音过大", [
        "小区中心广场的广场舞音响开得太大，晚上吵", "广场舞音乐声音太大，一直跳到晚上十点",
        "中心广场跳舞的音响扰民，希望调小音量", "每天晚上广场舞的音响太吵，孩子没法写作业",
        "广场舞外放音响噪音大，协商无果"]),
    ("fee_rise", "物业费用收取", ("商品房小区", 2), -600, -540, 20, "物业费上涨未经业主表决", [
        "物业公司突然上调物业费，没有开业主大会", "物业费涨价没有经过业主表决，要求说明依据",
        "物业费从每平米一块五涨到两块，业主不同意", "物业擅自涨物业费，服务却越来越差",
        "物业费上调未公示也未征求业主意见", "不同意物业费上涨，要求公开收支"]),
]
_REPEAT_CALLER = ("商品房小区", 4, -20, -16, 5, "邻里纠纷", "楼上住户家的狗每天半夜叫，吵得睡不着，协商无果")
_THEME = ("其他", 243, 0, 60, "建议增开公交线路", [
    "建议增开到市区的公交线路", "希望加快地铁建设，出行太不方便", "建议增加公交班次，早晚高峰等车太久",
    "建议开通社区到地铁站的接驳公交", "公交站点太远，建议增设站点", "建议优化公交线路，方便老人出行"])


class _Texts:
    """The text of every order (see _STORIES above), from a Random of its own."""

    def __init__(self, seed, compounds, cal, start_year, years, orders_per_year, base_w):
        self.rng = Random(f"{seed}:texts")
        last = date(start_year + years - 1, 1, 1)
        end = date(start_year + years - 1, 12, 31)
        total_w = sum(base_w)

        def day(offset: int) -> int:
            when = (end + timedelta(days=offset)) if offset <= 0 else last + timedelta(days=offset)
            return (max(when, date(start_year, 1, 1)) - cal.base).days

        def compound(kind: str, rank: int) -> int:
            of_kind = sorted((i for i, c in enumerate(compounds) if c.kind == kind),
                             key=lambda i: (-compounds[i].households, compounds[i].name))
            if not of_kind:
                of_kind = sorted(range(len(compounds)), key=lambda i: (-compounds[i].households, compounds[i].name))
            return of_kind[min(rank, len(of_kind) - 1)]

        def rate(i: int, first: int, last_day: int, wanted: int) -> float:
            per_day = base_w[i] / total_w * orders_per_year / 365
            return min(0.9, wanted / max(1.0, per_day * (last_day - first + 1)))

        self.stories = {}   # compound -> [(first day, last day, probability, category, title, phrasings)]
        taken = set()
        for _key, cat, (kind, rank), first, last_day, wanted, title, phrasings in _STORIES:
            i = compound(kind, rank)
            while i in taken:
                rank += 1
                i = compound(kind, rank)
            taken.add(i)
            d0, d1 = day(first), day(last_day)
            self.stories.setdefault(i, []).append((d0, d1, rate(i, d0, d1, wanted), cat, title, phrasings))
        kind, rank, first, last_day, calls, cat, text = _REPEAT_CALLER
        i = compound(kind, rank)
        while i in taken:
            rank += 1
            i = compound(kind, rank)
        d0, d1 = day(first), day(last_day)
        self.stories.setdefault(i, []).append((d0, d1, rate(i, d0, d1, calls), cat, "楼上邻居的狗半夜叫", [text]))
        cat, first, last_day, wanted, title, phrasings = _THEME
        self.theme = (day(first), day(last_day), wanted / max(1.0, orders_per_year / 365 * (day(last_day) - day(first) + 1)),
                      cat, title, phrasings)
        self.notes = [(compounds[i].name, cat, title) for i, spans in self.stories.items() for *_, cat, title, _p in spans]

    def dress(self, text: str) -> str:
        """A sentence in the hotline's varied boilerplate."""
        rng = self.rng
        return rng.choice(_OPENERS) + text + rng.choice(_CLOSERS)

    def one_off(self, category: str, praise: bool) -> tuple[str, str]:
        """A one-off's (text, title): a thing of its category, what is wrong, a circumstance, maybe a building."""
        rng = self.rng
        things, faults = _ONE_OFF[category]
        thing = rng.choice(things)
        if praise:
            core = rng.choice(_THANKS).format(o=thing)
            return self.dress(core), ""
        where = f"{rng.randint(1, 30)}号楼" if rng.random() < 0.4 else rng.choice(["", "小区", "我们小区", "家里"])
        core = where + thing + rng.choice(faults)
        circumstance = rng.choice(_CIRCUMSTANCES)
        title = core if rng.random() < 0.5 else ""
        return self.dress(core + ("，" + circumstance if circumstance else "")), title

    def story(self, c: int, d: int):
        """(text, category, title) when the order at compound `c` on day `d` is one of a story's, else None."""
        for spans in (self.stories.get(c, ()), (self.theme,)):
            for d0, d1, p, cat, title, phrasings in spans:
                if d0 <= d <= d1 and self.rng.random() < p:
                    if len(phrasings) == 1:   # the repeat caller: the same words each time
                        return phrasings[0], cat, title
                    return self.dress(self.rng.choice(phrasings)), cat, title
        return None


@dataclass
class _Compound:
    name: str
    stem: str
    suffix: str
    street: str
    community: str
    kind: str
    households: int
    mode: str
    company: str = ""
    aliases: tuple[str, ...] = ()
    alias_sep: str = "、"
    committee: bool = False
    party_type: str = "无"
    members: int = 0
    founded: date | None = None
    dual_role: str = ""
    company_party: str = ""
    model_level: str = "无"
    fee_rate: float | None = None
    fee_as_text: bool = False
    q: float = 0.5
    q_after: float | None = None


def _norm(name: str) -> str:
    """Name as the importer compares it (spaces and full-width forms ignored), to keep names distinct."""
    out = []
    for ch in name:
        o = ord(ch)
        if ch.isspace() or o == 0x3000:
            continue
        out.append(chr(o - 0xFEE0) if 0xFF01 <= o <= 0xFF5E else ch)
    return "".join(out).lower()


def _build_district(seed: int, n: int, start_year: int, years: int) -> tuple[list[str], list[_Compound]]:
    """The fictional district: streets, communities, companies and compounds with a hidden quality score."""
    if n < 12:
        raise ValueError("n_compounds must be at least 12")
    rng = Random(f"{seed}:district")
    streets = [s + "街道" for s in rng.sample(_STREET_STEMS, rng.randint(4, 6))]
    comm_stems = rng.sample(_COMMUNITY_STEMS, len(_COMMUNITY_STEMS))
    communities: list[tuple[str, str]] = []
    for street in streets:
        for _ in range(rng.randint(3, 5)):
            communities.append((street, comm_stems.pop() + "社区"))
    companies = [s + "物业服务有限公司" for s in rng.sample(_COMPANY_STEMS, rng.randint(10, 15))]
    company_w = [max(0.6, 7.0 - 1.3 * i) for i in range(len(companies))]
    company_q = {c: rng.uniform(-0.12, 0.12) for c in companies}
    for c in rng.sample(companies, 2):
        company_q[c] = -0.2
    cluster_company = {s: rng.choice(companies[:6]) for s in streets}

    kinds = _KINDS + rng.choices(_KINDS, weights=[45, 20, 25, 10], k=n - len(_KINDS))
    rng.shuffle(kinds)
    used: set[str] = set()
    compounds: list[_Compound] = []
    for i, kind in enumerate(kinds):
        street, community = communities[i] if i < len(communities) else rng.choice(communities)
        stem, suffix = _pick_name(rng, kind, used)
        lo, hi = {"商品房小区": (300, 3000), "安置房小区": (400, 2500), "老旧小区": (80, 900), "单位宿舍": (80, 400)}[kind]
        households = int(lo + (hi - lo) * rng.random() ** 1.6)
        mode = rng.choices(_MODES, weights=_MODE_BY_KIND[kind])[0]
        compounds.append(_Compound(stem + suffix, stem, suffix, street, community, kind, households, mode))
    for mode, kind in zip(_MODES, ["商品房小区", "安置房小区", "单位宿舍", "老旧小区"]):
        if not any(c.mode == mode for c in compounds):
            rng.choice([c for c in compounds if c.kind == kind]).mode = mode

    for c in compounds:
        if c.mode == "物业服务企业管理":
            c.company = rng.choices(companies, weights=company_w)[0]
        elif c.mode == "连片管理":
            c.company = cluster_company[c.street]
        c.committee = rng.random() < {"商品房小区": 0.7, "安置房小区": 0.4, "老旧小区": 0.2, "单位宿舍": 0.15}[c.kind]
        factor = 1.6 if c.kind in ("老旧小区", "单位宿舍") else 1.0
        c.members = 0 if rng.random() < 0.08 else min(60, round(c.households / 55 * rng.uniform(0.4, 1.6) * factor))
        if c.members >= 3:
            weights = [74, 12, 5, 9]
        elif c.members == 0:
            weights = [0, 30, 10, 60]
        else:
            weights = [0, 35, 40, 25]
        c.party_type = rng.choices(["独立党支部", "联合党支部", "党小组", "无"], weights=weights)[0]
        if c.party_type != "无":
            earliest = date(start_year - 12, 1, 1)
            c.founded = earliest + timedelta(days=rng.randrange((date(start_year - 1, 12, 31) - earliest).days))
        c.company_party = ("是" if rng.random() < 0.45 else "否") if c.company else ""
        base = {"物业服务企业管理": 0.58, "连片管理": 0.52, "业主自治": 0.45, "社区兜底": 0.36}[c.mode]
        base += {"商品房小区": 0.08, "安置房小区": -0.04, "老旧小区": -0.08, "单位宿舍": -0.04}[c.kind]
        base += company_q.get(c.company, 0.0)
        base += {"独立党支部": 0.08, "联合党支部": 0.04, "党小组": 0.02, "无": 0.0}[c.party_type]
        c.q = min(0.97, max(0.08, base + rng.gauss(0, 0.09)))
    if not any(c.members >= 3 and c.party_type != "独立党支部" for c in compounds):
        rng.choice([c for c in compounds if c.members >= 3]).party_type = "无"

    order = list(range(n))
    rng.shuffle(order)
    eligible = [i for i in order if compounds[i].members >= 3 and compounds[i].households >= 250]
    founding = eligible[: max(3, round(n / 35))]
    period = (date(start_year + years - 1, 12, 31) - date(start_year, 1, 1)).days
    margin = 120 if years > 1 else 90
    for i in founding:
        c = compounds[i]
        c.party_type = "独立党支部"
        c.founded = date(start_year, 1, 1) + timedelta(days=rng.randint(margin, period - margin))
        c.q = rng.uniform(0.15, 0.3)
        c.q_after = c.q + 0.35
    black = [i for i in order if i not in founding and compounds[i].company][: max(5, n // 20)]
    for i in black:
        compounds[i].q = rng.uniform(0.05, 0.16)

    by_q = sorted((i for i in range(n) if i not in founding and i not in black), key=lambda i: -compounds[i].q)
    scale = n / 120
    n_prov, n_city, n_dist = max(1, round(1.5 * scale)), max(1, round(4 * scale)), max(1, round(8 * scale))
    for rank, i in enumerate(by_q[: n_prov + n_city + n_dist]):
        compounds[i].model_level = "省级" if rank < n_prov else "市级" if rank < n_prov + n_city else "区级"

    for c in compounds:
        if c.party_type != "无" and c.committee:
            c.dual_role = "是" if rng.random() < 0.35 else "否"
        q_now = c.q_after if c.q_after is not None else c.q
        if c.mode != "社区兜底" or rng.random() < 0.5:
            c.fee_rate = round(min(0.995, max(0.4, 0.55 + 0.42 * q_now + rng.gauss(0, 0.04))), 3)
            c.fee_as_text = rng.random() < 0.5

    names = {_norm(c.name) for c in compounds} | {_norm(u) for u in UNMATCHED_COMPOUNDS}
    for c in compounds:
        if rng.random() >= 0.12:
            continue
        candidates = [c.stem + s for s in ("小区", "花园", "新村", "家园") if s != c.suffix]
        candidates += [c.name + "一期", "老" + c.stem + "小区"]
        aliases, wanted = [], 2 if rng.random() < 0.35 else 1
        for a in rng.sample(candidates, len(candidates)):
            if _norm(a) not in names:
                aliases.append(a)
                names.add(_norm(a))
            if len(aliases) == wanted:
                break
        c.aliases = tuple(aliases)
        c.alias_sep = rng.choice(["、", ";", "；"])
    compounds.sort(key=lambda c: (streets.index(c.street), c.community, c.name))
    return streets, compounds


def _pick_name(rng: Random, kind: str, used: set[str]) -> tuple[str, str]:
    """A unique, plausible compound name for the kind, split into stem and suffix."""
    stems, suffixes = {
        "商品房小区": (_COMMERCIAL_STEMS, _COMMERCIAL_SUFFIXES),
        "安置房小区": (_VILLAGE_STEMS, _RESETTLEMENT_SUFFIXES),
        "老旧小区": (_OLD_STEMS, _OLD_SUFFIXES),
        "单位宿舍": (_WORK_UNITS, _WORK_SUFFIXES),
    }[kind]
    for attempt in range(60):
        stem, suffix = rng.choice(stems), rng.choice(suffixes)
        if attempt >= 30:
            stem = stem + rng.choice(_PHASES[:3]) if kind == "单位宿舍" else stem
            suffix = suffix if kind == "单位宿舍" else suffix + rng.choice(_PHASES)
        if _norm(stem + suffix) not in used and stem + suffix not in UNMATCHED_COMPOUNDS:
            used.add(_norm(stem + suffix))
            return stem, suffix
    k = 2
    while _norm(f"{stem}{k}号{suffix}") in used:
        k += 1
    used.add(_norm(f"{stem}{k}号{suffix}"))
    return f"{stem}{k}号", suffix


def compound_names(n: int, seed: int = 42) -> list[str]:
    """Registry names of the demo district, so tests can refer to real demo compounds."""
    return [c.name for c in _build_district(seed, n, 2024, 2)[1]]


class _Calendar:
    """Minute clock from 1 January of the first year, with precomputed texts to keep per-row cost low."""

    def __init__(self, start_year: int, years: int):
        self.base = date(start_year, 1, 1)
        self.end_day = (date(start_year + years - 1, 12, 31) - self.base).days
        self.export_m = self.end_day * 1440 + 18 * 60
        n_days = self.end_day + 90
        days = [self.base + timedelta(days=i) for i in range(n_days)]
        self.days = days
        self.ymd = [d.strftime("%Y%m%d") for d in days]
        self.iso = [d.isoformat() + " " for d in days]
        self.slash = [f"{d.year}/{d.month}/{d.day} " for d in days]
        self.month = [(d.year - start_year) * 12 + d.month - 1 for d in days]
        self.hm_iso = [f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)]
        self.hm_slash = [f"{m // 60}:{m % 60:02d}" for m in range(1440)]
        self.serial0 = (self.base - date(1899, 12, 30)).days
        work = [self._is_workday(d) for d in days]
        nxt = [0] * n_days
        following = n_days + 400
        for i in range(n_days - 1, -1, -1):
            nxt[i] = following
            if work[i]:
                following = i
        self.wd_after = {}
        for k in (3, 5, 10):
            arr = []
            for i in range(self.end_day + 1):
                j = i
                for _ in range(k):
                    j = nxt[j]
                arr.append(j)
            self.wd_after[k] = arr

    @staticmethod
    def _is_workday(d: date) -> bool:
        """Chinese holiday calendar where known (make-up days included), weekdays otherwise."""
        try:
            import chinese_calendar

            return chinese_calendar.is_workday(d)
        except (ImportError, NotImplementedError):
            return d.weekday() < 5

    def fmt_iso(self, m: int) -> str:
        return self.iso[m // 1440] + self.hm_iso[m % 1440]

    def fmt_slash(self, m: int) -> str:
        return self.slash[m // 1440] + self.hm_slash[m % 1440]

    def serial(self, m: int) -> float:
        return self.serial0 + m / 1440


class _CsvOut:
    """Streams rows to a CSV, turning minute stamps into the platform's date text."""

    def __init__(self, path: Path, headers: list[str], encoding: str, fmt, date_cols):
        self.f = open(path, "w", encoding=encoding, newline="")
        self.w = csv.writer(self.f)
        self.w.writerow(headers)
        self.fmt, self.date_cols, self.rows = fmt, date_cols, 0

    def write(self, row: list) -> None:
        fmt = self.fmt
        for j in self.date_cols:
            v = row[j]
            if v.__class__ is int:
                row[j] = fmt(v)
        self.w.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self.f.close()


class _XlsxOut:
    """Streams rows to an xlsx sheet (constant memory), dates as real Excel datetimes."""

    def __init__(self, path: Path, sheet: str, headers: list[str], cal: _Calendar, date_cols, widths=None):
        import xlsxwriter

        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.ws = self.wb.add_worksheet(sheet)
        self.dt = self.wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for j, w in enumerate(widths or []):
            self.ws.set_column(j, j, w)
        self.ws.write_row(0, 0, headers)
        self.cal, self.date_cols, self.rows = cal, frozenset(date_cols), 0

    def write(self, row: list) -> None:
        self.rows += 1
        r, ws, dates = self.rows, self.ws, self.date_cols
        for j, v in enumerate(row):
            if v == "":
                continue
            if j in dates and v.__class__ is int:
                ws.write_number(r, j, self.cal.serial0 + v / 1440, self.dt)
            else:
                ws.write_string(r, j, v)

    def close(self) -> None:
        self.wb.close()


def _write_registry(path: Path, compounds: list[_Compound]) -> None:
    """The compound registry (台账) in the template layout."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("小区台账")
    dfmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, COMPOUND_HEADERS)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 22)
    ws.set_column(7, 7, 22)
    for r, c in enumerate(compounds, start=1):
        values = [c.name, c.alias_sep.join(c.aliases), c.street, c.community, c.kind, c.households, c.mode,
                  c.company, "是" if c.committee else "否", c.party_type, c.members, c.founded, c.dual_role,
                  c.company_party, c.model_level, None]
        for j, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, date):
                ws.write_datetime(r, j, v, dfmt)
            elif isinstance(v, int):
                ws.write_number(r, j, v)
            else:
                ws.write_string(r, j, v)
        if c.fee_rate is not None:
            if c.fee_as_text:
                ws.write_string(r, 15, f"{c.fee_rate * 100:.1f}%")
            else:
                ws.write_number(r, 15, c.fee_rate)
    wb.close()


def _fake_id(rng: Random) -> str:
    """A fake 18-digit resident ID with a valid check digit, so masking rules are really exercised."""
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    body = rng.choice(_ID_REGIONS) + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    check = "10X98765432"[sum(int(a) * b for a, b in zip(body, _ID_WEIGHTS)) % 11]
    return body + check


def _snap(m: int) -> int:
    """Moves a closing or filing stamp out of the night into office hours."""
    tod = m % 1440
    if tod > 1290:
        return m + 1440 - tod + 480 + (tod & 255)
    if tod < 480:
        return m + 480 - tod + (tod & 255)
    return m


def write_demo_exports(
    folder: Path,
    *,
    seed: int = 42,
    n_compounds: int = 120,
    start_year: int = 2024,
    years: int = 2,
    orders_per_year: int = 30000,
    messy: bool = True,
    order_format: str = "mixed",
) -> list[tuple[str, Path]]:
    """Writes the demo exports; returns [(kind, path)] in the order they must be imported: compounds first, then work_orders files, then complaints.

    order_format "mixed" writes xlsx per year (synonym headers after the first year) plus a GB18030 CSV of
    the last year's 啄木鸟 orders; "csv" streams one UTF-8 CSV per year (and the complaints as CSV), for
    benchmarks at millions of rows.
    """
    if order_format not in ("mixed", "csv"):
        raise ValueError("order_format must be 'mixed' or 'csv'")
    if years < 1 or orders_per_year < 100:
        raise ValueError("need years >= 1 and orders_per_year >= 100")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    streets, compounds = _build_district(seed, n_compounds, start_year, years)
    registry = folder / "小区台账.xlsx"
    _write_registry(registry, compounds)
    cal = _Calendar(start_year, years)
    gen = _OrderGenerator(seed, compounds, cal, start_year, years, orders_per_year, messy)

    out: list[tuple[str, Path]] = [("compounds", registry)]
    csv_mode = order_format == "csv"
    complaints_path = folder / ("投诉记录.csv" if csv_mode else "投诉记录.xlsx")
    if csv_mode:
        complaints = _CsvOut(complaints_path, COMPLAINT_HEADERS, "utf-8", cal.fmt_iso, _COMPLAINT_DATE_COLS)
    else:
        complaints = _XlsxOut(complaints_path, "投诉记录", COMPLAINT_HEADERS, cal, _COMPLAINT_DATE_COLS,
                              [18, 16, 10, 10, 10, 16, 22, 12, 8, 16, 18])
    try:
        for y in range(years):
            year = start_year + y
            last = y == years - 1
            if csv_mode:
                path = folder / f"12345工单_{year}.csv"
                main = _CsvOut(path, ORDER_HEADERS, "utf-8", cal.fmt_iso, _ORDER_DATE_COLS)
            else:
                path = folder / f"12345工单_{year}.xlsx"
                headers = ORDER_HEADERS if y == 0 else ORDER_HEADERS_SYNONYM
                main = _XlsxOut(path, "工单", headers, cal, _ORDER_DATE_COLS,
                                [17, 11, 16, 8, 12, 10, 10, 16, 22, 16, 16, 16, 8, 6, 6, 6, 8, 12, 40])
            out.append(("work_orders", path))
            zmn = None
            if last and not csv_mode:
                zpath = folder / f"啄木鸟平台工单_{year}.csv"
                zmn = _CsvOut(zpath, ORDER_HEADERS_TITLED, "gb18030", cal.fmt_slash, _ORDER_DATE_COLS)
            try:
                write_main, write_zmn = main.write, (zmn.write if zmn else None)
                for rows in gen.year_days(y, split_zmn=zmn is not None):
                    for row in rows:
                        if write_zmn is not None and row[1] == _ZMN:
                            write_zmn(row)
                        else:
                            write_main(row[:_TITLE])
                    for crow in gen.due_complaints():
                        complaints.write(crow)
            finally:
                main.close()
                if zmn:
                    zmn.close()
                    out.append(("work_orders", zpath))
        for crow in gen.due_complaints(final=True):
            complaints.write(crow)
    finally:
        complaints.close()
    out.append(("complaints", complaints_path))
    return out


@dataclass
class _Profile:
    """How a compound behaves in one period (before/after its branch was founded)."""

    p_on: float
    p_rev: float
    t_unreach: float
    t_dis: float
    t_basic: float
    p_repeat: float
    p_first: float
    p_link: float
    p_unlinked: float


def _profile(q: float, complaint_scale: float) -> _Profile:
    p_dis = 0.01 + 0.22 * (1 - q) ** 1.5
    f = (1.5 - q) * complaint_scale
    return _Profile(
        p_on=0.70 + 0.29 * q, p_rev=0.86 + 0.12 * q, t_unreach=0.05, t_dis=0.05 + p_dis, t_basic=0.27 + p_dis,
        p_repeat=0.02 + 0.09 * (1 - q), p_first=0.82 + 0.16 * q, p_link=0.14 * f, p_unlinked=0.027 * f,
    )


class _OrderGenerator:
    """Produces the orders day by day (nothing accumulates), and the complaints they trigger."""

    def __init__(self, seed, compounds, cal, start_year, years, orders_per_year, messy):
        self.rng = rng = Random(f"{seed}:orders")
        self.cal, self.years, self.messy = cal, years, messy
        self.compounds = compounds
        n = len(compounds)
        n_months = 12 * years

        q_eff = [c.q for c in compounds]
        base_w = [c.households * (1.5 - c.q) for c in compounds]
        mean_f = sum(w * (1.5 - q) for w, q in zip(base_w, q_eff)) / sum(base_w)
        scale = 1 / mean_f
        self.found_m = [10**9] * n
        before, after = [], []
        for i, c in enumerate(compounds):
            before.append(_profile(c.q, scale))
            after.append(_profile(c.q_after, scale) if c.q_after is not None else before[-1])
            if c.q_after is not None:
                self.found_m[i] = (c.founded - cal.base).days * 1440
        self.before, self.after = before, after

        spike_pool = [i for i, c in enumerate(compounds)
                      if c.q_after is None and c.kind in ("商品房小区", "安置房小区") and c.company]
        spike_pool.sort(key=lambda i: -compounds[i].households)
        spike_pool = spike_pool[: max(6, n // 10)]
        rng.shuffle(spike_pool)
        last_y = years - 1
        specs = [("供暖", 12 * last_y), ("电梯", 4 if years == 1 else 12 * (years - 2) + 9)]
        if rng.random() < 0.6:
            specs.append(("渗水漏水", 12 * last_y + 6))
        self.spikes = {}
        for (cat, month), ci in zip(specs, spike_pool):
            self.spikes[month] = (ci, CATEGORIES.index(cat))
        self.spike_notes = [(compounds[ci].name, month, CATEGORIES[cat]) for month, (ci, cat) in self.spikes.items()]

        self.comp_cw = []
        for mi in range(n_months):
            y, mo = divmod(mi, 12)
            month_start = (date(start_year + y, mo + 1, 1) - cal.base).days * 1440
            acc, cw = 0.0, []
            for i, c in enumerate(compounds):
                w = base_w[i]
                if c.q_after is not None:
                    w *= 0.75 if month_start >= self.found_m[i] else 1.3
                if self.spikes.get(mi, (None,))[0] == i:
                    w *= 2.4
                acc += w
                cw.append(acc)
            self.comp_cw.append(cw)
        self.cat_cw = []
        for mo in range(12):
            acc, cw = 0.0, []
            for cat in CATEGORIES:
                acc += _CATEGORY_SEASON[cat][mo]
                cw.append(acc)
            self.cat_cw.append(cw)
        month_total = [self.cat_cw[mo][-1] for mo in range(12)]

        self.day_counts = []
        for y in range(years):
            first = (date(start_year + y, 1, 1) - cal.base).days
            last = (date(start_year + y, 12, 31) - cal.base).days
            weights = []
            for d in range(first, last + 1):
                day = cal.days[d]
                w = month_total[day.month - 1] * (0.75 if day.weekday() >= 5 else 1.0)
                if d == cal.end_day:
                    w *= (18 * 60 - 420) / (16 * 60)
                weights.append(w)
            total = sum(weights)
            exact = [w * orders_per_year / total for w in weights]
            counts = [int(x) for x in exact]
            rest = orders_per_year - sum(counts)
            for k in sorted(range(len(exact)), key=lambda k: (counts[k] - exact[k], k))[:rest]:
                counts[k] += 1
            self.day_counts.append((first, counts))

        tod = list(range(420, 1380))
        tod_w = [(3 if 480 <= t < 690 or 840 <= t < 1050 else 2 if t < 1260 else 1) for t in tod]
        self.tod, self.tod_cw = tod, self._cum(tod_w)
        self.tod_last, self.tod_last_cw = tod[: 18 * 60 - 420], self._cum(tod_w[: 18 * 60 - 420])
        self.src_cw, self.rt_cw = self._cum(_SOURCE_W), self._cum(_REQUEST_W)
        self.names = [self._person(rng) for _ in range(3000)]
        self.phones = [rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}" for _ in range(20000)]
        self.content = [sorted({t.replace("{b}", str(b)) for t in _CONTENT[cat] for b in range(1, 31)})
                        for cat in CATEGORIES]
        self.praise = [[t.replace("{c}", cat) for t in _PRAISE] for cat in CATEGORIES]
        self.units = [c.company or c.community + "居委会" for c in compounds]

        self.pending: list = []
        self.pending_seq = 0
        self.flush_limit = 0
        self.c_day, self.c_seq = -1, 0
        self.planted: dict[str, object] = {}
        self._setup_messy(orders_per_year)
        self.texts = _Texts(seed, compounds, cal, start_year, years, orders_per_year, base_w)
        self.story_notes = self.texts.notes

    @staticmethod
    def _cum(weights):
        acc, out = 0.0, []
        for w in weights:
            acc += w
            out.append(acc)
        return out

    @staticmethod
    def _person(rng: Random) -> str:
        s = rng.choice(_SURNAMES)
        r = rng.random()
        if r < 0.25:
            return s + "某某"
        if r < 0.4:
            return s + rng.choice(["女士", "先生"])
        return s + rng.choice(_GIVEN)

    def _setup_messy(self, per_year: int) -> None:
        """Chooses which compounds get odd spellings and which rows get planted defects."""
        self.variant = {}
        self.variant_count = {}
        self.unmatched_at = {}
        self.plants = []
        if not self.messy:
            return
        rng = Random(f"{self.rng.random()}:messy")
        comps = self.compounds
        total = per_year * self.years
        weight_total = self.comp_cw[0][-1]
        share = [(self.comp_cw[0][i] - (self.comp_cw[0][i - 1] if i else 0)) / weight_total for i in range(len(comps))]
        spike_ids = {ci for ci, _ in self.spikes.values()}
        ok = [i for i, c in enumerate(comps)
              if c.q_after is None and i not in spike_ids and share[i] * total >= 80 and not c.aliases]
        rng.shuffle(ok)
        stems = [c.stem for c in comps]
        others = [_norm(c.name) for c in comps] + [_norm(a) for c in comps for a in c.aliases]

        def unique_stem(i):
            st = _norm(comps[i].stem)
            return sum(st in o for o in others) == 1

        picks = {}
        for i in ok:
            c = comps[i]
            if "fw" not in picks and len(c.stem) >= 2 and c.suffix:
                picks["fw"] = i
            elif "nosuffix" not in picks and c.suffix == "小区" and len(c.stem) >= 2 and unique_stem(i):
                picks["nosuffix"] = i
            elif "space" not in picks and len(c.stem) >= 2 and stems.count(c.stem) == 1:
                picks["space"] = i
        with_alias = [i for i, c in enumerate(comps) if c.aliases and c.q_after is None and i not in spike_ids
                      and share[i] * total >= 60]
        if with_alias:
            picks["alias"] = max(with_alias, key=lambda i: share[i])
        for kind, i in picks.items():
            c = comps[i]
            name = {"fw": c.stem + "\u3000" + c.suffix, "space": " " + c.stem + " " + c.suffix,
                    "nosuffix": c.stem, "alias": c.aliases[0] if c.aliases else c.name}[kind]
            cap = rng.randint(22, 38)
            self.variant[i] = [name, cap, min(1.0, 2.5 * cap / max(1.0, share[i] * total)), c.name]
            self.variant_count[i] = 0
        street_comm = [(c.street, c.community) for c in comps]
        for k, uname in enumerate(UNMATCHED_COMPOUNDS):
            street, community = rng.choice(street_comm)
            for gi in rng.sample(range(total), rng.randint(22, 38)):
                self.unmatched_at[gi] = (uname, street, community)
        n0 = per_year
        last = self.years - 1
        self.plants = [
            [0, int(0.21 * n0), "blank_received", None],
            [0, int(0.37 * n0), "duplicate", None],
            [0, int(0.52 * n0), "bad_result", None],
            [0, int(0.64 * n0), "blank_received", None],
            [last, int(0.30 * n0), "received_tbd", None],
            [last, int(0.45 * n0), "closed_unknown", None],
        ]

    def year_days(self, y: int, split_zmn: bool):
        """Yields, per day of year y, the list of order rows (time order, ids unique)."""
        rng, cal = self.rng, self.cal
        rand, randrange, choices = rng.random, rng.randrange, rng.choices
        first, counts = self.day_counts[y]
        export_m = cal.export_m
        compounds, units = self.compounds, self.units
        before, after, found_m = self.before, self.after, self.found_m
        names, phones, content, praise = self.names, self.phones, self.content, self.praise
        n_names, n_phones = len(names), len(self.phones)
        cats, due_rule = CATEGORIES, [_DUE.get(c, ("w", 5)) for c in CATEGORIES]
        wd_after = cal.wd_after
        variant, unmatched_at = self.variant, self.unmatched_at
        plants = [p for p in self.plants if p[0] == y and p[3] is None]
        gi = y * sum(self.day_counts[0][1])
        gi_year = 0
        ctr = self.variant_count
        story, one_off = self.texts.story, self.texts.one_off
        for k, n in enumerate(counts):
            d = first + k
            mi = cal.month[d]
            d0 = d * 1440
            ymd = cal.ymd[d]
            tods = sorted(choices(self.tod_last if d == cal.end_day else self.tod,
                                  cum_weights=self.tod_last_cw if d == cal.end_day else self.tod_cw, k=n))
            comp = choices(range(len(compounds)), cum_weights=self.comp_cw[mi], k=n)
            catl = choices(range(12), cum_weights=self.cat_cw[mi % 12], k=n)
            srcs = choices(_SOURCES, cum_weights=self.src_cw, k=n)
            rts = choices(_REQUEST_TYPES, cum_weights=self.rt_cw, k=n)
            spike = self.spikes.get(mi)
            rows = []
            for i in range(n):
                c = comp[i]
                t = tods[i]
                rec = d0 + t
                cat = catl[i]
                boost = 1.0
                if spike is not None and c == spike[0]:
                    boost = 2.2
                    if rand() < 0.6:
                        cat = spike[1]
                P = after[c] if rec >= found_m[c] else before[c]
                cc = compounds[c]
                cname, street, community, unit = cc.name, cc.street, cc.community, units[c]
                if unmatched_at and gi in unmatched_at:
                    cname, street, community = unmatched_at[gi]
                    unit = community + "居委会"
                elif c in variant:
                    v = variant[c]
                    if ctr[c] < v[1] and rand() < v[2]:
                        ctr[c] += 1
                        cname = v[0]
                kind, val = due_rule[cat]
                due = rec + val if kind == "h" else wd_after[val][d] * 1440 + t
                if rand() < P.p_on:
                    cm = rec + 30 + int(rand() ** 1.6 * (due - rec - 30))
                    cm = _snap(cm)
                    if cm > due:
                        cm = due - 5 - (cm & 31)
                    late = False
                else:
                    cm = _snap(due + 60 + int(rand() ** 2 * 20160))
                    late = True
                rt = rts[i]
                if cm > export_m:
                    closed = revisit = result = ""
                    resolved = "否"
                else:
                    closed = cm
                    revisit = result = ""
                    if rand() < P.p_rev:
                        rv = (cm // 1440 + (2 if rand() < 0.3 else 1)) * 1440 + 540 + randrange(540)
                        if rv <= export_m:
                            revisit = rv
                            r = rand()
                            if late:
                                r = r * 0.6
                            if r < P.t_unreach:
                                result = "无法联系"
                            elif r < P.t_dis:
                                result = "不满意"
                            elif r < P.t_basic:
                                result = "基本满意"
                            else:
                                result = "满意"
                    if result == "不满意":
                        resolved = "是" if rand() < 0.35 else "否"
                    else:
                        resolved = "是" if rand() < 0.96 else "否"
                phone = phones[randrange(n_phones)]
                category = cats[cat]
                if rt == "表扬":
                    text = praise[cat][randrange(3)]      # drawn as before (the demo's random stream), then worded:
                    text, title = one_off(category, True)
                else:
                    pool = content[cat]
                    text = pool[randrange(len(pool))]
                    told = story(c, d)
                    if told is not None:
                        text, category, title = told
                    else:
                        text, title = one_off(category, False)
                r = rand()
                if r < 0.02:
                    text = text + ("，联系电话" + phone if r < 0.012 else "，身份证号" + _fake_id(rng))
                oid = "GD" + ymd + ("%05d" % (i + 1))
                row = [
                    oid, srcs[i], rec, rt, category,
                    "" if rand() < 0.05 else street, "", cname, unit,
                    "" if rand() < 0.15 else due, closed, revisit, result,
                    "是" if rand() < P.p_repeat else "否",
                    "是" if rand() < P.p_first else "否",
                    resolved, names[randrange(n_names)], phone, text, title,
                ]
                if row[5]:
                    row[6] = community
                rows.append(row)
                r = rand()
                if rt == "投诉" and r < P.p_link * boost:
                    self._complaint(rec, c, cat, oid, closed)
                elif r > 1.0 - P.p_unlinked * boost:
                    self._complaint(rec, c, cat, "", closed)
                if plants:
                    for p in plants:
                        if p[3] is None and gi_year >= p[1]:
                            self._plant(p, rows, split_zmn)
                    plants = [p for p in plants if p[3] is None]
                gi += 1
                gi_year += 1
            self.flush_limit = d0 + 1440
            yield rows

    def _plant(self, p, rows, split_zmn) -> None:
        """Applies one planted defect to the newest row if it fits, recording the order id."""
        row = rows[-1]
        kind = p[2]
        zmn_row = row[1] == _ZMN
        if split_zmn and kind == "received_tbd" and zmn_row:
            return
        if split_zmn and kind == "closed_unknown" and not zmn_row:
            return
        if kind in ("blank_received", "duplicate") and (row[1] == _ZMN and split_zmn):
            return
        if kind == "bad_result" and row[12] == "":
            return
        if kind == "closed_unknown" and row[10] == "":
            return
        if kind == "blank_received":
            row[2] = ""
        elif kind == "received_tbd":
            row[2] = "待定"
        elif kind == "closed_unknown":
            row[10] = "未知"
        elif kind == "bad_result":
            row[12] = "非常好"
        elif kind == "duplicate":
            rows.append(list(row))
        p[3] = row[0]
        self.planted.setdefault(kind, []).append(row[0])

    def _complaint(self, rec: int, c: int, cat: int, oid: str, order_closed) -> None:
        """Queues a complaint filed soon after the order; written once its day is complete."""
        rng = self.rng
        fm = _snap(rec + 30 + int(rng.random() * 2880))
        if fm > self.cal.export_m:
            return
        closed = _snap(fm + 1440 * (1 + int(rng.random() ** 1.5 * 14)) + rng.randrange(480))
        if closed > self.cal.export_m:
            closed = ""
        self.pending_seq += 1
        heapq.heappush(self.pending, (fm, self.pending_seq, c, cat, oid, closed))

    def due_complaints(self, final: bool = False):
        """Pops complaints filed before the start of the next day (all of them at the end), with ids."""
        limit = 10**12 if final else self.flush_limit
        pending, rng, cal = self.pending, self.rng, self.cal
        while pending and pending[0][0] < limit:
            fm, _, c, cat, oid, closed = heapq.heappop(pending)
            day = fm // 1440
            if day != self.c_day:
                self.c_day, self.c_seq = day, 0
            self.c_seq += 1
            cc = self.compounds[c]
            src = rng.choices(_COMPLAINT_SOURCES, cum_weights=self._csrc_cw)[0]
            yield [
                "TS" + cal.ymd[day] + ("%04d" % self.c_seq), fm, src, cc.street, cc.community, cc.name,
                cc.company, CATEGORIES[cat], "已办结" if closed != "" else "处理中", closed, oid,
                self.names[rng.randrange(len(self.names))], self.phones[rng.randrange(len(self.phones))],
            ]

    _csrc_cw = [60, 75, 85, 100]
