"""One entry per story across sources (issue #4), end to end: three outlets
on 127.0.0.1 syndicate overlapping stories under different URLs and titles;
each category feed holds each story once and names every source; a fourth
copy in a later cycle changes neither the entry's id nor its place; a series
sharing a template stays separate."""

from __future__ import annotations


from httpserver import Reply
from builders import WIRE_PARAS, WIRE_TITLE, atom_entries, run_once, write_config

PARAS, TITLE = WIRE_PARAS, WIRE_TITLE  # the article a regional outlet wrote and others reprinted


def wrap(i: int, close: str) -> str:
    base = 20 + i
    return (f"<p>{5 + i}月{base}日，沪深两市收盘：上证指数报{3000 + 17 * i}.{i}点，涨{i}.{i + 2}%，深证成指报"
            f"{10000 + 31 * i}点，创业板指报{2000 + 11 * i}点，两市成交额{7000 + 100 * i}亿元，北向资金净流入"
            f"{30 + i}亿元。{close}行业板块方面，半导体、券商、白酒板块涨幅居前，煤炭、钢铁板块小幅回调。"
            "分析人士认为，市场情绪有所回暖，成交量温和放大，后市仍以结构性行情为主，建议关注业绩确定性较高的"
            "优质龙头公司。</p>")


def item(title, link, guid, date, body):
    return (f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid><pubDate>{date}</pubDate>"
            f"<description><![CDATA[{body}]]></description></item>")


TITLES = {"a": "中国邮政快递报", "b": "新华网", "c": "财经日报", "d": "人民网"}


def channel(name, items) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{TITLES[name]}</title>'
            f"<link>https://{name}.example.cn/</link><description>d</description>{''.join(items)}"
            "</channel></rss>").encode()


FULL = "".join(f"<p>{p}</p>" for p in PARAS)


def test_three_outlets_one_story_each_credited_and_a_fourth_copy_later(tmp_path, http_server):
    # Outlet A: the original. B: a reprint with a source suffix, a 【转载】
    # prefix, full-width digits in the text and the first paragraph dropped.
    # C: only a truncated summary, under another URL.
    a = [item(TITLE, "https://kdb.example.cn/a/2022/0526/1.html", "a-1", "Thu, 26 May 2022 13:20:59 +0800", FULL),
         item("5月20日沪深两市收评", "https://kdb.example.cn/a/w20.html", "a-w20", "Fri, 20 May 2022 15:30:00 +0800",
              wrap(0, "市场整体震荡上行。")),
         item("5月23日沪深两市收评", "https://kdb.example.cn/a/w23.html", "a-w23", "Mon, 23 May 2022 15:30:00 +0800",
              wrap(3, "市场整体震荡上行。"))]
    reprint = "".join(f"<p>{p}</p>" for p in PARAS[1:]).replace("1465", "１４６５")
    b = [item(f"【转载】{TITLE}｜新华网", "https://xinhua.example.cn/2022-05/26/c_1128686.htm", "b-9",
              "Thu, 26 May 2022 15:02:00 +0800", "<div class='editor'>" + reprint + "</div>")]
    c = [item(TITLE + " - 财经日报", "https://cj.example.cn/news/88231", "c-88231", "Thu, 26 May 2022 16:40:00 +0800",
              f"<p>{PARAS[0][:60]}…</p><p>{PARAS[2][:80]}…</p>")]
    http_server.route("/a", Reply(body=channel("a", a)))
    http_server.route("/b", Reply(body=channel("b", b)))
    http_server.route("/c", Reply(body=channel("c", c)))
    http_server.route("/d", Reply(body=channel("d", [])))
    config = write_config(tmp_path, f"""
  - {{name: 中国邮政快递报, url: "{http_server.url('/a')}", categories: [要闻]}}
  - {{name: 新华网, url: "{http_server.url('/b')}", categories: [要闻]}}
  - {{name: 财经日报, url: "{http_server.url('/c')}", categories: [要闻]}}
  - {{name: 人民网, url: "{http_server.url('/d')}", categories: [要闻]}}""",
                          extra="categories: [{name: 要闻, slug: yaowen}]")
    config.write_text(config.read_text().replace("language: en", "language: zh-CN"))
    assert run_once(config) == 0
    feed = tmp_path / "out/yaowen/atom.xml"
    entries = atom_entries(feed)
    # The story once, and the two market wraps (same template, other day,
    # other figures) as two stories.
    assert sorted(e["title"] for e in entries) == sorted([TITLE, "5月20日沪深两市收评", "5月23日沪深两市收评"])
    story = next(e for e in entries if e["title"] == TITLE)
    assert story["source"] == "中国邮政快递报" and story["link"] == "https://kdb.example.cn/a/2022/0526/1.html"
    attribution = story["content"][story["content"].index("文章来源"):]
    assert "中国邮政快递报" in attribution and "同时刊载于" in attribution
    assert "新华网" in attribution and "财经日报" in attribution
    assert "https://xinhua.example.cn/2022-05/26/c_1128686.htm" in attribution
    first_position = [e["title"] for e in entries].index(TITLE)

    # A fourth outlet carries it a cycle later: still one entry, same id, same place.
    http_server.route("/d", Reply(body=channel("d", [item(
        f"{TITLE}（图）", "https://people.example.cn/n1/2022/0527/c1004.html", "d-1",
        "Fri, 27 May 2022 09:00:00 +0800", FULL.replace("<p>", "<p class='x'>"))])))
    assert run_once(config) == 0
    after = atom_entries(feed)
    assert len(after) == 3
    again = next(e for e in after if e["title"] == TITLE)
    assert again["id"] == story["id"]
    assert [e["title"] for e in after].index(TITLE) == first_position
    assert "人民网" in again["content"][again["content"].index("文章来源"):]
