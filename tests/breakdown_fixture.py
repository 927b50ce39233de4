"""A small district for 原因分析 (metrics.breakdown), every figure counted by hand in tests/test_breakdown.py.

Data as of 2024-07-01 10:00 (AS_OF: R16's receipt); June 2024 is the period. Every order is due three days after it
is received. The scorecard is asked with min_orders 2 and list_size 1 (CONFIG): a row needs two orders to be ranked,
and a list holds one row.

Handling units in June:
- 城管科 (R1-R5): late on 3 of 5 (R2, R3 closed late, R4 open and overdue); hours 48, 96, 120, 24;
- 供水公司 (R6-R8) and 物业客服 (R9-R11): each on time 2 of 3, revisited 3, satisfied 2: the same score, one rank;
- no unit (R12, R13, R15): the 未知 row, never ranked.
Property companies: 甲物业 manages 金桂苑 and 银杏苑 (8 orders), 乙物业 丹枫苑 (3); 翠竹苑 has no company in the
registry and 无名小区 is not in it (3 orders: 未知).
Categories: 噪音扰民 has a single order (R12): too few to rank."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from fixtures import COMPLAINT_HEADERS, COMPOUND_HEADERS, NAME, ORDER_HEADERS, PHONE, write_csv

AS_OF = dt.datetime(2024, 7, 1, 10, 0)
JUNE = (dt.date(2024, 6, 1), dt.date(2024, 6, 30))

COMPOUNDS = [
    ["金桂苑", "", "东街道", "东一社区", "商品房小区", "400", "物业服务企业管理", "甲物业", "是", "独立党支部", "5",
     "2020-01-01", "否", "是", "无", "90%"],
    ["银杏苑", "", "东街道", "东二社区", "商品房小区", "600", "物业服务企业管理", "甲物业", "是", "党小组", "2",
     "2021-01-01", "否", "是", "无", "85%"],
    ["丹枫苑", "", "西街道", "西一社区", "安置房小区", "500", "物业服务企业管理", "乙物业", "否", "联合党支部", "3",
     "2022-01-01", "否", "否", "无", "80%"],
    ["翠竹苑", "", "西街道", "西一社区", "老旧小区", "300", "社区兜底", "", "否", "无", "1", "", "否", "否", "无", ""],
]


def _order(order_id, compound, unit, category, request_type, received, closed="", result="", resolved="",
           street="", content="楼道漏水"):
    """An order due three days after it is received (received and closed as YYYY-MM-DD HH:MM)."""
    due = (dt.datetime.fromisoformat(received) + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    return [order_id, "12345平台", received, request_type, category, street, "", compound, unit, due, closed, "",
            result, "否", "", resolved, NAME, PHONE, content]


ORDERS = [
    # 城管科: R1 48 h on time; R2 96 h late (dissatisfied, unresolved); R3 120 h late (basically satisfied, unresolved);
    # R4 open since 06-10, due 06-13: overdue; R5 24 h on time
    _order("R1", "金桂苑", "城管科", "渗水漏水", "投诉", "2024-06-03 09:00", "2024-06-05 09:00", "满意", "是"),
    _order("R2", "金桂苑", "城管科", "渗水漏水", "投诉", "2024-06-04 09:00", "2024-06-08 09:00", "不满意", "否",
           content=f"住户电话{PHONE}，楼道漏水一周无人处理"),
    _order("R3", "银杏苑", "城管科", "车辆管理", "投诉", "2024-06-05 09:00", "2024-06-10 09:00", "基本满意", "否"),
    _order("R4", "银杏苑", "城管科", "车辆管理", "求助", "2024-06-10 09:00"),
    _order("R5", "银杏苑", "城管科", "渗水漏水", "投诉", "2024-06-11 09:00", "2024-06-12 09:00", "满意", "是"),
    # 供水公司: R6 24 h, R7 36 h on time and satisfied; R8 96 h late, dissatisfied, unresolved
    _order("R6", "丹枫苑", "供水公司", "供水", "投诉", "2024-06-03 09:00", "2024-06-04 09:00", "满意", "是"),
    _order("R7", "丹枫苑", "供水公司", "供水", "投诉", "2024-06-04 09:00", "2024-06-05 21:00", "满意", "是"),
    _order("R8", "丹枫苑", "供水公司", "渗水漏水", "咨询", "2024-06-05 09:00", "2024-06-09 09:00", "不满意", "否"),
    # 物业客服: R9 24 h, R10 24 h on time and satisfied; R11 96 h late, dissatisfied, unresolved
    _order("R9", "金桂苑", "物业客服", "电梯", "投诉", "2024-06-06 09:00", "2024-06-07 09:00", "满意", "是"),
    _order("R10", "银杏苑", "物业客服", "渗水漏水", "投诉", "2024-06-07 09:00", "2024-06-08 09:00", "满意", "是"),
    _order("R11", "银杏苑", "物业客服", "渗水漏水", "投诉", "2024-06-08 09:00", "2024-06-12 09:00", "不满意", "否"),
    # no handling unit: R12 24 h on time (翠竹苑: no company); R13 open and overdue (not in the registry, 西街道);
    # R15 open, due 07-02: not yet due
    _order("R12", "翠竹苑", "", "噪音扰民", "投诉", "2024-06-12 09:00", "2024-06-13 09:00", "满意", "是"),
    _order("R13", "无名小区", "", "渗水漏水", "建议", "2024-06-13 09:00", street="西街道"),
    _order("R15", "翠竹苑", "", "电梯", "投诉", "2024-06-29 09:00"),
    # outside June: May (城管科, on time) and July (供水公司, open; its receipt is the data's moment)
    _order("R14", "金桂苑", "城管科", "渗水漏水", "投诉", "2024-05-20 09:00", "2024-05-21 09:00", "满意", "是"),
    _order("R16", "丹枫苑", "供水公司", "供水", "投诉", "2024-07-01 10:00"),
]

COMPLAINTS = [
    ["K1", "2024-06-05 10:00", "12345平台", "", "", "金桂苑", "甲物业", "物业服务", "已办结", "2024-06-06", "", NAME, PHONE],
    ["K2", "2024-06-06 10:00", "12345平台", "", "", "银杏苑", "甲物业", "物业服务", "已办结", "2024-06-07", "", NAME, PHONE],
    ["K3", "2024-06-07 10:00", "12345平台", "", "", "丹枫苑", "乙物业", "环境卫生", "已办结", "2024-06-08", "", NAME, PHONE],
    ["K4", "2024-06-08 10:00", "12345平台", "", "", "翠竹苑", "", "环境卫生", "处理中", "", "", NAME, PHONE],
]


def config_for(config: dict) -> dict:
    """The configuration the tests ask with: two orders rank a row, a list holds one."""
    return {**config, "scorecard": {**config["scorecard"], "min_orders": 2, "list_size": 1}}


def build(con, folder: Path, config: dict) -> dict:
    """Import the registry, the orders and the complaints; returns the import results by kind."""
    from metrics.ingest.importer import import_file

    folder = Path(folder)
    files = {"compounds": write_csv(folder / "台账.csv", COMPOUND_HEADERS, COMPOUNDS),
             "work_orders": write_csv(folder / "工单.csv", ORDER_HEADERS, ORDERS),
             "complaints": write_csv(folder / "投诉.csv", COMPLAINT_HEADERS, COMPLAINTS)}
    return {kind: import_file(con, kind, path, config, rejection_dir=folder / "rejections")
            for kind, path in files.items()}
