"""Hostile documents served on 127.0.0.1 (issue #6): XML entity attacks read
no file, send no request, stay bounded, and keep the feed's safe entries;
active content never reaches a published format or page."""

from __future__ import annotations

import tracemalloc

import pytest
from lxml import etree, html

from feedhub.errors import ParseError
from feedhub.parse import parse_feed
from httpserver import Reply
from builders import atom_entries, run_once, write_config

from conftest import CORPUS, CORPUS_MISSING

ITEM = "<item><title>Safe title</title><link>https://a.example/safe</link><guid>safe-1</guid><description>&attack;</description></item>"


def rss_with_doctype(subset: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{subset}\n]>\n<rss version="2.0"><channel><title>T</title>'
            f"<link>https://a.example/</link><description>d</description>{ITEM}</channel></rss>").encode()


def test_external_entities_read_no_file_and_send_no_request(tmp_path, http_server):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    http_server.route("/evil.dtd", Reply(body=b"EXFILTRATED"))
    http_server.route("/feed-file", Reply(body=rss_with_doctype(f'<!ENTITY attack SYSTEM "file://{secret}">')))
    http_server.route("/feed-http", Reply(body=rss_with_doctype(
        f'<!ENTITY attack SYSTEM "{http_server.url("/evil.dtd")}">')))
    http_server.route("/feed-param", Reply(body=rss_with_doctype(
        f'<!ENTITY % remote SYSTEM "{http_server.url("/evil.dtd")}"> %remote; <!ENTITY attack "x">')))
    config = write_config(tmp_path, f"""
  - {{name: F, url: "{http_server.url('/feed-file')}", categories: [out]}}
  - {{name: H, url: "{http_server.url('/feed-http')}", categories: [out]}}
  - {{name: P, url: "{http_server.url('/feed-param')}", categories: [out]}}""")
    assert run_once(config) == 0
    assert http_server.requests_to("/evil.dtd") == []
    published = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert b"TOP-SECRET" not in published and b"EXFILTRATED" not in published
    # The safe entry of each feed is kept (one story: the same link).
    entries = atom_entries(tmp_path / "out/out/atom.xml")
    assert [e["title"] for e in entries] == ["Safe title"]


def test_billion_laughs_and_quadratic_blowup_stay_bounded():
    laughs = ['<!ENTITY attack0 "lol">'] + [
        f'<!ENTITY attack{i} "{("&attack%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    laughs.append('<!ENTITY attack "&attack9;">')
    quadratic = f'<!ENTITY attack "{"B" * 100_000}">'
    for subset, repeat in (("\n".join(laughs), 1), (quadratic, 1000)):
        document = rss_with_doctype(subset).replace(b"&attack;", b"&attack;" * repeat)
        tracemalloc.start()
        feed = parse_feed(document, url="http://127.0.0.1/feed")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 50 * 1024 * 1024
        assert [e.title for e in feed.entries] == ["Safe title"]


def test_defusedxml_corpus_cases_are_refused_or_harmless():
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    for path in sorted((CORPUS / "illformed").glob("defusedxml__*.xml")):
        tracemalloc.start()
        try:
            feed = parse_feed(path.read_bytes(), url="http://127.0.0.1/feed")
        except ParseError:
            feed = None
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 50 * 1024 * 1024, path.name
        if feed is not None:
            assert all("root:" not in (e.content or "") for e in feed.entries)


def test_a_harmless_internal_entity_still_works():
    # A short entity declared in the document and used in a guid.
    document = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n  <!ENTITY tagbase "tag:example.com,">\n]>\n'
                b'<rss version="2.0"><channel><title>T</title><link>https://a.example/</link><description>d</description>'
                b'<item><title>One</title><guid isPermaLink="false">&tagbase;2006-05-04:/blog/</guid></item></channel></rss>')
    assert parse_feed(document, url="http://127.0.0.1/feed").entries[0].id == "tag:example.com,2006-05-04:/blog/"


HOSTILE = """
<p>Keep <b>this</b> text.</p>
<script>alert(1)</script><iframe src="https://evil.example/"></iframe>
<object data="x.swf"></object><embed src="x.swf">
<img src="/pic.png" onerror="alert(2)" onload="alert(3)">
<a href="javascript:alert(4)">js</a> <a href="data:text/html;base64,PHNjcmlwdD4=">data</a>
<a href="/relative/page">relative</a>
<div style="width: expression(alert(5))">css</div>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<svg><script>alert(6)</script><circle onclick="alert(7)"/></svg>
<form action="https://evil.example/"><input value="x"></form>
"""


def test_hostile_content_never_reaches_any_output(tmp_path, http_server):
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://a.example/</link>'
            '<description>d</description><item><title>Hostile &lt;script&gt;alert(8)&lt;/script&gt;</title>'
            '<link>https://a.example/news/1.html</link><guid>h1</guid>'
            f"<description><![CDATA[{HOSTILE}]]></description></item></channel></rss>").encode()
    http_server.route("/feed", Reply(body=body))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\"}}")
    assert run_once(config) == 0
    out = tmp_path / "out"
    entry = atom_entries(out / "a/atom.xml")[0]
    content = entry["content"]
    # The title is text: its markup is shown as characters, never parsed.
    assert entry["title"] == "Hostile <script>alert(8)</script>"
    fragment = html.fragment_fromstring(content, create_parent="div")
    assert fragment.xpath("//script|//iframe|//object|//embed|//meta|//svg|//form|//style") == []
    for element in fragment.iter():
        assert not [a for a in element.attrib if a.lower().startswith("on") or a == "style"]
        for attribute in ("href", "src", "action"):
            value = element.get(attribute)
            assert value is None or value.startswith("https://"), value
    assert "Keep" in content and 'src="https://a.example/pic.png"' in content
    assert 'href="https://a.example/relative/page"' in content
    for page in out.rglob("*.html"):
        tree = html.parse(str(page))
        assert tree.xpath("//script|//iframe|//object|//embed|//svg|//form") == [], page
        for element in tree.iter(etree.Element):
            assert not [a for a in element.attrib if a.lower().startswith("on")], page
            assert not (element.get("href") or "").lower().startswith(("javascript:", "data:")), page


def test_huge_entry_and_huge_feed_are_published_whole(tmp_path, http_server):
    """A 5 MB entry and a feed of 10,000 entries (issue #6): kept, not dropped."""
    big = "<p>" + ("数据" * 1000 + " ") * 1250 + "</p>"  # about 7.5 MB of UTF-8
    items = [f"<item><title>Entry {i}</title><link>https://a.example/{i}</link><guid>{i}</guid></item>"
             for i in range(10_000)]
    items.append(f"<item><title>Huge</title><link>https://a.example/huge</link><guid>huge</guid>"
                 f"<description><![CDATA[{big}]]></description></item>")
    body = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            f"<link>https://a.example/</link><description>d</description>{''.join(items)}</channel></rss>").encode()
    http_server.route("/feed", Reply(body=body))
    config = write_config(tmp_path, f"  - {{name: A, url: \"{http_server.url('/feed')}\", timeout: 60}}",
                          extra="fetch: {max_bytes: 20000000}")
    assert run_once(config) == 0
    import sqlite3

    db = sqlite3.connect(tmp_path / "state/hub.db")
    assert db.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 10_001
    assert len(db.execute("SELECT content FROM entries WHERE entry_id = 'huge'").fetchone()[0]) > 2_500_000
    assert len(atom_entries(tmp_path / "out/a/atom.xml")) == 50  # entries_per_feed
