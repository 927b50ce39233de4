"""The clean tables and the fields each dataset may carry: the one description the importer,
the templates and the KPI code share."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # id, text, timestamp, date, bool, int, percent, enum, list
    label_zh: str
    label_en: str
    vocab: str | None = None  # config `values` key for enum fields
    free_text: bool | None = None  # typed by people, so masked at import; None: text and list fields are
    optional: bool = False  # few exports have it: a file without it is not told it is missing (Mapping.missing)

    @property
    def named_en(self) -> str:
        """The column in an English message: by the Chinese header the user's file has, then the English label
        (never the internal name: "missing received_at" meant nothing to a reader)."""
        return f"{self.label_zh} ({self.label_en})"

    @property
    def masked(self) -> bool:
        """Whether personal data in the value is masked at import (metrics.masking)."""
        return self.kind in FREE_TEXT_KINDS if self.free_text is None else self.free_text


# Every text a person typed may hold a phone or ID number (a compound name typed with the caller's phone, a
# handling note with a landline): all of it is masked. Ids written by a platform (工单编号, 投诉编号 and the
# linked order) are not free text: masking them would merge records. The registry's 小区名称 is its key, yet
# typed by people: it is masked like the compound names of orders and complaints, which are masked the same
# way, so a name matches as before (metrics.names ignores the tokens).
FREE_TEXT_KINDS = ("text", "list")


@dataclass(frozen=True)
class Dataset:
    kind: str
    table: str
    id_field: str
    main_timestamp: str | None
    fields: tuple[Field, ...]
    label_zh: str
    label_en: str

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


COMPOUNDS = Dataset(
    kind="compounds", table="compounds", id_field="compound_name", main_timestamp=None,
    label_zh="小区台账", label_en="Compound registry",
    fields=(
        Field("compound_name", "id", "小区名称", "Compound", free_text=True),
        Field("aliases", "list", "别名", "Aliases"),
        Field("street", "text", "街道", "Street"),
        Field("community", "text", "社区", "Community"),
        Field("compound_kind", "enum", "小区类型", "Compound kind", "compound_kind"),
        Field("households", "int", "户数", "Households"),
        Field("management_mode", "enum", "管理模式", "Management mode", "management_mode"),
        Field("property_company", "text", "物业公司", "Property company"),
        Field("has_owners_committee", "bool", "是否成立业委会", "Owners' committee"),
        Field("party_org_type", "enum", "党组织类型", "Party organisation", "party_org_type"),
        Field("party_members", "int", "党员人数", "Party members"),
        Field("party_org_founded_on", "date", "党组织成立日期", "Party organisation founded"),
        Field("dual_role", "bool", "是否一肩挑", "Dual role"),
        Field("company_party_org", "bool", "物业企业是否建立党组织", "Company party organisation"),
        Field("model_project_level", "enum", "示范项目级别", "Model project level", "model_project_level"),
        Field("fee_collection_rate", "percent", "物业费收缴率", "Fee collection rate"),
    ),
)

WORK_ORDERS = Dataset(
    kind="work_orders", table="work_orders", id_field="order_id", main_timestamp="received_at",
    label_zh="工单", label_en="Work orders",
    fields=(
        Field("order_id", "id", "工单编号", "Order id"),
        Field("source", "text", "来源渠道", "Source"),
        Field("received_at", "timestamp", "受理时间", "Received"),
        Field("request_type", "text", "诉求类型", "Request type"),
        Field("category", "text", "诉求类别", "Category"),
        Field("street", "text", "街道", "Street"),
        Field("community", "text", "社区", "Community"),
        Field("compound", "text", "小区", "Compound"),
        Field("handling_unit", "text", "承办单位", "Handling unit"),
        Field("due_at", "timestamp", "办结时限", "Due"),
        Field("closed_at", "timestamp", "办结时间", "Closed"),
        Field("revisited_at", "timestamp", "回访时间", "Revisited"),
        Field("revisit_result", "enum", "回访结果", "Revisit result", "revisit_result"),
        Field("is_repeat", "bool", "是否重复诉求", "Repeat request"),
        Field("first_contact", "bool", "是否先行联系", "First contact"),
        Field("resolved", "bool", "是否解决", "Resolved"),
        Field("content", "text", "诉求内容", "Content"),
        # a short title beside the content (标题, 留言主题, 诉求摘要): masked like it, read with it by metrics.hot.
        # Added after the table's first version: see ADDED_COLUMNS.
        Field("title", "text", "标题", "Title", optional=True),
    ),
)

COMPLAINTS = Dataset(
    kind="complaints", table="complaints", id_field="complaint_id", main_timestamp="filed_at",
    label_zh="投诉", label_en="Complaints",
    fields=(
        Field("complaint_id", "id", "投诉编号", "Complaint id"),
        Field("filed_at", "timestamp", "投诉时间", "Filed"),
        Field("source", "text", "来源渠道", "Source"),
        Field("street", "text", "街道", "Street"),
        Field("community", "text", "社区", "Community"),
        Field("compound", "text", "小区", "Compound"),
        Field("property_company", "text", "物业公司", "Property company"),
        Field("category", "text", "投诉类别", "Category"),
        Field("status", "text", "处理状态", "Status"),
        Field("closed_at", "timestamp", "办结时间", "Closed"),
        Field("order_id", "text", "关联工单编号", "Linked order", free_text=False),
    ),
)

DATASETS = {d.kind: d for d in (COMPOUNDS, WORK_ORDERS, COMPLAINTS)}

SQL_TYPES = {
    "id": "VARCHAR", "text": "VARCHAR", "timestamp": "TIMESTAMP",
    "date": "DATE", "bool": "BOOLEAN", "int": "BIGINT", "percent": "DOUBLE", "enum": "VARCHAR",
    "list": "VARCHAR[]",
}

# Columns stored as exported under another name, so the resolved value can take the plain name.
STORED_AS = {"street": "street_export", "community": "community_export", "compound": "compound_raw"}

# Filled after import from the registry match; not part of an export's content.
RESOLVED_COLUMNS = (
    ("compound_name", "VARCHAR"), ("street", "VARCHAR"), ("community", "VARCHAR"),
    ("compound_kind", "VARCHAR"), ("management_mode", "VARCHAR"),
)


# What an import counts besides its row accounting, one import_log column each: main timestamps outside the
# plausible window (rows rejected), optional ones outside it (left blank), and impossible orderings (kept).
IMPORT_CHECKS = ("out_of_window_rejected", "out_of_window_blanked", "closed_before_received",
                 "due_before_received", "revisit_before_close", "revisit_while_open")
# Added to import_log after its first version: a database created before them gets them when opened writable.
IMPORT_LOG_ADDED = tuple((c, "BIGINT") for c in IMPORT_CHECKS) + (
    ("unmapped_columns", "VARCHAR[]"), ("missing_fields", "VARCHAR[]"),
    ("due_derived", "BIGINT"),   # work orders whose deadline came from config.yaml time_limits (NULL: not orders)
    # who imported (a login, or cli:<os user>) and under which scope: the street (and community) of the account,
    # NULL for a district account, the command line and imports made before these columns (docs/access.md)
    ("imported_by", "VARCHAR"), ("scope_street", "VARCHAR"), ("scope_community", "VARCHAR"))


# Fields added to a dataset after its table's first version: a table is created without them and every database,
# old or new, gets them by ALTER TABLE (so the columns stand in the same order in both), as does the table of the rows
# an import replaced (replaced_<table>, metrics.ingest.importer), which copies its dataset's columns.
ADDED_COLUMNS = {"work_orders": (("title", "VARCHAR"),)}


def stored_name(dataset: Dataset, field: Field) -> str:
    if dataset.kind == "compounds":
        return field.name
    return STORED_AS.get(field.name, field.name)


def content_columns(dataset: Dataset) -> list[str]:
    """The stored columns that come from the export (compared to decide new/updated/unchanged)."""
    cols = [stored_name(dataset, f) for f in dataset.fields]
    if dataset.kind == "work_orders":
        cols.append("due_at_derived")
    return cols


def ddl() -> list[str]:
    statements = []
    for ds in DATASETS.values():
        cols = []
        added = {name for name, _ in ADDED_COLUMNS.get(ds.kind, ())}
        for f in ds.fields:
            if f.name in added:
                continue
            # Orders and complaints carry no index: the importer keeps ids unique (deduplicated, updated rows
            # replaced), and a 10M-row ART index would cost 2 s per million rows on insert and its memory.
            pk = " PRIMARY KEY" if f.kind == "id" and ds.kind == "compounds" else ""
            notnull = " NOT NULL" if f.name == ds.main_timestamp else ""
            cols.append(f"{stored_name(ds, f)} {SQL_TYPES[f.kind]}{pk}{notnull}")
        if ds.kind == "work_orders":
            cols.append("due_at_derived BOOLEAN")
        if ds.kind != "compounds":
            cols += [f"{name} {typ}" for name, typ in RESOLVED_COLUMNS]
        cols.append("import_id BIGINT")
        statements.append(f"CREATE TABLE IF NOT EXISTS {ds.table} ({', '.join(cols)})")
        for name, typ in ADDED_COLUMNS.get(ds.kind, ()):
            statements.append(f"ALTER TABLE {ds.table} ADD COLUMN IF NOT EXISTS {name} {typ}")
            statements.append(f"ALTER TABLE IF EXISTS replaced_{ds.table} ADD COLUMN IF NOT EXISTS {name} {typ}")
    statements += [
        """CREATE TABLE IF NOT EXISTS import_log (
            import_id BIGINT PRIMARY KEY, kind VARCHAR, file_name VARCHAR, file_sha256 VARCHAR,
            profile VARCHAR, imported_at TIMESTAMP, rows_read BIGINT, rows_new BIGINT,
            rows_updated BIGINT, rows_unchanged BIGINT, rows_duplicate BIGINT, rows_rejected BIGINT,
            warnings BIGINT, rejection_file VARCHAR)""",
        *(f"ALTER TABLE import_log ADD COLUMN IF NOT EXISTS {name} {typ}" for name, typ in IMPORT_LOG_ADDED),
        """CREATE TABLE IF NOT EXISTS import_issues (
            import_id BIGINT, row_number BIGINT, column_name VARCHAR, severity VARCHAR,
            reason VARCHAR, value VARCHAR)""",
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    ]
    return statements
