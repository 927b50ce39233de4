"""The standard Excel templates users fill or export into: one per dataset, headers from the
default profile, with a sheet explaining each column and the values it accepts."""
from __future__ import annotations

from pathlib import Path

from metrics.schema import DATASETS

TEMPLATE_NAMES = {"compounds": "小区台账模板.xlsx", "work_orders": "工单导入模板.xlsx", "complaints": "投诉导入模板.xlsx"}
REQUIRED_NOTE = "必填 required"


def template_headers(config: dict, kind: str) -> list[str]:
    """The first (standard) header of each field of the default profile, personal-data columns excluded."""
    profile = config["profiles"]["default"][kind]
    return [names[0] for field, names in profile.items() if not field.startswith("_")]


def _accepted(config: dict, field) -> str:
    if field.kind == "bool":
        words = config["values"]["boolean"]
        return "、".join(map(str, words[True])) + " / " + "、".join(map(str, words[False]))
    if field.kind == "enum":
        return "；".join("、".join(map(str, words)) for words in config["values"][field.vocab].values())
    return {
        "timestamp": "2024-07-01 08:30、2024/7/1 8:30、2024年7月1日 或 Excel日期",
        "date": "2024-07-01、2024/7/1、2024年7月1日 或 Excel日期",
        "int": "整数 whole number", "percent": "92.5% 或 0.925", "list": "用 、 或 ; 分隔 separated by 、 or ;",
    }.get(field.kind, "文本，电话、身份证号、邮箱会被自动隐藏 text; phone and ID numbers, e-mails are masked"
          if field.masked else "文本 text")


def write_template(config: dict, kind: str, folder: Path) -> Path:
    import xlsxwriter

    dataset = DATASETS[kind]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TEMPLATE_NAMES[kind]
    profile = config["profiles"]["default"][kind]
    workbook = xlsxwriter.Workbook(str(path))
    bold = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    data = workbook.add_worksheet(dataset.label_zh)
    for col, header in enumerate(template_headers(config, kind)):
        data.write_string(0, col, header, bold)
        data.set_column(col, col, max(12, len(header) * 2 + 2))
    notes = workbook.add_worksheet("填写说明")
    notes.write_row(0, 0, ["列名 Column", "含义 Meaning", "可用的其他列名 Synonyms", "取值 Accepted values", "必填 Required"], bold)
    row = 1
    for field in dataset.fields:
        names = profile.get(field.name)
        if not names:
            continue
        required = field.kind == "id" or field.name == dataset.main_timestamp
        notes.write_row(row, 0, [names[0], f"{field.label_zh} {field.label_en}", "、".join(names[1:]),
                                 _accepted(config, field), REQUIRED_NOTE if required else ""])
        row += 1
    if "_personal" in profile:
        notes.write_row(row + 1, 0, ["个人信息列 Personal data", "导入时丢弃，不入库 dropped at import, never stored",
                                     "、".join(profile["_personal"])])
    notes.set_column(0, 0, 18)
    notes.set_column(1, 4, 36)
    workbook.close()
    return path


def write_templates(config: dict, folder: Path) -> list[Path]:
    return [write_template(config, kind, folder) for kind in DATASETS]
