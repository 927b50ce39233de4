"""Words of a hotline message: normalisation, segmentation, the place it names, and the weight of each word.

Segmentation is rjieba's (jieba-rs, the same dictionary as jieba, in Rust: 100,000 messages in about 2 s on one
core) with a user dictionary of the names the registry and the data know (compounds, their aliases and the
spellings orders write them with, streets, communities) and the categories, so a compound's name is one word.

A word's weight is its inverse document frequency from jieba's own table (`jieba/analyse/idf.txt`, computed by
jieba's authors on a large general corpus and shipped in the package; nothing is downloaded). It does not depend on
our data, so the similarity of two messages never changes when others are imported: the grouping an import adds to
is exactly the grouping a full rebuild finds (metrics.hot.grouping). Words the table lacks (typos, local names)
take its median, as jieba does.

What is not a feature of a message's problem: the hotline's boilerplate (STOPWORDS: 您好、请尽快处理、回电 ...),
place names (they say where, not what: grouping is within a place anyway), person names (jieba's `nr` tag: also
never shown), masked personal data ([手机号] ...), numbers, one-character words and function words."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..masking import TOKENS

# The hotline's and the message board's boilerplate: greetings, the operator's framing, requests to handle and
# call back, and words every message about a compound carries.
STOPWORDS = frozenset("""
您好 你好 谢谢 感谢 麻烦 辛苦 领导 同志 工作人员 市长 书记 主任 尊敬 各位
市民 来电 来电人 来电人称 人称 致电 热线 转办 转交 交办 12345 市长热线 便民热线 联系电话 电话号码 手机号码 反映 反应 称 表示 诉求 求助 投诉 举报 咨询 建议 留言 网友 本人 我们 你们 他们 大家 自己 我家 他家
请 请求 尽快 尽早 及时 抓紧 赶紧 马上 立即 处理 解决 落实 协调 核实 核查 调查 跟进 督促 督办 回复 回电 回访 答复
要求 希望 恳请 盼望 期望 诉求人 联系 电话 号码 手机 手机号 联系方式 个人信息 身份证 身份证号 证件号 姓名 邮箱 相关 有关 部门 单位 政府
相关部门 有关部门 职能部门 给予 帮助 帮忙 关注 重视 考虑 一下 一直 多次 屡次 再次 几次 好几次 依然 仍然 还是 至今 迄今 目前
现在 已经 已 曾 之前 以前 最近 近期 近日 近来 这段时间 一段时间 时间 每天 天天 经常 总是 时常 常常 长期 长时间 好久
问题 情况 事情 事项 现象 情形 情况反映 工单 来件 此事 这个 那个 这些 那些 这里 那里 这样 那样 怎么 什么 为什么 如何
是否 是不是 有没有 没法 很大 说法 没有 没人 无人 不能 不会 不是 不要 无法 未能 得到 得不到 始终 根本 完全 非常 特别 十分 很 太 真的 实在 确实 严重影响
号楼 单元 楼号 小区 社区 街道 居委会 业主 居民 住户 群众 老百姓 百姓 市民们 楼栋 家里 家中 附近 周边 周围 旁边 这边 那边 门口
物业公司 物业服务 物业 有限公司 公司 管理处 服务中心
""".split())

# Variants an operator or a resident writes for one thing (folded before segmentation); config.yaml
# hot_issues.synonyms adds its own.
SYNONYMS = {"噪声": "噪音", "燥音": "噪音", "噪聲": "噪音", "搅拌厂": "搅拌站", "商砼站": "搅拌站", "砼站": "搅拌站",
            "拌合站": "搅拌站", "拌和站": "搅拌站", "水泥搅拌站": "混凝土搅拌站",
            "升降梯": "电梯", "垂直电梯": "电梯", "卫生间": "厕所", "洗手间": "厕所"}

# Parts of speech that say what a problem is: nouns, verbs, adjectives, idioms; not pronouns, numbers, particles,
# adverbs, prepositions, place directions, nor person names (nr: never a feature, never shown).
KEPT_TAGS = ("n", "v", "a", "i", "l", "j", "eng", "z", "b", "s")
DROPPED_TAGS = ("nr", "nrt", "nrfg", "m", "mq", "q", "r", "p", "c", "u", "d", "e", "y", "o", "h", "k", "x", "w", "f",
                "t", "ad")

_MASKS = re.compile("|".join(re.escape(t) for t in TOKENS))
_CLAUSE = re.compile(r"[，。；！？、,.;!?\n\r\t：:（）()【】\[\]“”\"'《》…]+")
_DIGITS = re.compile(r"[0-9]+")


def normalise(text: str | None, synonyms: dict[str, str] | None = None) -> str:
    """Full-width forms folded (NFKC), masked personal data removed, variants folded to one spelling."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _MASKS.sub("，", text)
    for variant, canonical in (synonyms or SYNONYMS).items():
        if variant in text:
            text = text.replace(variant, canonical)
    return text


def clauses(text: str | None) -> list[str]:
    """The clauses of a (masked) text, as written: titles are made from them."""
    if not text:
        return []
    return [c.strip() for c in _CLAUSE.split(unicodedata.normalize("NFKC", str(text))) if c.strip()]


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's inverse document frequencies (word -> idf) and their median, for words the table lacks."""
    import jieba

    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, value = line.rstrip("\n").partition(" ")
            if value:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


TYPO_LENGTHS = (3, 4)
TYPO_MAX_IDF = 11.5   # a word this common at least: a typo is read as a word people write, not a rare one


@lru_cache(maxsize=1)
def typo_index() -> dict[tuple[int, str], tuple[str, ...]]:
    """Words of three or four characters of jieba's table (common enough), by each form with one character left out:
    (position, the rest) -> the words. A typo (揽拌站, 搅伴站) differs from its word in one character."""
    table, _ = idf_table()
    index: dict[tuple[int, str], list[str]] = {}
    for word, idf in table.items():
        if len(word) in TYPO_LENGTHS and idf <= TYPO_MAX_IDF:
            for p in range(len(word)):
                index.setdefault((p, word[:p] + "\0" + word[p + 1:]), []).append(word)
    return {k: tuple(v) for k, v in index.items()}


def correct(span: str) -> str | None:
    """The one common word `span` (three or four characters jieba did not know as a word) differs from in exactly one
    character, if there is exactly one; else None."""
    index = typo_index()
    found = set()
    for p in range(len(span)):
        found.update(index.get((p, span[:p] + "\0" + span[p + 1:]), ()))
    found.discard(span)
    return found.pop() if len(found) == 1 else None


def place_key(name: str) -> str:
    """A name as looked for in text: full-width folded, spaces out, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(name)).split()).lower()


@dataclass
class Lexicon:
    """What segmentation and place-finding know: the written forms of each compound (name, aliases, the spellings
    orders carry; with and without 小区) -> the compound, the other place names (streets, communities), the
    category words, the synonyms (metrics.hot.store keeps the user dictionary of the last refresh in hot_lexicon and
    refreshes the messages that hold a new word)."""
    places: dict[str, str] = field(default_factory=dict)       # written form (place_key) -> compound
    other_names: frozenset = frozenset()                        # streets, communities
    categories: frozenset = frozenset()
    synonyms: dict[str, str] = field(default_factory=lambda: dict(SYNONYMS))
    stopwords: frozenset = STOPWORDS

    def words(self) -> dict[str, str]:
        """Every user-dictionary word -> its kind (place, name, category)."""
        out = {w: "name" for w in self.other_names}
        out.update({w: "category" for w in self.categories})
        out.update({w: "place" for w in self.places})
        return out



def place_forms(name: str) -> list[str]:
    """The ways a compound's name is written in a message: as given, and with or without a trailing 小区 (a stem
    of two characters only with it: 阳光 alone is a word, 阳光小区 a place)."""
    key = place_key(name)
    if not key:
        return []
    forms = {key}
    if key.endswith("小区") and len(key) - 2 >= 3:
        forms.add(key[:-2])
    elif not key.endswith("小区") and len(key) >= 2:
        forms.add(key + "小区")
    return [f for f in forms if len(f) >= 3]


def build_lexicon(con, config: dict) -> Lexicon:
    """The lexicon from the registry (names, 别名), config.yaml compound_aliases, the names orders and complaints
    carry (their spellings, unregistered compounds), streets, communities and categories."""
    from .. import names
    from ..db import rows

    settings = config.get("hot_issues") or {}
    places: dict[str, str | None] = {}

    def claim(form: str, compound: str) -> None:
        for f in place_forms(form):
            if f in places and places[f] != compound:
                places[f] = None   # two compounds written alike: names neither
            else:
                places[f] = compound

    registry = rows(con, "SELECT compound_name, aliases, street, community FROM compounds ORDER BY compound_name")
    for r in registry:
        claim(r["compound_name"], r["compound_name"])
    for r in registry:
        for alias in r["aliases"] or []:
            claim(alias, r["compound_name"])
    known = {r["compound_name"] for r in registry}
    for alias, name in sorted((config.get("compound_aliases") or {}).items()):
        if name in known:
            claim(alias, name)
    # the spellings orders and complaints carry, and the compounds the registry lacks (names.stored_unregistered)
    for r in rows(con, """SELECT DISTINCT compound_raw, compound_name FROM (
                              SELECT compound_raw, compound_name FROM work_orders UNION ALL
                              SELECT compound_raw, compound_name FROM complaints)
                          WHERE compound_raw IS NOT NULL AND compound_name IS NOT NULL
                          ORDER BY compound_name, compound_raw"""):
        name = names.name_key(r["compound_raw"])   # masked tokens out
        if name:
            claim(name, r["compound_name"])
    other = set()
    for r in rows(con, """SELECT DISTINCT street AS name FROM compounds UNION SELECT DISTINCT community FROM compounds
                          UNION SELECT DISTINCT street FROM work_orders UNION SELECT DISTINCT community FROM work_orders
                          UNION SELECT DISTINCT street FROM complaints UNION SELECT DISTINCT community FROM complaints"""):
        if r["name"] and len(place_key(r["name"])) >= 2:
            other.add(place_key(r["name"]))
    categories = set()
    for r in rows(con, """SELECT DISTINCT category FROM work_orders UNION SELECT DISTINCT category FROM complaints"""):
        if r["category"] and 2 <= len(place_key(r["category"])) <= 8:
            categories.add(place_key(r["category"]))
    synonyms = dict(SYNONYMS)
    synonyms.update({str(k): str(v) for k, v in (settings.get("synonyms") or {}).items()})
    stop = STOPWORDS | frozenset(str(w) for w in (settings.get("stopwords") or []))
    return Lexicon(places={k: v for k, v in places.items() if v}, other_names=frozenset(other - set(places)),
                   categories=frozenset(categories), synonyms=synonyms, stopwords=stop)


@dataclass
class Analysis:
    terms: list[str]              # the message's features, in order, repeated as written
    place: str | None             # the first compound the text names
    named: list[str]              # every user-dictionary place word found (written forms)
    person: bool = False          # jieba tagged a person's name in it (never a feature; a clause with one is no title)


class Segmenter:
    """rjieba with the lexicon's words added; `analyse` gives a message's terms and the compound it names."""

    def __init__(self, lexicon: Lexicon):
        import rjieba

        self.lexicon = lexicon
        self.jieba = rjieba.Jieba()
        for word in sorted(lexicon.words()):
            self.jieba.add_word(word, None, "ns")
        self.idf, self.unknown_idf = idf_table()
        self._names = set(lexicon.places) | set(lexicon.other_names)
        self._search_cache: dict[str, list[str]] = {}

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)

    def analyse(self, text: str | None) -> Analysis:
        lex = self.lexicon
        text = normalise(text, lex.synonyms).lower()
        terms, named, place, person = [], [], None, False
        for word, tag in self._repaired(self.jieba.tag(text, True)):
            if tag.startswith("nr"):
                person = True
            if word in self._names:
                named.append(word)
                if place is None and word in lex.places:
                    place = lex.places[word]
                continue
            if not self._kept(word, tag):
                continue
            terms.append(word)
            if len(word) >= 4:   # a long word (混凝土搅拌站) also counts as its known parts (搅拌站)
                terms += [w for w in self._parts(word) if w != word]
        return Analysis(terms, place, named, person)

    def _repaired(self, tagged: list) -> list:
        """Tokens with a mistyped word put right: where jieba cut a word of three or four characters with one wrong
        character into single characters or words it does not know (揽/拌/站, 搅伴/站), and exactly one common word
        differs from it in that one character (搅拌站), the word stands in for them. Function words, names and
        places never take part. Reads jieba's table only: a message reads the same whatever else is imported."""
        idf, names = self.idf, self._names
        weak = [(len(w) == 1 or w not in idf) and w not in names and not t.startswith(DROPPED_TAGS) for w, t in tagged]
        if sum(weak) < 2 and not any(weak[k] and len(tagged[k][0]) in TYPO_LENGTHS for k in range(len(tagged))):
            return tagged
        out, i, n = [], 0, len(tagged)
        while i < n:
            replaced = False
            if weak[i]:
                length = 0
                for j in range(i, min(i + 4, n)):
                    if not weak[j]:
                        break
                    length += len(tagged[j][0])
                    if length > max(TYPO_LENGTHS):
                        break
                    if length not in TYPO_LENGTHS:
                        continue
                    span = "".join(w for w, _ in tagged[i:j + 1])
                    if span in idf:
                        continue
                    word = correct(span)
                    if word is not None and word not in self.lexicon.stopwords:
                        out.append((word, "n"))
                        i, replaced = j + 1, True
                        break
            if not replaced:
                out.append(tagged[i])
                i += 1
        return out

    def _parts(self, word: str) -> list[str]:
        found = self._search_cache.get(word)
        if found is None:
            found = [w for w in self.jieba.cut_for_search(word, True)
                     if len(w) >= 2 and w in self.idf and w not in self.lexicon.stopwords and not _DIGITS.search(w)]
            if len(self._search_cache) < 200_000:
                self._search_cache[word] = found
        return found

    def _kept(self, word: str, tag: str) -> bool:
        if len(word) < 2 or word in self.lexicon.stopwords or _DIGITS.search(word):
            return False
        if tag in DROPPED_TAGS or tag.startswith("nr"):
            return False
        return tag.startswith(KEPT_TAGS) or tag in ("ns", "nz", "nt", "vn", "an")
