"""Wire copy under a reworded headline is one story (issue #17 item 2), end
to end: two outlets on 127.0.0.1 carry the same body under headlines their
desks wrote differently (title similarity far below `title_similarity`), and
a daily market wrap whose headline was also rewritten from one day to the
next stays two stories."""

from __future__ import annotations

from pathlib import Path

from httpserver import Reply
from builders import WIRE_PARAS, WIRE_TITLE, atom_entries, rss, run_once, write_config

from feedhub.cli import main
from feedhub.merge.dedupe import is_same_story, signature, title_similarity

REWORDED = "长三角寄递协同再进一步 一季度快递量同比增两成"
FULL = "".join(f"<p>{p}</p>" for p in WIRE_PARAS)


def wrap(day: int, points: str, turnover: int) -> str:
    return (f"<p>5月{day}日，沪深两市收盘：上证指数报{points}点，两市成交额{turnover}亿元。行业板块方面，半导体、券商、"
            "白酒板块涨幅居前，煤炭、钢铁板块小幅回调。分析人士认为，市场情绪有所回暖，成交量温和放大，后市仍以结构性"
            "行情为主，建议关注业绩确定性较高的优质龙头公司。</p>")


def test_the_headlines_are_too_different_for_the_title_rule():
    # The point of the test: rule b alone would have published this twice.
    assert title_similarity(signature(WIRE_TITLE, "").title_key, signature(REWORDED, "").title_key) < 0.5
    body = "".join(WIRE_PARAS)
    assert is_same_story(signature(WIRE_TITLE, body), signature(REWORDED, body + "（完）"))


def test_reworded_wire_copy_merges_and_a_reworded_series_does_not(tmp_path, http_server):
    a = [{"title": WIRE_TITLE, "link": "https://a.example.cn/1.html", "guid": "a-1",
          "date": "Thu, 26 May 2022 13:20:59 +0800", "body": FULL},
         {"title": "沪深两市收评：沪指收涨", "link": "https://a.example.cn/w20.html", "guid": "a-w20",
          "date": "Fri, 20 May 2022 15:30:00 +0800", "body": wrap(20, "3146.86", 7623)}]
    b = [{"title": REWORDED, "link": "https://b.example.cn/9.html", "guid": "b-9",
          "date": "Thu, 26 May 2022 14:02:00 +0800", "body": FULL + "<p>（完）</p>"},
         {"title": "收盘：券商白酒领涨 成交额放大", "link": "https://b.example.cn/w21.html", "guid": "b-w21",
          "date": "Sat, 21 May 2022 15:30:00 +0800", "body": wrap(21, "3146.57", 7719)}]
    http_server.route("/a", Reply(body=rss(a, title="甲报")))
    http_server.route("/b", Reply(body=rss(b, title="乙网")))
    config = write_config(tmp_path, f"""
  - {{name: 甲报, url: "{http_server.url('/a')}", categories: [要闻]}}
  - {{name: 乙网, url: "{http_server.url('/b')}", categories: [要闻]}}""",
                          extra="categories: [{name: 要闻, slug: yaowen}]")
    assert run_once(config) == 0
    titles = sorted(e["title"] for e in atom_entries(tmp_path / "out/yaowen/atom.xml"))
    # One wire story (the earlier copy's headline), two wraps.
    assert titles == sorted([WIRE_TITLE, "沪深两市收评：沪指收涨", "收盘：券商白酒领涨 成交额放大"])


def _files(folder):
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_remerge_merges_what_is_stored_keeps_the_first_id_and_republishes_only_that_category(tmp_path, http_server,
                                                                                           store_url):
    # Stored while the reworded-headline rule was off (a text of 100,000
    # shingles is needed): the wire story is published twice. Then the
    # thresholds go back to the defaults and `feedhub remerge` runs.
    a = [{"title": WIRE_TITLE, "link": "https://a.example.cn/1.html", "guid": "a-1",
          "date": "Thu, 26 May 2022 13:20:59 +0800", "body": FULL}]
    b = [{"title": REWORDED, "link": "https://b.example.cn/9.html", "guid": "b-9",
          "date": "Thu, 26 May 2022 14:02:00 +0800", "body": FULL + "<p>（完）</p>"}]
    c = [{"title": "本地新闻一则", "link": "https://c.example.cn/1.html", "guid": "c-1",
          "date": "Thu, 26 May 2022 09:00:00 +0800", "body": "<p>" + "".join(WIRE_PARAS[:2]) + "</p>"}]
    http_server.route("/a", Reply(body=rss(a, title="甲报")))
    http_server.route("/b", Reply(body=rss(b, title="乙网")))
    http_server.route("/c", Reply(body=rss(c, title="丙报")))
    sources = f"""
  - {{name: 甲报, url: "{http_server.url('/a')}", categories: [要闻]}}
  - {{name: 乙网, url: "{http_server.url('/b')}", categories: [要闻]}}
  - {{name: 丙报, url: "{http_server.url('/c')}", categories: [本地]}}"""
    categories = "categories: [{name: 要闻, slug: yaowen}, {name: 本地, slug: bendi}]"
    def configure(extra: str) -> Path:
        # On each backend: the statements remerge adds are shared (store/queries.py).
        path = write_config(tmp_path, sources, extra=extra)
        path.write_text(path.read_text().replace("sqlite:///state/hub.db", store_url))
        return path

    config = configure(categories + "\nmerge: {reworded_min_shingles: 100000}")
    assert run_once(config) == 0
    before = atom_entries(tmp_path / "out/yaowen/atom.xml")
    assert sorted(e["title"] for e in before) == sorted([WIRE_TITLE, REWORDED])
    first_id = next(e["id"] for e in before if e["title"] == WIRE_TITLE)
    other_category = _files(tmp_path / "out/bendi")

    configure(categories)
    assert main(["remerge", "--config", str(config)]) == 0
    after = atom_entries(tmp_path / "out/yaowen/atom.xml")
    assert [(e["id"], e["title"]) for e in after] == [(first_id, WIRE_TITLE)]
    assert "Also reported by" in after[0]["content"] and "乙网" in after[0]["content"]  # the site's language is en
    assert _files(tmp_path / "out/bendi") == other_category  # not rewritten, not even touched

    # Nothing left to merge: a second run changes no file.
    everything = _files(tmp_path / "out")
    assert main(["remerge", "--config", str(config), "--category", "要闻"]) == 0
    assert _files(tmp_path / "out") == everything
