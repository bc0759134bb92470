"""The original outlet is credited (issue #17 item 1), end to end: `feedhub
run --once` on file sources the test writes. A story first published by
outlet A, reprinted by B with 【转载】 and fuller text and by C with an
editor's note, is published titled as A's, crediting A, naming B and C, in
every format and on its page; the same in English; a reprint of an outlet
that is no configured source says whose it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lxml import etree, html

from builders import WIRE_PARAS, WIRE_TITLE, atom_entries, config_file, rss, run_once
from feedhub.publish.common import entry_file

PARAS, TITLE = WIRE_PARAS, WIRE_TITLE

EN_PARAS = [
    "Dockworkers at the city's two container terminals returned to work on Friday after a three-week strike over "
    "automation and overtime, ending the longest stoppage at the port since the nineteen-nineties.",
    "The agreement, reached late on Thursday after talks brokered by the state mediation service, guarantees "
    "that no permanent jobs will be cut when the new automated cranes arrive over the next two years.",
    "Shipping lines said it would take at least ten days to clear the backlog of vessels waiting at anchor, "
    "and several retailers warned that deliveries of furniture and electronics would arrive late this month.",
    "Union leaders called the deal a fair compromise and said members would vote on it next week, while the "
    "port authority said it expected traffic to return to normal levels by the end of the following month.",
]
EN_TITLE = "Port strike ends after three weeks as dockworkers accept automation deal"


def paragraphs(texts) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def publish(tmp_path: Path, feeds: dict[str, bytes], language: str) -> Path:
    """Each outlet's feed as a file, one run; the output folder."""
    sources = []
    for name, document in feeds.items():
        path = tmp_path / f"{len(sources)}.xml"
        path.write_bytes(document)
        sources.append({"name": name, "url": path.name, "categories": ["要闻"]})
    config = config_file(tmp_path, sources, site={"title": "Hub", "base_url": "https://hub.example/",
                                                  "language": language, "timezone": "Asia/Shanghai"},
                         categories=[{"name": "要闻", "slug": "news"}])
    assert run_once(config) == 0
    return tmp_path / "out/news"


def text_of(fragment: str) -> str:
    return html.fromstring(f"<div>{fragment}</div>").text_content()


def credits(out: Path, title: str) -> dict[str, str]:
    """The attribution lines of the story titled ``title`` in each format
    and on its page (the text from 文章来源/Source on)."""
    entry = next(e for e in atom_entries(out / "atom.xml") if e["title"] == title)
    item = next(i for i in etree.parse(str(out / "rss.xml")).iter("item") if i.findtext("title") == title)
    feed_item = next(i for i in json.loads((out / "feed.json").read_text("utf-8"))["items"] if i["title"] == title)
    page = html.fromstring((out / entry_file(entry["id"])).read_bytes())
    found = {"atom": text_of(entry["content"]), "rss": text_of(item.findtext("description")),
             "json": text_of(feed_item["content_html"]),
             "page": "".join(p.text_content() for p in page.xpath("//p[@class='attribution' or @class='also']"))}
    return {fmt: re.sub(r"^.*?(?=文章来源|Source: )", "", text, flags=re.S) for fmt, text in found.items()}


def test_the_outlet_that_published_first_is_credited_not_its_reprinters(tmp_path):
    # A publishes at 10:00 (three paragraphs); B reprints at 10:07 with the
    # 【转载】 tag and the fuller text; C at 10:09 with an editor's note.
    a = rss([{"title": TITLE, "link": "https://kdb.example.cn/a/1.html", "guid": "a-1",
              "date": "Fri, 03 May 2024 10:00:00 +0800", "body": paragraphs(PARAS[:3])}], title="中国邮政快递报")
    b = rss([{"title": f"【转载】{TITLE}", "link": "https://xinhua.example.cn/b/9.htm", "guid": "b-9",
              "date": "Fri, 03 May 2024 10:07:00 +0800", "body": paragraphs(PARAS)}], title="新华网")
    c = rss([{"title": TITLE, "link": "https://cj.example.cn/c/88.html", "guid": "c-88",
              "date": "Fri, 03 May 2024 10:09:00 +0800",
              "body": "<p>编者按：本文转载自中国邮政快递报，略有删改。</p>" + paragraphs(PARAS[:3])}], title="财经日报")
    out = publish(tmp_path, {"新华网": b, "财经日报": c, "中国邮政快递报": a}, "zh-CN")
    entries = atom_entries(out / "atom.xml")
    assert [e["title"] for e in entries] == [TITLE]  # one story, without 【转载】
    assert entries[0]["source"] == "中国邮政快递报" and entries[0]["link"] == "https://kdb.example.cn/a/1.html"
    for fmt, line in credits(out, TITLE).items():
        assert line.startswith("文章来源：中国邮政快递报同时刊载于："), (fmt, line)
        assert "转载自" not in line and "新华网" in line and "财经日报" in line, (fmt, line)


def test_the_original_takes_the_credit_when_it_arrives_after_its_reprint(tmp_path):
    # B's reprint is polled first (A's feed is empty then); A's copy, a run
    # later, takes the story over: same id, A's title and credit.
    b = rss([{"title": f"【转载】{TITLE}", "link": "https://xinhua.example.cn/b/9.htm", "guid": "b-9",
              "date": "Fri, 03 May 2024 10:07:00 +0800", "body": paragraphs(PARAS)}], title="新华网")
    out = publish(tmp_path, {"新华网": b, "中国邮政快递报": rss([], title="中国邮政快递报")}, "zh-CN")
    [alone] = atom_entries(out / "atom.xml")
    assert alone["title"] == TITLE and credits(out, TITLE)["atom"] == "文章来源：新华网"
    (tmp_path / "1.xml").write_bytes(rss([{"title": TITLE, "link": "https://kdb.example.cn/a/1.html", "guid": "a-1",
                                            "date": "Fri, 03 May 2024 10:00:00 +0800",
                                            "body": paragraphs(PARAS[:3])}], title="中国邮政快递报"))
    assert run_once(tmp_path / "feedhub.yaml") == 0
    [story] = atom_entries(out / "atom.xml")
    assert story["id"] == alone["id"] and story["source"] == "中国邮政快递报"
    assert credits(out, TITLE)["atom"] == "文章来源：中国邮政快递报同时刊载于：新华网"


def test_english_reprints_via_and_originally_published_by(tmp_path):
    a = rss([{"title": EN_TITLE, "link": "https://ledger.example/port", "guid": "a-1",
              "date": "Fri, 03 May 2024 02:00:00 +0000", "body": paragraphs(EN_PARAS[:3])}], title="Daily Ledger")
    b = rss([{"title": f"{EN_TITLE} (via Daily Ledger)", "link": "https://digest.example/p/77", "guid": "b-77",
              "date": "Fri, 03 May 2024 02:07:00 +0000", "body": paragraphs(EN_PARAS)}], title="Wire Digest")
    c = rss([{"title": EN_TITLE, "link": "https://harbour.example/n/5", "guid": "c-5",
              "date": "Fri, 03 May 2024 02:09:00 +0000",
              "body": paragraphs(EN_PARAS[:3]) + "<p>This article was originally published by Daily Ledger.</p>"}],
            title="Harbour News")
    out = publish(tmp_path, {"Wire Digest": b, "Harbour News": c, "Daily Ledger": a}, "en")
    entries = atom_entries(out / "atom.xml")
    assert [e["title"] for e in entries] == [EN_TITLE] and entries[0]["source"] == "Daily Ledger"
    for fmt, line in credits(out, EN_TITLE).items():
        assert line.startswith("Source: Daily LedgerAlso reported by: "), (fmt, line)
        assert "Wire Digest" in line and "Harbour News" in line and "originally" not in line, (fmt, line)


def test_a_reprint_of_an_outlet_that_is_no_source_says_whose_it_is(tmp_path):
    # Neither B nor C is the original: the earliest reprint is shown, its
    # tag dropped, and the origin it names credited beside it.
    b = rss([{"title": f"【转载】{TITLE}", "link": "https://xinhua.example.cn/b/9.htm", "guid": "b-9",
              "date": "Fri, 03 May 2024 10:07:00 +0800", "body": paragraphs(PARAS) + "<p>（来源：中国邮政快递报）</p>"}],
            title="新华网")
    c = rss([{"title": TITLE, "link": "https://cj.example.cn/c/88.html", "guid": "c-88",
              "date": "Fri, 03 May 2024 10:09:00 +0800",
              "body": "<p>编者按：本文转载自中国邮政快递报，略有删改。</p>" + paragraphs(PARAS[:3])}], title="财经日报")
    out = publish(tmp_path, {"财经日报": c, "新华网": b}, "zh-CN")
    assert [e["title"] for e in atom_entries(out / "atom.xml")] == [TITLE]
    for fmt, line in credits(out, TITLE).items():
        assert line == "文章来源：新华网（转载自 中国邮政快递报）同时刊载于：财经日报", (fmt, line)
