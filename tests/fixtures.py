"""Small exports whose every KPI is counted by hand in the tests (see the comments on each row).

Data is as of 2024-07-01 10:00 (AS_OF). June 2024 is the period most tests use."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

AS_OF = dt.datetime(2024, 7, 1, 10, 0)

COMPOUND_HEADERS = ["小区名称", "别名", "街道", "社区", "小区类型", "户数", "管理模式", "物业公司", "是否成立业委会",
                    "党组织类型", "党员人数", "党组织成立日期", "是否一肩挑", "物业企业是否建立党组织", "示范项目级别",
                    "物业费收缴率"]
COMPOUNDS = [
    # A: own branch since 2023, committee, dual role, 1000 households at 90%
    ["阳光花园", "阳光小区;旭日苑", "东街道", "东一社区", "商品房小区", "1000", "物业服务企业管理", "甲物业", "是",
     "独立党支部", "12", "2023-01-01", "是", "是", "市级", "90%"],
    # B: party group (2 members) founded March 2024, no committee, 200 households at 50%
    ["幸福里小区", "", "东街道", "东二社区", "老旧小区", "200", "社区兜底", "", "否", "党小组", "2", "2024/3/15", "否",
     "否", "无", "0.5"],
    # C: joint branch founded 2024-06-20 (inside June), 5 members -> eligible for its own; 500 households at 80
    ["和平新村", "", "西街道", "西一社区", "安置房小区", "500", "连片管理", "乙物业", "Y", "联合党支部", "5",
     "2024年6月20日", "N", "是", "无", "80"],
    # D: no party organisation, 4 members -> eligible; committee; no fee figure
    ["翠湖苑", "", "西街道", "西一社区", "单位宿舍", "300", "业主自治", "", "1", "无", "4", "", "0", "否", "无", ""],
]

ORDER_HEADERS = ["工单编号", "来源渠道", "受理时间", "诉求类型", "诉求类别", "街道", "社区", "小区", "承办单位", "办结时限",
                 "办结时间", "回访时间", "回访结果", "是否重复诉求", "是否先行联系", "是否解决", "诉求人", "联系电话",
                 "诉求内容"]
PHONE = "13812345678"
ID_NUMBER = "110101199003071234"
NAME = "张三丰"


def _order(order_id, received, due, closed, result="", repeat="否", compound="阳光花园", street="", category="渗水漏水",
           first="", resolved="", source="12345平台", content="楼上漏水", unit="物业公司"):
    return [order_id, source, received, "投诉", category, street, "", compound, unit, due, closed, "", result,
            repeat, first, resolved, NAME, PHONE, content]


ORDERS = [
    # June, compound A (street from the registry): 49 h, on time, satisfied
    _order("W1", "2024-06-03 09:00", "2024-06-06 09:00", "2024-06-05 10:00", "满意", first="是", resolved="是",
           content=f"我叫{NAME}，电话{PHONE}，身份证{ID_NUMBER}，楼上漏水"),
    # 96 h, late, basically satisfied
    _order("W2", "2024/6/10 9:00", "2024/6/13 9:00", "2024/6/14 9:00", "基本满意", first="是", resolved="否"),
    # name with a full-width space; 24 h, on time, dissatisfied
    _order("W3", "2024年6月20日 09:00", "2024-06-25 09:00", "2024-06-21 09:00", "不满意", compound="阳光　花园",
           first="否", resolved="否"),
    # registry alias; 24 h, on time, unreachable (not a revisit)
    _order("W4", "2024-06-25 08:00", "2024-06-28 08:00", "2024-06-26 08:00", "无法联系", compound="阳光小区"),
    # B without its trailing 小区: open, not yet due at AS_OF (pending)
    _order("W5", "2024-06-28 09:00", "2024-07-03 09:00", "", compound="幸福里"),
    # B: open and overdue since 06-20 09:00 -> 11 days 1 hour -> bucket over 7 days
    _order("W6", "2024-06-15 09:00", "2024-06-20 09:00", "", compound="幸福里小区"),
    # C: open and overdue since 06-29 09:00 -> 2 days 1 hour -> bucket 1-3 days; handled by 市政维修中心 (督办)
    _order("W7", "2024-06-26 09:00", "2024-06-29 09:00", "", compound="和平新村", unit="市政维修中心"),
    # C: no deadline in the export; 电梯 limit is 24 h -> due 06-13 09:00; 11 h, on time; repeat; no revisit
    _order("W8", "2024-06-12 09:00", "", "2024-06-12 20:00", "", repeat="是", compound="和平新村", category="电梯"),
    # unmatched compound, street from the export; 30 h, on time, satisfied
    _order("W9", "2024-06-18 09:00", "2024-06-21 09:00", "2024-06-19 15:00", "满意", compound="未知小区",
           street="西街道", source="啄木鸟平台"),
    # May: on time, satisfied
    _order("W10", "2024-05-31 23:00", "2024-06-03 23:00", "2024-06-01 10:00", "满意"),
    # July (received after the June period, before AS_OF)
    _order("W11", "2024-07-01 09:00", "2024-07-04 09:00", "", compound="和平新村"),
    # C: closed after AS_OF -> still open at AS_OF, due 07-02 -> pending
    _order("W12", "2024-06-29 09:00", "2024-07-02 09:00", "2024-07-01 12:00", "满意", compound="和平新村"),
    # B: unreadable revisit answer -> warning, kept; 48 h, on time, not revisited
    _order("W13", "2024-06-05 09:00", "2024-06-08 09:00", "2024-06-07 09:00", "非常好", compound="幸福里小区"),
    # rejected: no received time
    _order("R1", "", "2024-06-08 09:00", ""),
    # rejected: unreadable received time
    _order("R2", "待定", "2024-06-08 09:00", ""),
    # rejected: no id
    _order("", "2024-06-05 09:00", "2024-06-08 09:00", ""),
    # duplicate of W1 in the same file (the later row, this one, is kept; identical anyway)
    _order("W1", "2024-06-03 09:00", "2024-06-06 09:00", "2024-06-05 10:00", "满意", first="是", resolved="是",
           content=f"我叫{NAME}，电话{PHONE}，身份证{ID_NUMBER}，楼上漏水"),
]

COMPLAINT_HEADERS = ["投诉编号", "投诉时间", "来源渠道", "街道", "社区", "小区", "物业公司", "投诉类别", "处理状态",
                     "办结时间", "关联工单编号", "投诉人", "联系电话"]
COMPLAINTS = [
    ["C1", "2024-06-05 10:00", "12345平台", "", "", "阳光花园", "甲物业", "物业服务", "已办结", "2024-06-06", "W1", NAME, PHONE],
    ["C2", "2024-06-10 10:00", "12345平台", "", "", "幸福里", "", "环境卫生", "处理中", "", "", NAME, PHONE],
    ["C3", "2024-05-20 10:00", "12345平台", "", "", "阳光花园", "甲物业", "物业服务", "已办结", "2024-05-21", "", NAME, PHONE],
    ["C4", "2024-06-11 10:00", "信访", "西街道", "", "未知小区", "", "噪音扰民", "已办结", "2024-06-12", "", NAME, PHONE],
]

# The July export: W5 now closed (updated), W1 as before (unchanged), W14 new.
JULY_ORDERS = [
    _order("W5", "2024-06-28 09:00", "2024-07-03 09:00", "2024-07-02 10:00", "满意", compound="幸福里"),
    ORDERS[0],
    _order("W14", "2024-07-02 09:00", "2024-07-05 09:00", "", compound="和平新村"),
]

# 无时限: open orders exported without a deadline, imported under a profile that derives none (derive_due_at: false,
# as Boston's and NYC's); with them W8 has no deadline either (closed). Days open count days begun at the moment.
NO_DEADLINE_ORDERS = [
    # 和平新村 (西街道), 市政维修中心: open since 01-15 08:00 -> 168 d 2 h at AS_OF (169 days), 168 d 4 h at 12:00 (169)
    _order("N1", "2024-01-15 08:00", "", "", compound="和平新村", category="电梯", unit="市政维修中心"),
    # 幸福里小区 (东街道): open since 06-20 10:00 -> 11 days to the hour at AS_OF (11), 11 d 2 h at 12:00 (12)
    _order("N2", "2024-06-20 10:00", "", "", compound="幸福里小区"),
    # 阳光花园 (东街道), no handling unit: 12 h open at AS_OF (1 day), closed 07-01 11:00
    _order("N3", "2024-06-30 22:00", "", "2024-07-01 11:00", unit=""),
    # closed before AS_OF: never listed
    _order("N4", "2024-06-10 09:00", "", "2024-06-11 09:00", compound="和平新村"),
    # 2023 (幸福里小区): 243 d 1 h at AS_OF (244 days), 243 d 3 h at 12:00 (244); the data's first day, 2023-11-01
    _order("N5", "2023-11-01 09:00", "", "", compound="幸福里小区"),
    # July (和平新村, 供暖): 30 min at AS_OF, 2 h 30 min at 12:00 (1 day)
    _order("N6", "2024-07-01 09:30", "", "", compound="和平新村", category="供暖"),
]


def no_deadline_config(config: dict) -> dict:
    """The config with the default profile deriving no deadline (derive_due_at: false)."""
    import copy

    plain = copy.deepcopy(config)
    plain["profiles"]["default"]["derive_due_at"] = False
    return plain


def build_no_deadline(con, folder: Path, config: dict) -> dict:
    """The fixture's registry, orders and complaints with NO_DEADLINE_ORDERS, imported deriving no deadline."""
    from metrics.ingest.importer import import_file

    folder, plain = Path(folder), no_deadline_config(config)
    return {
        "compounds": import_file(con, "compounds", write_csv(folder / "小区台账.csv", COMPOUND_HEADERS, COMPOUNDS),
                                 plain, rejection_dir=folder / "rejections"),
        "work_orders": import_file(con, "work_orders", write_csv(folder / "工单_无时限.csv", ORDER_HEADERS,
                                                                  ORDERS + NO_DEADLINE_ORDERS),
                                   plain, rejection_dir=folder / "rejections"),
        "complaints": import_file(con, "complaints", write_csv(folder / "投诉.csv", COMPLAINT_HEADERS, COMPLAINTS),
                                  plain, rejection_dir=folder / "rejections"),
    }


def write_csv(path: Path, headers, data, encoding="utf-8") -> Path:
    path = Path(path)
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(data)
    return path


def write_xlsx(path: Path, headers, data, excel_dates: bool = True) -> Path:
    """Dates as real Excel date cells (the way government systems export them)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(data, start=1):
        for c, value in enumerate(row):
            parsed = _as_datetime(value) if excel_dates else None
            if parsed:
                sheet.write_datetime(r, c, parsed, date_format)
            elif value != "":
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def _as_datetime(value: str):
    for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            pass
    return None


def build(con, folder: Path, config: dict, orders_encoding: str = "utf-8") -> dict:
    """Import the registry, the orders and the complaints; returns the import results by kind."""
    from metrics.ingest.importer import import_file

    folder = Path(folder)
    results = {
        "compounds": import_file(con, "compounds", write_csv(folder / "小区台账.csv", COMPOUND_HEADERS, COMPOUNDS),
                                 config, rejection_dir=folder / "rejections"),
        "work_orders": import_file(con, "work_orders", write_csv(folder / "工单.csv", ORDER_HEADERS, ORDERS,
                                                                  encoding=orders_encoding),
                                   config, rejection_dir=folder / "rejections"),
        "complaints": import_file(con, "complaints", write_csv(folder / "投诉.csv", COMPLAINT_HEADERS, COMPLAINTS),
                                  config, rejection_dir=folder / "rejections"),
    }
    return results
