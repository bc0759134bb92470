"""A title or a text made comparable: cleaned, stripped of what outlets add,
split into tokens. The first step of near-duplicate detection (dedupe.py).

Cleaning: NFKC, so full-width letters, digits and punctuation become
half-width, then casefold. Drop leftover tags and entities, zero-width and
other format characters. Titles lose source decorations: a trailing
``｜新华网``, ``_新浪财经``, `` - Reuters``, `` | BBC News`` when the last
segment is a known outlet or looks like one (ends in 网/报/社/新闻/News/Times…,
no digits); a leading ``【转载】``, ``[转]``, ``转载：``, ``UPDATE 2-``;
``（图）``, ``[视频]``; ``原标题：…``. Texts lose a leading ``原标题：…`` line,
an editor's note (``编者按：…``, ``Editor's note: …``), reprint lines
(``本文转载自…``), trailing ``责任编辑：…``/``（文章来源：…）``/``(Reporting by …)``
and a truncation marker (``…``, ``[...]``, ``阅读全文``).

Tokens: every CJK character (Han, kana, hangul) is one token, every run of
other letters and digits is one (a Latin word). Spaces and punctuation
disappear, so spaces that markup put between Chinese characters do not
matter. The tokens joined back (:func:`join_tokens`) are a title's key.

The patterns and outlet names are most of the lines; they change when an
outlet's decoration is seen in the wild, not with the comparison rules, so
they are kept apart from them.
"""

from __future__ import annotations

import html
import re
import unicodedata

# The CJK characters (kana, Han, hangul, 々, 〇) as the inside of a character class.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u3005\u3007"
_TOKEN = re.compile(f"[{CJK}]|[^\\W_{CJK}]+")
# In an ASCII string \w is [a-zA-Z0-9_], so the tokens are the runs of
# letters and digits; with every other character made a space, str.split()
# finds them three times faster than the regex.
_ASCII_NON_TOKEN = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
IS_CJK = re.compile(f"[{CJK}]")
_CJK_RUN = re.compile(f"[{CJK}]+")
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
_SEPARATOR = re.compile(r"(?:\s*[|｜_]\s*|\s+[-–—]+\s+|\s*——\s*|(?<=[" + CJK + r"])\s*[-–—]\s*)([^|｜_\-–—]{1,40})$")
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
    r"|[（(]\s*原标题\s*[:：][^（）()]{0,80}[）)]"
    # A reprint's "(via Outlet)" (issue #17): the reprinted title is the original's.
    r"|[（(]\s*via\s+[^（）()]{1,40}[）)]\s*$",
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


def strip_title(title: str) -> tuple[str, bool]:
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


def strip_text(text: str) -> tuple[str, bool]:
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


def tokenise(value: str) -> list[str]:
    return value.translate(_ASCII_NON_TOKEN).split() if value.isascii() else _TOKEN.findall(value)


def count_cjk(value: str) -> int:
    # The number of CJK characters. Summing the lengths of runs makes one
    # string a run rather than one a character.
    return 0 if value.isascii() else sum(map(len, _CJK_RUN.findall(value)))


def join_tokens(tokens: list[str]) -> str:
    """Tokens joined back: no space next to a CJK character, one between words."""
    out: list[str] = []
    prev_cjk = True
    for tok in tokens:
        cjk = bool(IS_CJK.match(tok))
        if out and not cjk and not prev_cjk:
            out.append(" ")
        out.append(tok)
        prev_cjk = cjk
    return "".join(out)

