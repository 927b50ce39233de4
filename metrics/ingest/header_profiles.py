"""Header mapping: which column of an export is which field, through config.yaml's profiles.

Another city's export imports by adding a profile, not code."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from metrics.ingest.cleaning import profile_date_formats
from metrics.masking import mask_text
from metrics.schema import DATASETS, Dataset

PERSONAL = "_personal"


def normalise_header(text: str) -> str:
    """Headers compare without case, spaces, underscores, hyphens, full-width forms or a required-field '*':
    one profile reads a platform's portal export ("Unique Key") and its API's (unique_key)."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return "".join(text.split()).replace("_", "").replace("-", "").strip("*").lower()


def column_letter(position: int) -> str:
    """Excel's letter of the 0-based column `position` (0 -> A, 26 -> AA)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def shown_header(header: str, position: int) -> str:
    """A header cell of a file as it may be stored or shown: as written, or, where the masker finds personal data
    in it (a data cell taken for a header: 13812345678张三, the name beside the phone found by no pattern), its
    column letter only."""
    if mask_text(header) == header:
        return header
    letter = column_letter(position)
    return f"{letter}列（表头含个人信息，已隐藏） / column {letter} (the header holds personal data: withheld)"


@dataclass
class Mapping:
    profile: str
    columns: dict[str, int]        # field -> position in the file
    headers: dict[str, str]        # field -> header as written in the file
    personal: list[int]            # positions of personal-data columns (dropped)
    derive_due_at: bool
    values: dict                   # profile's value vocabularies over config `values`
    date_formats: list[str] = field(default_factory=list)   # strptime formats, tried in order
    expected: list[str] = field(default_factory=list)       # the fields the profile names for this dataset

    @property
    def missing(self) -> list[str]:
        """Fields the profile expected and the file does not have: said after the import, never silent."""
        return [f for f in self.expected if f not in self.columns]


def _synonyms(profile: dict, kind: str) -> dict[str, list[str]]:
    return {field: [normalise_header(s) for s in names] for field, names in (profile.get(kind) or {}).items()}


def header_score_for(config: dict, kind: str):
    """A scorer of a candidate header line: how many known headers it contains, over all profiles."""
    known = set()
    for profile in config["profiles"].values():
        for names in _synonyms(profile, kind).values():
            known.update(names)

    def score(cells: list[str]) -> int:
        return sum(1 for c in cells if normalise_header(c) in known)

    return score


def header_score_for_any(config: dict):
    """A scorer over the known headers of every dataset."""
    scorers = [header_score_for(config, kind) for kind in DATASETS]
    return lambda cells: sum(score(cells) for score in scorers)


def match_profile(config: dict, kind: str, headers: list[str], file_name: str, profile: str | None = None) -> Mapping:
    """Pick the profile that recognises the file's id column and the most other columns."""
    from metrics.ingest.readers import ImportFailure

    dataset: Dataset = DATASETS[kind]
    normalised = [normalise_header(h) for h in headers]
    profiles = config["profiles"]
    if profile is not None and profile not in profiles:
        raise ImportFailure(f"{file_name}: 未知的映射方案 {profile} / unknown profile (config.yaml: {', '.join(profiles)})")
    best = None
    for name in [profile] if profile else profiles:
        mapping = _map(profiles[name], name, kind, normalised, headers)
        if dataset.id_field not in mapping.columns:
            continue
        if best is None or len(mapping.columns) > len(best.columns):
            best = mapping
    if best is None:
        expected = "、".join(profiles[p][kind][dataset.id_field][0] for p in ([profile] if profile else profiles) if kind in profiles[p])
        # the cells are listed only when some of them are known headers of any dataset: a row with none is a
        # data row (a resident's name or phone), never echoed
        known = header_score_for_any(config)
        found = [h for h in headers if h]
        shown = [shown_header(h, i) for i, h in enumerate(headers) if h]
        listed = (f"Columns found: {mask_text(', '.join(shown))}" if known(found)
                  else "未找到表头行 / no header row found in the first rows")
        raise ImportFailure(
            f"{file_name}: 找不到{dataset.label_zh}的编号列（应为 {expected} 之一），可能选错了数据类型 / "
            f"no id column for {dataset.label_en}: is this the right kind of file? {listed}"
        )
    other = _better_kind(config, kind, normalised, headers, len(best.columns))
    if other:
        raise ImportFailure(
            f"{file_name}: 这个文件看起来是{other.label_zh}，不是{dataset.label_zh}，请选择正确的数据类型 / "
            f"this file looks like {other.label_en}, not {dataset.label_en}")
    main = dataset.main_timestamp
    if main and main not in best.columns:
        names = "、".join(profiles[best.profile][kind][main])
        raise ImportFailure(f"{file_name}: 缺少时间列（{names}） / the main timestamp column is missing")
    best.values = _values(config, profiles[best.profile])
    return best


def _better_kind(config: dict, kind: str, normalised, headers, score: int) -> Dataset | None:
    """Another dataset whose id column is present and which recognises more of the file's columns."""
    for other in DATASETS.values():
        if other.kind == kind:
            continue
        for name, profile in config["profiles"].items():
            if other.kind not in profile:
                continue
            mapping = _map(profile, name, other.kind, normalised, headers)
            if other.id_field in mapping.columns and len(mapping.columns) > score:
                return other
    return None


def _map(profile: dict, name: str, kind: str, normalised: list[str], headers: list[str]) -> Mapping:
    synonyms = _synonyms(profile, kind)
    columns, found, personal = {}, {}, []
    for field, names in synonyms.items():
        for pos, header in enumerate(normalised):
            if header in names:
                if field == PERSONAL:
                    personal.append(pos)
                elif field not in columns:
                    columns[field] = pos
                    found[field] = headers[pos]
    optional = {f.name for f in DATASETS[kind].fields if f.optional}
    return Mapping(name, columns, found, personal, bool(profile.get("derive_due_at", True)), {},
                   profile_date_formats(profile), [f for f in synonyms if f != PERSONAL and f not in optional])


def _values(config: dict, profile: dict) -> dict:
    merged = {k: dict(v) for k, v in config["values"].items()}
    for vocab, mapping in (profile.get("values") or {}).items():
        merged.setdefault(vocab, {}).update(mapping)
    return merged
