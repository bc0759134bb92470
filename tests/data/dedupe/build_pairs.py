"""Builds pairs.jsonl, the labelled near-duplicate set of tests/test_dedupe.py.

    .venv/bin/python tests/data/dedupe/build_pairs.py   # rewrites pairs.jsonl beside it

Deterministic: the same corpus gives the same file (fixed seeds, no clock).
Real articles come from ../shared/corpus (relative to the repository root) and
../shared/seed/example-post.md; CI does not run this script, it reads the
committed pairs.jsonl.

Every label is set by construction, never by feedhub.merge.dedupe:

- positives: one real article and a copy made by one known variation (or a
  combination): a source suffix in the title, a reprint prefix, full-width
  characters, other markup, an added editor's note, the first paragraph
  dropped, only a truncated summary, or no text at all.
- negatives: two different real articles of one feed ("unrelated"); real
  series of one feed ("series": 科技爱好者周刊 第 374/375 期, QEMU 9.1/9.2
  release notes, identical "Typepad Release Notes" titles); a real article
  and its template twin with other figures and places ("template") or other
  dates ("other_day"); hand-written series and templates (quarterly reports
  of two cities, daily market wraps, numbered announcements, lottery draws,
  weather warnings) and follow-up stories of the same event on another day.
- reworded headlines (reworded.py, issue #17): hand-written wire stories
  carried under headlines two desks wrote differently ("reworded", same
  story), and template series whose headline was rewritten too
  ("reworded_series", different stories).

Each text is kept under ~1500 characters.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import feedparser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
sys.path.insert(0, str(ROOT))

from feedhub.normalize import html_to_text  # noqa: E402

from hand_written import HAND_PAIRS  # noqa: E402  (tests/data/dedupe/hand_written.py)
from reworded import REWORDED_PAIRS  # noqa: E402  (tests/data/dedupe/reworded.py, issue #17)

MAX_CHARS = 1400
_BLOCK = re.compile(r"(?i)</p\s*>|<br\s*/?>|</div\s*>|</h[1-6]\s*>|</li\s*>|</blockquote\s*>|</tr\s*>|\n\s*\n")
_SENTENCE_END = re.compile(r"[。！？!?；]|[.!?][\"”’)]?(?=\s)")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# (file under corpus/, how many entries to take at most)
CHINESE_FEEDS = [
    ("chinese/rssant__http-www-caogen-com-adminsite-rss-xml.xml", 8),
    ("chinese/chardet__GB2312-acnnewswire.net.xml", 6),
    ("chinese/rssant__https-www-waerfa-com-feed.xml", 6),
    ("chinese/rssant__https-chocoluffy-com-atom-xml.xml", 4),
    ("chinese/rssant__https-blog-huoding-com-feed.xml", 4),
    ("chinese/rssant__coolshell-cn-feed.xml", 4),
    ("chinese/rssant__https-steachs-com-feed.xml", 4),
    ("chinese/rssant__http-www-gushequ-com-feed.xml", 4),
    ("chinese/rssant__kilerd-me-rss.xml", 3),
    ("chinese/rssant__https-einverne-github-io-rss-xml.xml", 3),
    ("chinese/rssant__diygod-me-atom.xml", 3),
    ("chinese/chardet__Big5-upsaid.com.xml", 3),
    ("chinese/rodel-reader__Podcast-ld.xml", 3),
]
ENGLISH_FEEDS = [
    ("real/rss-parser__guardian.rss", 8),
    ("real/feedjira__TechCrunch.xml", 7),
    ("real/node-feedparser__tpm.atom", 6),
    ("real/netnewswire__macworld.rss", 5),
    ("real/rssant__http-www-manrepeller-com-feed.xml", 3),
    ("real/miniflux__large_rss.xml", 3),
    ("real/rss-parser__feedburner.atom", 3),
    ("real/feedjira__AmazonWebServicesBlog.xml", 3),
    ("real/netnewswire__allthis.atom", 3),
    ("real/netnewswire__dcrainmaker.xml", 2),
    ("real/netnewswire__natasha.xml", 2),
    ("real/feedjira__TrotterCashionHome.xml", 2),
]


# --------------------------------------------------------------------------
# Reading real articles

def paragraphs(fragment: str) -> list[str]:
    paras = [html_to_text(chunk) for chunk in _BLOCK.split(fragment or "")]
    return [p for p in paras if p]


def clip(paras: list[str]) -> list[str]:
    """Whole paragraphs up to MAX_CHARS; a long first one is cut at a sentence end."""
    out: list[str] = []
    total = 0
    for p in paras:
        if total + len(p) + 1 > MAX_CHARS:
            if not out:
                cut = [m.end() for m in _SENTENCE_END.finditer(p) if m.start() <= MAX_CHARS]
                out.append(p[: cut[-1]].strip() if cut else p[:MAX_CHARS])
            break
        out.append(p)
        total += len(p) + 1
    return out


def read_feed(rel: str) -> list[dict]:
    parsed = feedparser.parse((CORPUS / rel).read_bytes())
    articles = []
    for i, e in enumerate(parsed.entries):
        body = (e.get("content") or [{}])[0].get("value") or e.get("summary") or ""
        paras = clip(paragraphs(body))
        articles.append({"title": " ".join((e.get("title") or "").split()), "paras": paras,
                         "origin": f"{rel}#{i}"})
    return articles


def usable(article: dict, chinese: bool) -> bool:
    text = " ".join(article["paras"])
    if len(text) < 400 or not article["title"]:
        return False
    cjk = len(_CJK.findall(text))
    return cjk > len(text) * 0.4 if chinese else cjk == 0


def seed_post() -> dict:
    raw = (SHARED / "seed" / "example-post.md").read_text(encoding="utf-8")
    title = re.search(r'^title:\s*"(.*)"', raw, re.M).group(1)
    body = raw.split("---", 2)[2]
    body = body[: body.index('<p class="em_media">')] if '<p class="em_media">' in body else body
    return {"title": title, "paras": clip(paragraphs(body)), "origin": "seed/example-post.md"}


def text(article: dict) -> str:
    return " ".join(article["paras"])


# --------------------------------------------------------------------------
# Variations that keep the story (positives)

# Known outlets, outlet-like names, and a few names feedhub cannot know (｜湃客, - KTLA).
CN_SUFFIXES = ["｜新华网", "_新浪财经_新浪网", "-中新网", " - 澎湃新闻", "——人民网", "_凤凰网", "|界面新闻", " - 中国日报网",
               "_腾讯新闻", "｜北京日报", "-东方财富网", "_网易科技", "｜湃客", "——北晚在线", "_手机网易网", " - 观点"]
EN_SUFFIXES = [" - Reuters", " | BBC News", " - The Guardian", " | TechCrunch", " — Ars Technica", " - The New York Times",
               " | Financial Times", " - CNN", " | AP News", " - Bloomberg", " | Engadget", " - Yahoo Finance", " - KTLA",
               " | Mashable", " — Slashdot"]
CN_FOOTERS = ["更多精彩内容，欢迎关注我们的公众号。", "（本文仅供参考，不构成投资建议。）", "欢迎在评论区留言，分享你的看法。"]
EN_FOOTERS = ["Follow us on Twitter for more stories like this.", "Sign up for our newsletter to get the latest news.",
              "Have a tip? Let us know."]
CN_PREFIXES = ["【转载】", "[转]", "转载：", "【转】", "【转载】", "[转]"]
EN_PREFIXES = ["[Repost] ", "Reprint: ", "[Repost] "]
CN_REPRINT_LEADS = ["本文转载自微信公众号“物流观察”", "转载自：财经头条", "本文来源：中国经济网", ""]
EN_REPRINT_LEADS = ["This article was originally published on The Conversation.",
                    "This story was originally published by Grist.", ""]
CN_NOTES = [
    "编者按：近年来，行业竞争日趋激烈，如何创新服务模式、提升发展质量成为各方关注的焦点。本文从一线实践出发，梳理经验做法，供读者参考。",
    "【编者按】本文作者长期关注这一领域，文中观点仅代表作者本人，不代表本网立场。转载请注明出处。",
    "编者按：这是一篇来自读者的投稿，我们略作删节后刊发，欢迎大家在评论区交流讨论。",
    "编者的话：好的经验需要被看见。本期我们关注基层的探索与创新，听听他们的故事。",
]
EN_NOTES = [
    "Editor's note: This story has been updated with additional reporting and comment from the company.",
    "[Editor's note: This post is part of our weekly series highlighting the best writing from around the web.]",
    "Editor’s Note: The views expressed here are the author's own and do not necessarily reflect those of the publication.",
    "(Editor's note: This article first appeared in our newsletter. Sign up to receive it in your inbox.)",
]
TRUNC_MARKERS_CN = ["……", "...", "…", " 阅读全文", "[…]", ""]
TRUNC_MARKERS_EN = ["...", " […]", "…", " Continue reading...", " Read more", ""]


def fullwidth(s: str, rng: random.Random, share: float = 1.0) -> str:
    out = []
    for c in s:
        if "!" <= c <= "~" and rng.random() < share:
            out.append(chr(ord(c) + 0xFEE0))
        elif c == " " and rng.random() < share * 0.5:
            out.append("\u3000")
        else:
            out.append(c)
    return "".join(out)


def markup(paras: list[str], rng: random.Random, chinese: bool) -> str:
    """Other HTML for the same paragraphs, as html_to_text turns it into text."""
    tags = ["strong", "em", "span style=\"color:#333\"", "a href=\"https://example.com/x\"", "b", "font color=red"]
    html_paras = []
    for p in paras:
        if chinese:
            # Tags go between characters, never inside a Latin word or a number.
            allowed = [i for i in range(1, len(p)) if not (p[i - 1].isascii() and p[i - 1] != " ")
                       and not (p[i].isascii() and p[i] != " ")]
            cuts = sorted(rng.sample(allowed, min(len(allowed), 4))) if len(allowed) > 8 else []
        else:
            spaces = [m.start() for m in re.finditer(" ", p)]
            cuts = sorted(rng.sample(spaces, min(len(spaces), 4))) if len(spaces) > 4 else []
        pieces, last = [], 0
        for k, cut in enumerate(cuts):
            pieces.append(p[last:cut])
            if k % 2 == 0:
                tag = rng.choice(tags)
                pieces.append(f"<{tag}>")
                open_tag = tag.split()[0]
            else:
                pieces.append(f"</{open_tag}>")
            last = cut
        pieces.append(p[last:])
        if len(cuts) % 2 == 1:
            pieces.append(f"</{open_tag}>")
        body = "".join(pieces).replace("，", "，&nbsp;", 1)
        html_paras.append(f'<div class="para"><p style="text-indent:2em">{body}</p></div>')
    html_paras.insert(min(1, len(html_paras)), '<p><img src="a.jpg" alt="图片"/></p>' if chinese
                      else '<figure><img src="a.jpg" alt=""/></figure>')
    return html_to_text("\n".join(html_paras))


def drop_first(paras: list[str]) -> str:
    """The text without its first paragraph (or, for one paragraph, its first sentences)."""
    full = " ".join(paras)
    if len(paras) >= 3 and len(paras[0]) <= 0.45 * len(full):
        return " ".join(paras[1:])
    cuts = [m.end() for m in _SENTENCE_END.finditer(full) if 0.12 * len(full) <= m.start() <= 0.35 * len(full)]
    if cuts:
        return full[cuts[0]:].strip()
    return " ".join(paras[1:]) if len(paras) >= 2 else full[len(full) // 4:]


def summary(full: str, rng: random.Random, chinese: bool, marker: str) -> str:
    """The feed's truncated summary: the first 80-320 characters (CJK) or 25-70 words."""
    if chinese:
        n = rng.randint(80, 320)
        cut = full[:n]
    else:
        words = full.split(" ")
        cut = " ".join(words[: rng.randint(25, 70)])
    if not marker:  # no marker: a summary that ends at a sentence end
        ends = [m.end() for m in _SENTENCE_END.finditer(cut)]
        cut = cut[: ends[-1]].strip() if ends and ends[-1] > len(cut) // 3 else cut
    return cut.rstrip() + marker


def light_edit(full: str, chinese: bool, n: int) -> str:
    """What a careful reprinter changes: quote marks, one sentence without
    figures left out, its own footer."""
    if chinese:
        edited = full.replace("“", "「").replace("”", "」")
    else:
        edited = full.replace("“", '"').replace("”", '"').replace("’", "'")
    ends = [m.end() for m in _SENTENCE_END.finditer(edited)]
    spans = [(ends[i], ends[i + 1]) for i in range(1, len(ends) - 2)]
    spans = [(x, y) for x, y in spans if not re.search(r"\d", edited[x:y]) and 20 <= y - x <= 200]
    if spans:
        x, y = spans[n % len(spans)]
        edited = edited[:x] + edited[y:]
    footers = CN_FOOTERS if chinese else EN_FOOTERS
    return edited.strip() + " " + footers[n % len(footers)]


def positives(articles: list[dict], chinese: bool, rng: random.Random) -> list[dict]:
    kinds = ["suffix", "reprint_prefix", "fullwidth", "markup", "editor_note", "first_para_dropped",
             "truncated_summary", "truncated_summary", "combo", "light_edit"]
    suffixes = CN_SUFFIXES if chinese else EN_SUFFIXES
    out = []
    for n, art in enumerate(articles):
        for kind in (kinds[n % len(kinds)], kinds[(n + 4) % len(kinds)]) if n < len(articles) * 0.6 else (kinds[n % len(kinds)],):
            title, paras, full = art["title"], art["paras"], text(art)
            a = {"title": title, "text": full}
            b = {"title": title, "text": full}
            if kind == "suffix":
                b["title"] = title + suffixes[n % len(suffixes)]
                if n % 3 == 0:
                    a["title"] = title + suffixes[(n + 5) % len(suffixes)]
            elif kind == "reprint_prefix":
                prefixes = CN_PREFIXES if chinese else EN_PREFIXES
                leads = CN_REPRINT_LEADS if chinese else EN_REPRINT_LEADS
                b["title"] = prefixes[n % len(prefixes)] + title
                lead = leads[n % len(leads)]
                b["text"] = (lead + " " + full) if lead else full
            elif kind == "fullwidth":
                b["title"] = fullwidth(title, rng)
                b["text"] = fullwidth(full, rng, 1.0 if chinese else 0.7)
            elif kind == "markup":
                b["text"] = markup(paras, rng, chinese)
                if n % 2:
                    b["title"] = title.replace(" ", "  ") + " "
            elif kind == "editor_note":
                notes = CN_NOTES if chinese else EN_NOTES
                b["text"] = notes[n % len(notes)] + " " + full
            elif kind == "first_para_dropped":
                b["text"] = drop_first(paras)
            elif kind == "truncated_summary":
                markers = TRUNC_MARKERS_CN if chinese else TRUNC_MARKERS_EN
                b["text"] = summary(full, rng, chinese, markers[n % len(markers)])
                if n % 2:
                    b["title"] = title + suffixes[(n + 2) % len(suffixes)]
            elif kind == "light_edit":
                b["text"] = light_edit(full, chinese, n)
            elif kind == "combo":
                variant = n % 4
                if variant == 0:  # a summary from an outlet that adds its name
                    b["title"] = title + suffixes[(n + 1) % len(suffixes)]
                    b["text"] = summary(full, rng, chinese, "...")
                elif variant == 1:  # a reprint with other markup
                    b["title"] = (CN_PREFIXES if chinese else EN_PREFIXES)[0] + title
                    b["text"] = markup(paras, rng, chinese)
                elif variant == 2:  # full-width, with an editor's note
                    b["title"] = fullwidth(title, rng)
                    b["text"] = fullwidth((CN_NOTES if chinese else EN_NOTES)[n % 4] + " " + full, rng)
                else:  # one outlet dropped the lead, the other added its name
                    a["title"] = title + suffixes[(n + 3) % len(suffixes)]
                    b["text"] = drop_first(paras)
            out.append({"a": a, "b": b, "duplicate": True, "kind": kind, "lang": "zh" if chinese else "en",
                        "origin": art["origin"]})
    return out


def title_only(articles: list[dict], chinese: bool) -> list[dict]:
    """Copies whose feeds give no text: only the (decorated) title."""
    suffixes = CN_SUFFIXES if chinese else EN_SUFFIXES
    out = []
    for n, art in enumerate(articles):
        out.append({"a": {"title": art["title"], "text": ""},
                    "b": {"title": art["title"] + suffixes[(n + 7) % len(suffixes)], "text": ""},
                    "duplicate": True, "kind": "title_only", "lang": "zh" if chinese else "en", "origin": art["origin"]})
    return out


# --------------------------------------------------------------------------
# Other stories (negatives)

CN_PLACE_SWAP = {"聊城": "德州", "山东": "河北", "湖西": "城北", "莘县": "冠县", "古云": "柳林", "河南": "湖北", "海河": "淮河",
                 "日本": "韩国", "中国": "中国", "北京": "天津", "上海": "杭州", "广州": "深圳", "美国": "英国", "欧盟": "东盟",
                 "马尼拉": "曼谷", "菲律宾": "泰国", "纽约": "伦敦", "武汉": "长沙", "台湾": "香港"}
EN_PLACE_SWAP = {"Nasdaq": "NYSE", "California": "Texas", "New York": "Chicago", "Washington": "Oregon", "London": "Paris",
                 "Florida": "Georgia", "Britain": "France", "UK": "Ireland", "China": "Japan", "Europe": "Asia",
                 "America": "Canada", "Texas": "Ohio", "Seattle": "Denver", "San Francisco": "Boston"}


def renumber(s: str, shift: int) -> str:
    """Other figures: every number but a year changes."""
    def repl(m: re.Match) -> str:
        digits = m.group()
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return digits
        value = int(digits)
        return str(value + shift + (value * 7 + 3) % 9)
    return re.sub(r"\d+", repl, s)


def replace_places(s: str, swap: dict[str, str]) -> str:
    for old, new in swap.items():
        s = s.replace(old, new)
    return s


def has_figures(s: str) -> bool:
    return len([m for m in re.finditer(r"\d+", s) if not (len(m.group()) == 4 and m.group()[:2] in ("19", "20"))]) >= 3


def template_twin(art: dict, chinese: bool, k: int) -> dict:
    swap = CN_PLACE_SWAP if chinese else EN_PLACE_SWAP
    return {"title": replace_places(renumber(art["title"], k), swap),
            "text": replace_places(renumber(text(art), k), swap)}


_CN_DATE = re.compile(r"(\d{1,2})(\s*)月(\s*)(\d{1,2})(\s*)日")
_EN_DATE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2})\b")
_EN_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def next_day(s: str) -> str:
    s = _CN_DATE.sub(lambda m: f"{m.group(1)}{m.group(2)}月{m.group(3)}{int(m.group(4)) % 28 + 1}{m.group(5)}日", s)
    s = _EN_DATE.sub(lambda m: f"{m.group(1)} {int(m.group(2)) % 28 + 1}", s)
    return _EN_WEEKDAY.sub(lambda m: _DAYS[(_DAYS.index(m.group(1)) + 1) % 7], s)


def has_date(s: str) -> bool:
    return bool(_CN_DATE.search(s) or _EN_DATE.search(s) or _EN_WEEKDAY.search(s))


def negatives_real(feeds: dict[str, list[dict]], chinese: bool) -> list[dict]:
    lang = "zh" if chinese else "en"
    out = []
    # Two different articles of one feed.
    for rel, arts in feeds.items():
        for i in range(0, min(len(arts) - 1, 4), 2):
            a, b = arts[i], arts[i + 1]
            out.append({"a": {"title": a["title"], "text": text(a)}, "b": {"title": b["title"], "text": text(b)},
                        "duplicate": False, "kind": "unrelated", "lang": lang, "origin": f"{a['origin']} {b['origin']}"})
    # A template twin: the same text with other figures and places.
    k = 0
    for arts in feeds.values():
        for art in arts:
            if has_figures(text(art)) and k < 14:
                k += 1
                out.append({"a": {"title": art["title"], "text": text(art)}, "b": template_twin(art, chinese, k),
                            "duplicate": False, "kind": "template", "lang": lang, "origin": art["origin"]})
    # The same text about another day.
    k = 0
    for arts in feeds.values():
        for art in arts:
            if has_date(text(art)) and k < 8:
                k += 1
                out.append({"a": {"title": art["title"], "text": text(art)},
                            "b": {"title": next_day(art["title"]), "text": next_day(text(art))},
                            "duplicate": False, "kind": "other_day", "lang": lang, "origin": art["origin"]})
    return out


# Real series: (file, entry index, entry index)
REAL_SERIES = [
    ("chinese/rodel-reader__Rss-ruanyifeng.xml", 0, 2), ("chinese/rodel-reader__Rss-ruanyifeng.xml", 2, 4),
    ("chinese/rodel-reader__Rss-ruanyifeng.xml", 0, 4), ("chinese/rssant__www-ruangyifeng-com-blog-atom.xml", 0, 1),
    ("chinese/rssant__www-ruangyifeng-com-blog-atom.xml", 1, 2), ("chinese/rssant__www-ruangyifeng-com-blog-atom.xml", 0, 2),
    ("chinese/rssant__https-www-dozer-cc-feed.xml", 0, 1), ("chinese/rssant__https-www-dozer-cc-feed.xml", 5, 6),
    ("chinese/rssant__https-www-dozer-cc-feed.xml", 7, 8), ("chinese/rssant__http-www-gushequ-com-feed.xml", 0, 1),
    ("chinese/wechat-feeds__MjM5MjU3OTI0MA==.xml", 0, 6), ("chinese/wechat-feeds__MjM5MjU3OTI0MA==.xml", 6, 16),
    ("real/netnewswire__qemu.atom", 0, 1), ("real/netnewswire__qemu.atom", 3, 4), ("real/netnewswire__qemu.atom", 6, 7),
    ("real/netnewswire__qemu.atom", 8, 9), ("real/netnewswire__draw-down.atom", 0, 6),
    ("real/netnewswire__draw-down.atom", 8, 13), ("real/feedjira__TypePadNews.xml", 1, 6),
    ("real/feedjira__TypePadNews.xml", 2, 5), ("real/feedjira__TypePadNews.xml", 0, 4),
    ("real/rss-parser__many-links.rss", 0, 1), ("real/rss-parser__many-links.rss", 16, 17),
    ("real/rss-parser__many-links.rss", 6, 24), ("real/rss-parser__many-links.rss", 12, 18),
    ("real/netnewswire__macworld.rss", 26, 28),
]


def series_real() -> list[dict]:
    out = []
    cache: dict[str, list[dict]] = {}
    for rel, i, j in REAL_SERIES:
        arts = cache.setdefault(rel, read_feed(rel))
        a, b = arts[i], arts[j]
        ta, tb = text(a) or a["title"], text(b) or b["title"]
        out.append({"a": {"title": a["title"], "text": ta}, "b": {"title": b["title"], "text": tb},
                    "duplicate": False, "kind": "series", "lang": "zh" if rel.startswith("chinese") else "en",
                    "origin": f"{a['origin']} {b['origin']}"})
    return out


# --------------------------------------------------------------------------

def collect(feed_list: list[tuple[str, int]], chinese: bool) -> dict[str, list[dict]]:
    feeds = {}
    for rel, limit in feed_list:
        arts = [a for a in read_feed(rel) if usable(a, chinese)][:limit]
        if arts:
            feeds[rel] = arts
    return feeds


def main() -> None:
    rng = random.Random(20240604)
    cn = collect(CHINESE_FEEDS, True)
    en = collect(ENGLISH_FEEDS, False)
    seed = seed_post()
    cn_articles = [seed] + [a for arts in cn.values() for a in arts]
    en_articles = [a for arts in en.values() for a in arts]
    pairs = []
    pairs += positives(cn_articles, True, rng)
    pairs += positives(en_articles, False, rng)
    pairs += title_only([a for a in cn_articles if len(a["title"]) >= 16][:3], True)
    pairs += title_only([a for a in en_articles if len(a["title"]) >= 40][:3], False)
    cn["seed/example-post.md"] = [seed]
    pairs += negatives_real(cn, True)
    pairs += negatives_real(en, False)
    pairs += series_real()
    pairs += HAND_PAIRS
    pairs += REWORDED_PAIRS
    for p in pairs:
        for side in ("a", "b"):
            assert len(p[side]["text"]) <= 1600, (p["kind"], p.get("origin"), len(p[side]["text"]))
    with open(HERE / "pairs.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n")
    counts: dict[tuple[str, bool], int] = {}
    for p in pairs:
        counts[(p["kind"], p["duplicate"])] = counts.get((p["kind"], p["duplicate"]), 0) + 1
    print(len(pairs), "pairs;", sum(p["duplicate"] for p in pairs), "duplicates")
    for (kind, dup), n in sorted(counts.items()):
        print(f"  {kind:20} {'dup' if dup else 'different':9} {n}")


if __name__ == "__main__":
    main()
