"""Near-duplicate detection across sources: is this entry the same story as that one?

Pure functions, no I/O. The parse job computes a :class:`Signature` once per
entry (``signature(title, text)``), stored as JSON beside the entry; apply.py
finds candidates in the category's time window through the indexed
:func:`band_keys`, and asks :func:`is_same_story` about each candidate. Exact
identity (same source and id, same canonical URL, same fingerprint) is
normalize.py's and decide.py's job and comes first; this module handles what
those miss: the same article republished by another outlet (issue #4).

Why not lemon24/reader's entry_dedupe
-------------------------------------
reader tokenises on ``\\w+``. An unspaced Chinese paragraph is one "word" for
it, so two copies that differ by one character share no token, and its
48-token minimum rejects almost every Chinese article. It also compares only
within one feed. Here Chinese, Japanese and Korean characters are tokens of
their own, Latin words are tokens, and any two entries of a category compare.

The algorithm
-------------
1. Normalise (:func:`signature`). NFKC, so full-width letters, digits and
   punctuation become half-width, then casefold. Drop leftover tags and
   entities, zero-width and other format characters. Titles lose source
   decorations: a trailing ``｜新华网``, ``_新浪财经``, `` - Reuters``,
   `` | BBC News`` when the last segment is a known outlet or looks like one
   (ends in 网/报/社/新闻/News/Times…, no digits); a leading ``【转载】``,
   ``[转]``, ``转载：``, ``UPDATE 2-``; ``（图）``, ``[视频]``; ``原标题：…``.
   Texts lose a leading ``原标题：…`` line, an editor's note (``编者按：…``,
   ``Editor's note: …``), reprint lines (``本文转载自…``), trailing
   ``责任编辑：…``/``（文章来源：…）``/``(Reporting by …)`` and a
   truncation marker (``…``, ``[...]``, ``阅读全文``).
2. Tokens: every CJK character (Han, kana, hangul) is one token, every run
   of other letters and digits is one (a Latin word). Spaces and punctuation
   disappear, so spaces that markup put between Chinese characters do not
   matter. Shingles are token 3-grams: character 3-grams in Chinese and
   Japanese, word 3-grams in Latin text, both in mixed text.
3. Each shingle is hashed to 32 bits: CRC-32 of its UTF-8 bytes, then the
   murmur3 finaliser. Both are fixed functions, so signatures are the same on
   every run and machine (Python's ``hash()`` is salted and is not used).
   The signature keeps the K=128 smallest hashes (a bottom-k MinHash, "KMV"
   sketch) and the number of distinct shingles.
4. From two bottom-k sketches the union's K smallest hashes are a uniform
   sample of the union in which membership of each side is known exactly.
   That gives Jaccard, and - what matters for a truncated summary or a
   dropped first paragraph - the *containment* of the smaller text in the
   larger: the share of the smaller side's sampled shingles (those below the
   larger side's K-th hash) that the larger side also has. A summary of 10%
   of an article has Jaccard 0.1 and containment 1.0.
5. Identifying tokens: numbers (with their unit: 6月, 12日, 3%, 12号; Chinese
   numerals before a date or ordinal unit are converted, so 第十二号 = 第12号),
   month-day dates, weekdays, trading sessions (早盘/收盘, morning), and place
   names (provinces, large cities, countries, US states, a few hundred names
   matched from a list; in titles also any "XX市/省/县"). They are what
   tells one article of a series from the next.

The decision (:func:`is_same_story`)
------------------------------------
A false merge loses a story; a missed duplicate only shows it twice. So every
rule can refuse, and only the last ones accept:

a. The titles' identifying tokens must be the same set (a title that ends in
   "…" may have a subset of the other's). 第12号 vs 第13号, 北京 vs 上海,
   6月12日 vs 6月13日, Q2 vs Q3, 早盘 vs 收盘: refuse.
b. The titles must agree: equal keys once decorations are stripped; or one
   key is the other plus at most ``title_extra_chars`` at its start or end
   (an outlet name no list knows, "｜湃客", " - KTLA"; any length after a cut
   title); or the Jaccard of their token unigrams and bigrams reaches
   ``title_similarity`` (a fixed typo). A rewritten headline is missed on
   purpose: job and podcast feeds repeat one boilerplate text under titles
   that differ in one slot ("Senior Backend/Frontend Engineer").
c. Every identifying token of the shorter text must occur in the longer one
   (``token_slack`` is the share that may be missing: 0 by default; a last
   token that a truncation may have cut is not counted). Same-template
   articles (a market wrap on another day, the report of another city, a
   release note of another version) fail here even when 95% of their
   shingles agree.
d. If the shorter text has at least ``min_shingles`` shingles and the sample
   has at least ``min_sample`` of them, the text decides: the containment of
   the shorter text in the longer must reach ``cjk_similarity`` (either side
   Chinese/Japanese/Korean) or ``latin_similarity``. Containment rather than
   Jaccard accepts a summary, a dropped first paragraph and an added editor's
   note, each of which makes one text mostly a part of the other.
e. Otherwise (no text, or too little to trust) the title decides alone: the
   same key or a decorated one (not merely a similar one: 竖向/横向彩条 are two
   products), and the shorter key must weigh at least ``min_title_chars`` (a
   CJK character counting as two): "Release notes" twice is not enough.

Thresholds (:class:`Thresholds`, config ``merge:``) were tuned on
``tests/data/dedupe/pairs.jsonl`` (328 pairs; tests/test_dedupe.py prints
precision and recall). Copies score containment >= 0.92 (the lowest are light
edits: quotes restyled, a sentence left out, a footer added); the different
stories that get past a-c are newsletters with one title and a shared intro
and outro, at <= 0.69. So 0.8 for both scripts: precision and recall stay 1.0
anywhere from 0.7 to 0.9 on the set. ``token_slack`` 0.1 would let a text
that differs only by one date among ten figures merge (precision 0.966 on
the set). ``title_similarity`` below 0.7 merges the boilerplate postings.
``min_shingles`` 20 (about 20 Chinese characters or English words) with
``min_sample`` 6 keeps 25-word summaries on the text rule; 50 would send
them to the title rule and lose a few.

Candidates (:func:`band_keys`)
------------------------------
One-permutation LSH read off the same sketch: hashes fall into 32 bins by
their low 5 bits, and a bin's minimum is the smallest sketched hash in that
bin (exact whenever the bin has one below the K-th hash). 16 bands of 2 bins
give keys ``b<i>:<min>:<min>``; two texts with Jaccard J share a band with
probability about 1-(1-J^2)^16: 0.99 at J=0.5. Summaries and other
low-Jaccard copies are found by title keys ``t:<hash>`` of the whole title key
and of its first and last 8 tokens (so an unknown outlet name at one end still
leaves a key in common). The store indexes (category, key) and compares only
entries that share a key; a short text (< 64 shingles) has no band keys.

Rejected: datasketch's MinHash (k hash permutations: k multiplications per
shingle, numpy, 8-byte values) estimates Jaccard only, and its LSH index lives
in memory or Redis rather than in our database; the bottom-k sketch here
costs one hash per shingle and also estimates containment. SimHash cannot
tell containment from similarity at all.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import sys
import unicodedata
import zlib
from array import array
from dataclasses import dataclass

from feedhub.types import Thresholds

_DEFAULT_THRESHOLDS = Thresholds()

SIGNATURE_VERSION = 1
SKETCH_SIZE = 128  # K: hashes kept per entry
SHINGLE = 3  # tokens per shingle
BINS = 32  # one-permutation LSH bins (a power of two)
ROWS = 2  # bins per band -> BINS // ROWS bands
TITLE_KEY_TOKENS = 8  # head and tail title keys: this many tokens
_MASK = 0xFFFFFFFF


@dataclass(frozen=True, eq=False)
class Signature:
    """What is_same_story needs of one entry; stored as JSON (~1.5 KB).

    The merge keeps tens of thousands of these in memory (merge/apply.py's
    cache), so the sketch is an ``array('I')``: 512 bytes for 128 hashes,
    where a tuple of Python ints took about 4.6 KB (issue #19: the daemon's
    memory grew by that cache for two weeks). Not hashable; equal when every
    field is.
    """

    title_key: str  # normalised title: decorations stripped, NFKC, casefolded, no punctuation
    title_tokens: tuple[str, ...]  # identifying tokens of the title, sorted, unique
    title_truncated: bool  # the title ended in an ellipsis
    script: str  # "cjk" or "latin": which similarity threshold applies
    length: int  # tokens of the normalised text
    shingles: int  # distinct shingles of the text
    minhash: array  # array('I'): the SKETCH_SIZE smallest 32-bit shingle hashes, ascending
    text_tokens: tuple[str, ...]  # identifying tokens of the text, sorted, unique
    text_truncated: bool  # the text ended in a truncation marker
    version: int = SIGNATURE_VERSION

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signature):
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # the array is mutable

    def to_json(self) -> str:
        # vars(), not asdict(): no deep copy of the 128 hashes.
        fields = dict(vars(self), minhash=self.minhash.tolist())
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str) -> Signature:
        raw = json.loads(data)
        if raw.get("version") != SIGNATURE_VERSION:
            raise ValueError(f"signature version {raw.get('version')!r}, expected {SIGNATURE_VERSION}")
        for name in ("title_tokens", "text_tokens"):
            raw[name] = tuple(raw[name])
        raw["minhash"] = array("I", raw["minhash"])
        return cls(**raw)


# --------------------------------------------------------------------------
# Normalisation

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u3005\u3007"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
# In an ASCII string \w is [a-zA-Z0-9_], so the tokens are the runs of
# letters and digits; with every other character made a space, str.split()
# finds them three times faster than the regex.
_ASCII_NON_TOKEN = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_IS_CJK = re.compile(f"[{_CJK}]")
_CJK_RUN = re.compile(f"[{_CJK}]+")
# (Starting with \s, not with the lookbehind, makes it faster: see _NUMBER.)
_CJK_SPACE = re.compile(f"\\s(?<=[{_CJK}]\\s)\\s*(?=[{_CJK}])")
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,500}>")
# Zero-width and other invisible format characters (Unicode category Cf).
_FORMAT = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")

# Outlets seen in title suffixes; anything that merely looks like an outlet
# (see _SOURCE_LIKE) is stripped too.
_KNOWN_SOURCES = frozenset(
    s.strip().casefold()
    for s in """reuters|ap|ap news|associated press|afp|bbc|bbc news|bbc sport|cnn|cnbc|bloomberg|the guardian|guardian
    |the new york times|new york times|nyt|the washington post|washington post|wsj|the wall street journal|wall street journal
    |financial times|ft|npr|al jazeera|techcrunch|the verge|wired|ars technica|axios|politico|fox news|nbc news|abc news
    |cbs news|sky news|the independent|the telegraph|the times|usa today|los angeles times|forbes|business insider
    |xinhua|china daily|global times|scmp|south china morning post|yahoo news|yahoo finance|msn|google news|engadget
    |macworld|daring fireball|hacker news|the atlantic|vox|time|newsweek|the economist|economist|dw|france 24|euronews
    |新华网|新华社|人民网|人民日报|央视网|央视新闻|cctv|中国新闻网|中新网|中新社|澎湃新闻|澎湃|新浪|新浪网|新浪财经|新浪新闻
    |新浪科技|腾讯新闻|腾讯网|腾讯科技|网易|网易新闻|网易科技|搜狐|搜狐网|搜狐新闻|凤凰网|凤凰财经|凤凰新闻|和讯网|和讯
    |东方财富网|东方财富|第一财经|21世纪经济报道|36氪|界面新闻|界面|财新网|财新|经济观察网|证券时报|证券时报网|中国证券报
    |上海证券报|光明网|中国日报网|中国日报|环球网|环球时报|参考消息|北京日报|北京青年报|新京报|南方都市报|南方周末
    |中国邮政快递报|中国经济网|中国网|中华网|央广网|国际在线|每日经济新闻|每经网|财联社|华尔街见闻|钛媒体|虎嗅|虎嗅网
    |雷锋网|it之家|cnbeta|少数派|爱范儿|极客公园|今日头条|头条|百家号|一点资讯|观察者网|新民晚报|扬子晚报|羊城晚报
    |中国青年报|中青网|经济日报|工人日报|法治日报|科技日报|解放日报|文汇报|联合早报|联合报|自由时报|明报|星岛日报
    |香港01|东方日报|信报|大公报|文汇网|oschina|开源中国|v2ex|知乎|微博|微信|公众号""".split("|")
)
_SOURCE_LIKE = re.compile(
    r"(?:网|报|社|台|频道|新闻|日报|晚报|早报|周刊|周报|杂志|客户端|在线|财经|资讯|号|网站|官网|官微|科技)$"
    r"|\b(?:news|times|post|journal|daily|herald|tribune|online|media|magazine|press|gazette|weekly|wire|network|paper"
    r"|chronicle|observer|reporter|insider|blog"
    r"|\.com|\.cn|\.net|\.org|\.co\.uk)$"
)
_SEPARATOR = re.compile(r"(?:\s*[|｜_]\s*|\s+[-–—]+\s+|\s*——\s*|(?<=[" + _CJK + r"])\s*[-–—]\s*)([^|｜_\-–—]{1,40})$")
_TITLE_PREFIX = re.compile(
    r"^\s*(?:[【\[［(（]\s*(?:转载|转|转帖|转发|转自\S{0,12}|原创|独家|图|组图|图文|视频|快讯|最新|推荐|荐|热点|重磅|突发"
    r"|updated?|exclusive|breaking|video|photos?|watch|repost|reprint|reposted|reprinted)\s*[】\]］)）]\s*[:：]?"
    r"|(?:转载|转帖|转)\s*[:：]"
    r"|(?:exclusive|breaking(?: news)?|repost|reprint|reprinted|update|updated|wrapup|refile|corrected|correction|rpt|analysis|factbox|explainer"
    r"|live|watch|video|opinion|editorial)(?:\s+\d{1,2})?\s*[-:–—]\s*"
    r"|原标题\s*[:：])",
    re.I,
)
_TITLE_NOISE = re.compile(
    r"[（(\[【［]\s*(?:图|组图|多图|附图|图文|视频|附视频|含视频|全文|附全文|转|转载|video|photos?|pictures?|watch|updated?)\s*[）)\]】］]"
    r"|[（(]\s*原标题\s*[:：][^（）()]{0,80}[）)]",
    re.I,
)
_ELLIPSIS_END = re.compile(r"\s*(?:\.{3,}|…+|⋯+|\[\s*(?:\.{3}|…)\s*\]|>>+|»)\s*$")

_TEXT_LEAD = re.compile(
    r"^\s*(?:"
    # 原标题：… / 编者按：… run to the first paragraph break (html_to_text leaves
    # a space there; unspaced Chinese has none inside a paragraph).
    r"[【\[［]?\s*(?:编者按|编者的话|编者注|编辑按|导读)\s*[】\]］]?\s*[:：]?\s*[^\s]{0,400}"
    r"|[【\[［]?\s*(?:原标题|转载自|本文转载自|本文来源|来源|转自)\s*[】\]］]?\s*[:：]?\s*[^\s]{0,80}"
    r"|[\[(]\s*editor[’']?s?\s+note\s*[:.-][^\])]{0,600}[\])]"
    r"|editor[’']?s?\s+note\s*[:.-]\s*[^.!?]{0,600}[.!?]"
    r"|(?:this (?:article|story) (?:was|is) (?:originally |first )?(?:published|republished|reprinted) (?:on|in|by|with) [^.]{0,200}\.)"
    r")",
    re.I,
)
_TEXT_TAIL = re.compile(
    r"(?:"
    r"[（(【\[［]?\s*(?:责任编辑|责编|编辑|校对|审核|文章来源|本文来源|原文来源|稿件来源|来源|作者)\s*[:：][^（()）【】\[\]［］。]{0,40}[）)】\]］]?"
    r"|\(\s*(?:reporting|editing|writing|additional reporting|compiled) by [^()]{0,300}\)"
    r"|(?:source|via)\s*:\s*[^.:]{0,60}"
    r")\s*$",
    re.I,
)
_TEXT_TRUNCATED = re.compile(
    r"\s*(?:\.{3,}|…+|⋯+|\[\s*(?:\.{3}|…)\s*\]|阅读全文|查看全文|阅读原文|点击查看|更多内容|read more|continue reading|full story"
    r"|>>+|»)\s*[.。]?\s*$",
    re.I,
)


def _clean(value: str) -> str:
    """NFKC, casefolded, without tags, entities and format characters."""
    if "<" in value:
        value = _TAG.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    if not value.isascii():
        value = _FORMAT.sub("", value)
    return unicodedata.normalize("NFKC", value).casefold()


def _single_spaced(value: str) -> str:
    """``" ".join(value.split())``, without the split when it would change nothing (most texts)."""
    # Every whitespace character but " " fails isprintable().
    if value.isprintable() and "  " not in value and not value.startswith(" ") and not value.endswith(" "):
        return value
    return " ".join(value.split())


def _strip_title(title: str) -> tuple[str, bool]:
    """A cleaned title without source decorations; and whether it was cut."""
    t = _single_spaced(_clean(title))
    truncated = False
    for _ in range(4):
        before = t
        t = _TITLE_NOISE.sub("", t).strip()
        t = _TITLE_PREFIX.sub("", t, count=1).strip()
        m = _ELLIPSIS_END.search(t)
        if m and m.start() > 0:
            t, truncated = t[: m.start()], True
        m = _SEPARATOR.search(t)
        if m and m.start() > 0:
            segment = m.group(1).strip(" 　:：-–—")
            if segment in _KNOWN_SOURCES or (_SOURCE_LIKE.search(segment) and not re.search(r"\d", segment)
                                                and len(segment) <= 24):
                t = t[: m.start()].rstrip()
        if t == before:
            break
    return t, truncated


def _strip_text(text: str) -> tuple[str, bool]:
    """A cleaned text without leading notes and trailing credits; and whether it was cut."""
    t = _single_spaced(_clean(text))
    truncated = False
    for _ in range(4):
        before = t
        # Both patterns end at the end of the text: search only its tail.
        m = _TEXT_TRUNCATED.search(t, max(0, len(t) - 40))
        if m:
            t, truncated = t[: m.start()], True
        # Each of its forms has a colon or a ")": most texts need no search.
        tail = t[-400:]
        if ":" in tail or "：" in tail or ")" in tail:
            m = _TEXT_TAIL.search(t, max(0, len(t) - 400))
            if m:
                t = t[: m.start()].rstrip()
        t = _TEXT_LEAD.sub("", t, count=1).lstrip()
        if t == before:
            break
    return t, truncated


def _tokens(value: str) -> list[str]:
    return value.translate(_ASCII_NON_TOKEN).split() if value.isascii() else _TOKEN.findall(value)


def _count_cjk(value: str) -> int:
    # The number of CJK characters. Summing the lengths of runs makes one
    # string a run rather than one a character.
    return 0 if value.isascii() else sum(map(len, _CJK_RUN.findall(value)))


def _key(tokens: list[str]) -> str:
    """Tokens joined back: no space next to a CJK character, one between words."""
    out: list[str] = []
    prev_cjk = True
    for tok in tokens:
        cjk = bool(_IS_CJK.match(tok))
        if out and not cjk and not prev_cjk:
            out.append(" ")
        out.append(tok)
        prev_cjk = cjk
    return "".join(out)


# --------------------------------------------------------------------------
# Hashing and the sketch

def _shingle_hashes(tokens: list[str]) -> list[int]:
    """The distinct 32-bit hashes of the token 3-grams: CRC-32 of the UTF-8
    bytes (tokens joined by U+001F), then murmur3's finaliser, which breaks
    CRC's linearity. Both are fixed functions: the same everywhere, unlike
    hash(). This is the largest part of signature()'s time, so every step
    runs as a map() over the whole text rather than a Python loop per shingle."""
    if len(tokens) < SHINGLE:
        grams = ["\x1f".join(tokens)] if tokens else []
    else:
        grams = map("\x1f".join, zip(tokens, tokens[1:], tokens[2:]))
    crcs = set(map(zlib.crc32, map(str.encode, grams)))
    # fmix32 is a bijection (xor-shifts and odd multipliers are invertible),
    # so distinct CRCs give distinct hashes: no second set needed.
    return _fmix32_all(crcs)


# One lane's mask for _fmix32_all: 2**32 - 1 as an array("Q") item holds it.
_LANE = array("Q", [_MASK]).tobytes()


def _fmix32_all(values: set[int]) -> list[int]:
    """murmur3's fmix32 of every (32-bit) value at once, bit-for-bit what

        h ^= h >> 16; h = (h * 0x85EBCA6B) & _MASK
        h ^= h >> 13; h = (h * 0xC2B2AE35) & _MASK
        h ^= h >> 16

    gives for each, but without a Python loop per value (3x faster). The
    values sit side by side in one big int, one per 64-bit lane. A 32-bit
    value times a 32-bit constant is below 2**64, so a multiplication never
    carries into the next lane; a right shift spills the next lane's low bits
    into this lane's upper half, and masking each lane to its low 32 bits
    after every step removes that (and does the ``& _MASK``).
    """
    n = len(values)
    if not n:
        return []
    # array("Q") is 8 bytes an item in native byte order; read and write the
    # big int in that order too, so that each item is one lane.
    order = sys.byteorder
    lanes = int.from_bytes(_LANE * n, order)
    x = int.from_bytes(array("Q", list(values)).tobytes(), order)  # (array() takes a list faster than a set)
    x = (x ^ (x >> 16)) & lanes
    x = (x * 0x85EBCA6B) & lanes
    x = (x ^ (x >> 13)) & lanes
    x = (x * 0xC2B2AE35) & lanes
    x = (x ^ (x >> 16)) & lanes
    return array("Q", x.to_bytes(8 * n, order)).tolist()


def _bottom_k(hashes: list[int]) -> array:
    return array("I", sorted(hashes)[:SKETCH_SIZE])


def _threshold(sketch: array, total: int) -> int:
    """Largest hash below which the sketch holds every shingle of its text."""
    return sketch[-1] if total > len(sketch) else _MASK


def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if not a.minhash or not b.minhash:
        return 0.0
    sa, sb = set(a.minhash), set(b.minhash)
    union = sorted(sa | sb)[:SKETCH_SIZE]
    both = sum(1 for h in union if h in sa and h in sb)
    return both / len(union)


def containment(small: Signature, large: Signature) -> tuple[float, int]:
    """Estimated share of `small`'s shingles that `large` has, and the sample size.

    The sample is `small`'s sketched hashes up to both sketches' limits:
    below them each sketch holds every hash of its text, so membership is exact.
    """
    if not small.minhash or not large.minhash:
        return 0.0, 0
    limit = min(_threshold(large.minhash, large.shingles), _threshold(small.minhash, small.shingles))
    sl = set(large.minhash)
    sample = [h for h in small.minhash if h <= limit]
    if not sample:
        return 0.0, 0
    return sum(1 for h in sample if h in sl) / len(sample), len(sample)


# --------------------------------------------------------------------------
# Identifying tokens

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def _cn_number(s: str) -> int | None:
    if all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s))  # 二〇二四
    total = section = num = 0
    for c in s:
        if c in _CN_DIGIT:
            num = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            section += (num or 1) * _CN_UNIT[c]
            num = 0
        elif c == "万":
            total += (section + num) * 10000
            section = num = 0
        else:
            return None
    return total + section + num


_UNIT = {"年": "年", "月": "月", "日": "日", "号": "号", "時": "时", "时": "时", "点": "点", "期": "期", "季度": "季",
         "季": "季", "届": "届", "次": "次", "批": "批", "轮": "轮", "章": "章", "集": "集", "版": "版", "%": "%",
         "周年": "周年", "号文": "号"}
_UNITS = "周年|号文|季度|年|月|日|号|时|時|点|期|季|届|次|批|轮|章|集|版|%"
# "\d\d*" is "\d+" and "[…][…]*" is "[…]+", spelled so that the pattern starts
# with a bare character class: the regex engine then skips to the next digit
# in a tight loop instead of trying a match at every position (a repeat does
# not allow that), which halves these scans over a long text.
_NUMBER = re.compile(r"(\d\d*(?:\.\d+)?)\s*(" + _UNITS + r"|st\b|nd\b|rd\b|th\b)?")
_CN_NUMERAL = "[〇零一二两三四五六七八九十百千万]"
_CN_NUMBER = re.compile(f"({_CN_NUMERAL}{_CN_NUMERAL}*)({_UNITS})")
_CN_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_WEEKDAYS = {"monday": "1", "tuesday": "2", "wednesday": "3", "thursday": "4", "friday": "5", "saturday": "6", "sunday": "7"}
_MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5, "jun": 6,
           "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
           "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
# A month name counts only next to a number ("June 12", "12 June"): alone, "may" and "march" are verbs.
_DAY_AFTER = re.compile(r"\.?\s+\d{1,2}(?!\d)")
_DAY_BEFORE = re.compile(r"(?<!\d)\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?$")
_SESSIONS = ("早盘", "午盘", "尾盘", "收盘", "开盘", "早评", "午评", "收评", "盘前", "盘中", "盘后", "早报", "午报", "晚报",
             "夜报", "上午", "下午", "晚间", "凌晨", "上半年", "下半年", "上旬", "中旬", "下旬", "前三季度", "全年")
_SESSION = re.compile("|".join(_SESSIONS) + r"|\b(?:morning|midday|afternoon|evening|overnight|pre-market|premarket)\b")
_WORD_NUMBERS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
                 "eighth": "8", "ninth": "9", "tenth": "10", "two": "2", "three": "3", "four": "4", "five": "5",
                 "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b")
_CN_PLACE_GENERIC = re.compile(f"([{_CJK}]{{2}})(?:省|市|县|州|区)")

_CN_PLACES = """北京 上海 天津 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州
云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 石家庄 唐山 保定 邯郸 廊坊 沧州 秦皇岛 太原 大同 呼和浩特
包头 沈阳 大连 鞍山 长春 哈尔滨 大庆 南京 苏州 无锡 常州 南通 扬州 徐州 镇江 盐城 杭州 宁波 温州 绍兴 嘉兴 金华 台州
湖州 合肥 芜湖 福州 厦门 泉州 南昌 赣州 济南 青岛 烟台 潍坊 临沂 淄博 济宁 聊城 德州 威海 日照 泰安 菏泽 枣庄 滨州 东营
郑州 洛阳 开封 新乡 南阳 武汉 宜昌 襄阳 长沙 株洲 岳阳 广州 深圳 珠海 佛山 东莞 惠州 汕头 湛江 江门 南宁 桂林 柳州 海口
三亚 成都 绵阳 贵阳 遵义 昆明 西安 兰州 西宁 银川 乌鲁木齐 拉萨 雄安 浦东 美国 英国 法国 德国 日本 韩国 朝鲜 俄罗斯
印度 巴西 加拿大 澳大利亚 意大利 西班牙 荷兰 瑞士 瑞典 挪威 芬兰 丹麦 波兰 乌克兰 土耳其 伊朗 伊拉克 以色列 埃及
南非 墨西哥 阿根廷 新加坡 马来西亚 泰国 越南 菲律宾 印度尼西亚 印尼 巴基斯坦 沙特 阿联酋 欧盟 纽约 华盛顿 伦敦 巴黎 东京
首尔 柏林 莫斯科 悉尼 多伦多 洛杉矶 旧金山 硅谷 芝加哥 波士顿 西雅图 迪拜 曼谷 孟买""".split()
_EN_PLACES = """afghanistan albania algeria argentina armenia australia austria azerbaijan bahrain bangladesh belarus belgium
bolivia brazil bulgaria cambodia cameroon canada chile china colombia croatia cuba cyprus czechia denmark ecuador egypt
estonia ethiopia finland france georgia germany ghana greece hungary iceland india indonesia iran iraq ireland israel italy
jamaica japan jordan kazakhstan kenya kuwait laos latvia lebanon libya lithuania luxembourg malaysia mali malta mexico
moldova mongolia morocco myanmar nepal netherlands nigeria norway oman pakistan panama paraguay peru philippines poland
portugal qatar romania russia rwanda serbia singapore slovakia slovenia somalia spain sudan sweden switzerland syria taiwan
tanzania thailand tunisia turkey uganda ukraine uruguay uzbekistan venezuela vietnam yemen zambia zimbabwe scotland wales
england britain europe africa asia alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii
idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri
montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia wisconsin wyoming london
paris berlin madrid rome moscow beijing shanghai shenzhen guangzhou tokyo seoul delhi mumbai sydney melbourne toronto
vancouver montreal chicago boston seattle houston dallas austin denver atlanta miami philadelphia detroit phoenix portland
brooklyn manhattan washington dubai istanbul cairo lagos nairobi johannesburg singapore bangkok jakarta manila hanoi kyiv
kiev warsaw vienna prague budapest athens lisbon dublin amsterdam brussels zurich geneva stockholm oslo copenhagen helsinki
edinburgh manchester liverpool birmingham glasgow osaka kyoto taipei macau wuhan chengdu hangzhou nanjing tianjin""".split()
_EN_PLACES_2 = """new york|hong kong|los angeles|san francisco|san diego|san jose|las vegas|new jersey|new mexico|new hampshire
|new zealand|new delhi|north carolina|south carolina|north dakota|south dakota|west virginia|rhode island|north korea
|south korea|south africa|saudi arabia|united states|united kingdom|sri lanka|costa rica|puerto rico|el salvador
|new orleans|st louis|salt lake|tel aviv|abu dhabi|buenos aires|mexico city|kuala lumpur|rio de janeiro|sao paulo
|cape town|silicon valley|wall street|northern ireland""".replace("\n", "").split("|")


_CN_PLACE = re.compile("|".join(sorted(_CN_PLACES, key=len, reverse=True)))
_EN_PLACE_SET = frozenset(_EN_PLACES)
_EN_PLACE_2_SET = frozenset(_EN_PLACES_2)
_EN_PLACE_2_FIRST = frozenset(p.split()[0] for p in _EN_PLACES_2)
# A "word" is a maximal run of a-z.
_EN_WORD = re.compile(r"[a-z]+")
# The words that can yield a token: places, first words of two-word places,
# weekdays and months. Most words of a text are none of them, and a Python
# loop over every word was a third of signature()'s time, so _identifying
# finds which of them occur (a set intersection with the text's words) and
# then where (a search for each).
_EN_KEY_WORDS = _EN_PLACE_SET | _EN_PLACE_2_FIRST | frozenset(_WEEKDAYS) | frozenset(_MONTHS)
_EN_KEY_WORDS_UTF8 = frozenset(w.encode() for w in _EN_KEY_WORDS)
# A string's words are what bytes.split() leaves of its UTF-8 once every byte
# but a-z is a space (UTF-8 writes any other character in bytes >= 0x80 or as
# the ASCII character itself): several times faster than _EN_WORD.findall().
_NON_LETTER_BYTES = bytes(b if 0x61 <= b <= 0x7A else 0x20 for b in range(256))


@functools.cache  # at most one pattern for each of _EN_KEY_WORDS_UTF8
def _word_pattern(word: bytes) -> re.Pattern[str]:
    """`word` as a whole word. The pattern starts with the literal word, which
    the regex engine finds fast; the lookbehind then rejects a letter before."""
    w = word.decode()
    return re.compile(f"{w}(?<![a-z]{w})(?![a-z])")


def _number_token(digits: str, unit: str | None) -> str:
    whole, dot, frac = digits.partition(".")
    value = (whole.lstrip("0") or "0") + (("." + frac.rstrip("0")) if dot and frac.rstrip("0") else "")
    unit = _UNIT.get(unit or "", "")
    return value + unit


def _identifying(value: str, title: bool) -> list[tuple[int, str]]:
    """(position, token) for every number, date, weekday and place of a cleaned string."""
    out: list[tuple[int, str]] = []
    # (The tests of isascii(), has_cjk, "," and digits only skip regexes that could not match.)
    ascii_only = value.isascii()
    has_cjk = not ascii_only and _IS_CJK.search(value) is not None
    # A space between two CJK characters is markup's doing ("北 京"), never the writer's.
    if has_cjk:
        value = _CJK_SPACE.sub("", value)
    if "," in value:
        value = _THOUSANDS.sub("", value)
    # In ASCII \d is 0-9, and ten substring tests are much faster than the scan.
    if not ascii_only or any(d in value for d in "0123456789"):
        for m in _NUMBER.finditer(value):
            out.append((m.start(), _number_token(m.group(1), m.group(2))))
    if has_cjk:
        for m in _CN_NUMBER.finditer(value):
            n = _cn_number(m.group(1))
            if n is not None:
                out.append((m.start(), _number_token(str(n), m.group(2))))
        for m in _CN_PLACE.finditer(value):
            out.append((m.start(), "@" + m.group()))
    # Latin words: places, weekdays, month names next to a number.
    # (surrogatepass: a lone surrogate must not raise; it is no letter either way.)
    words = value.encode("utf-8", "surrogatepass").translate(_NON_LETTER_BYTES).split()
    hits = sorted((m.start(), m.end(), m.group()) for word in _EN_KEY_WORDS_UTF8.intersection(words)
                  for m in _word_pattern(word).finditer(value))
    skip_to = 0
    for start, end, word in hits:
        if start < skip_to:
            continue  # the second word of a two-word place
        if word in _EN_PLACE_2_FIRST:
            # The next word, whatever is between ("south-africa", "south, africa").
            nxt = _EN_WORD.search(value, end)
            if nxt and f"{word} {nxt.group()}" in _EN_PLACE_2_SET:
                out.append((start, f"@{word} {nxt.group()}"))
                skip_to = nxt.end()  # "south africa" is not also "@africa"
                continue
        if word in _EN_PLACE_SET:
            out.append((start, "@" + word))
        elif word in _WEEKDAYS:
            out.append((start, "wd" + _WEEKDAYS[word]))
        elif word in _MONTHS and (_DAY_AFTER.match(value, end) or _DAY_BEFORE.search(value, max(0, start - 12), start)):
            out.append((start, f"m{_MONTHS[word]}"))
    if title:
        for m in _SESSION.finditer(value):
            out.append((m.start(), "s:" + m.group()))
        for m in _WORD_NUMBER.finditer(value):
            out.append((m.start(), _WORD_NUMBERS[m.group(1)]))
        if has_cjk:
            for m in _CN_WEEKDAY.finditer(value):
                out.append((m.start(), "wd" + ("7" if m.group(1) in "日天" else str(_CN_DIGIT[m.group(1)]))))
            for m in _CN_PLACE_GENERIC.finditer(value):
                out.append((m.start(), "@" + m.group(1)))
    return out


# --------------------------------------------------------------------------
# The public functions

def signature(title: str, text: str) -> Signature:
    """The signature of one entry; `text` is plain text (HTML already stripped)."""
    clean_title, title_truncated = _strip_title(title or "")
    title_tokens = _tokens(clean_title)
    clean_text, text_truncated = _strip_text(text or "")
    tokens = _tokens(clean_text)
    hashes = _shingle_hashes(tokens)
    # Every CJK character is a token of its own.
    cjk = _count_cjk(clean_text if tokens else clean_title)
    total = len(tokens) or len(title_tokens)
    found = _identifying(clean_text, title=False)
    if text_truncated and found:
        # The cut may have halved the last number ("33.2%" -> "33."): it proves nothing.
        last = max(p for p, _ in found)
        if last >= len(clean_text) - 12:
            found = [(p, tok) for p, tok in found if p != last]
    return Signature(
        title_key=_key(title_tokens),
        title_tokens=tuple(sorted({tok for _, tok in _identifying(clean_title, title=True)})),
        title_truncated=title_truncated,
        script="cjk" if total and cjk * 3 >= total else "latin",
        length=len(tokens),
        shingles=len(hashes),
        minhash=_bottom_k(hashes),
        text_tokens=tuple(sorted({tok for _, tok in found})),
        text_truncated=text_truncated,
    )


@functools.lru_cache(maxsize=8192)
def _title_grams(key: str) -> frozenset[str]:
    # Cached: one new entry is compared with up to two dozen candidates,
    # and the same candidates recur from entry to entry. A CJK title's grams
    # take about 5 KB, so 8,192 of them stay under 45 MB; 65,536 would let a
    # long-running daemon grow by 350 MB (issue #19).
    toks = _tokens(key)
    return frozenset(toks) | {toks[i] + "\x1f" + toks[i + 1] for i in range(len(toks) - 1)}


def title_similarity(a: str, b: str) -> float:
    """Jaccard of two title keys' token unigrams and bigrams."""
    ga, gb = _title_grams(a), _title_grams(b)
    if not ga or not gb:
        return 1.0 if a == b else 0.0
    return len(ga & gb) / len(ga | gb)


def _title_tokens_agree(a: Signature, b: Signature) -> bool:
    if a.title_tokens == b.title_tokens:
        return True
    # A title cut short ("…") may have lost tokens the full one has.
    return ((a.title_truncated and set(a.title_tokens) <= set(b.title_tokens))
            or (b.title_truncated and set(b.title_tokens) <= set(a.title_tokens)))


def _same_title(a: Signature, b: Signature, t: Thresholds) -> bool:
    """Equal title keys, or one is the other plus a short decoration that was
    not recognised (an unknown outlet's name), or the rest of a cut title."""
    if a.title_key == b.title_key:
        return True
    short, long = (a, b) if len(a.title_key) <= len(b.title_key) else (b, a)
    if short.title_key and (long.title_key.startswith(short.title_key) or long.title_key.endswith(short.title_key)):
        cut = short.title_truncated and long.title_key.startswith(short.title_key)
        return cut or _weight(long.title_key) - _weight(short.title_key) <= t.title_extra_chars
    return False


def _titles_agree(a: Signature, b: Signature, t: Thresholds) -> bool:
    """The same title (_same_title), or a nearly equal one (a typo fixed). A
    template slot ("Senior Backend Engineer" vs "Senior Frontend Engineer")
    is neither; a one-character slot in a long Chinese title (竖向/横向) can
    be, so only the text may then accept (rule d)."""
    return _same_title(a, b, t) or title_similarity(a.title_key, b.title_key) >= t.title_similarity


def _text_tokens_agree(small: Signature, large: Signature, t: Thresholds) -> bool:
    have = set(large.text_tokens)
    missing = sum(1 for tok in small.text_tokens if tok not in have)
    return missing <= int(t.token_slack * len(small.text_tokens))


def is_same_story(a: Signature, b: Signature, t: Thresholds = _DEFAULT_THRESHOLDS) -> bool:
    """Are these two entries copies of one story? Refuses when in doubt (module docstring)."""
    # (a) Numbers, dates and places of the titles: a series differs here.
    if not _title_tokens_agree(a, b):
        return False
    # (b) The same title, once decorations are gone.
    if not _titles_agree(a, b, t):
        return False
    # (c) Numbers, dates and places of the shorter text all in the longer.
    small, large = (a, b) if (a.shingles, a.length) <= (b.shingles, b.length) else (b, a)
    if small.shingles and not _text_tokens_agree(small, large, t):
        return False
    # (d) Enough text on both sides: the text decides.
    if small.shingles >= t.min_shingles:
        share, sample = containment(small, large)
        if sample >= t.min_sample:
            cjk = a.script == "cjk" or b.script == "cjk"
            return share >= (t.cjk_similarity if cjk else t.latin_similarity)
    # (e) Too little text: only a long title, the same on both sides (b).
    return _same_title(a, b, t) and min(_weight(a.title_key), _weight(b.title_key)) >= t.min_title_chars


def _weight(key: str) -> int:
    return len(key) + len(_IS_CJK.findall(key))


def band_keys(sig: Signature) -> list[str]:
    """Keys under which the store indexes an entry; true duplicates share one.

    ``t:…`` is the title key's hash; ``b<i>:…`` are one-permutation LSH bands
    (module docstring). Keys are short ASCII strings, the same on every machine.
    """
    keys = []
    if sig.title_key:
        # The whole title key, and its first and last TITLE_KEY_TOKENS tokens:
        # an unrecognised outlet name before or after the title then still
        # leaves one key in common.
        tokens = _tokens(sig.title_key)
        for part in dict.fromkeys((sig.title_key, _key(tokens[:TITLE_KEY_TOKENS]), _key(tokens[-TITLE_KEY_TOKENS:]))):
            keys.append("t:" + hashlib.blake2b(part.encode("utf-8"), digest_size=8).hexdigest())
    if sig.shingles >= 2 * BINS:
        mins: dict[int, int] = {}
        for h in sig.minhash:  # ascending: the first hash seen in a bin is its minimum
            mins.setdefault(h & (BINS - 1), h)
        for band in range(BINS // ROWS):
            row = [mins.get(band * ROWS + r) for r in range(ROWS)]
            if None not in row:
                keys.append(f"b{band}:" + ":".join(format(v >> 5, "x") for v in row))
    return keys
