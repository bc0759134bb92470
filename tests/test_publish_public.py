"""What every feed format publishes of ids, links and sources (issue #13),
rendered from records written here:

- a file: source is described by a public identifier, never by its path;
- every entry has a link: the original, else the story's own page;
- every id is a valid URI: an IRI as its URI, an invalid id as a stable UUID;
- a story stored before empty entries were dropped is not published.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from builders import config_file
from feedhub.config import load_config
from feedhub.normalize import public_id
from feedhub.publish.atom import History, render_atom
from feedhub.publish.common import entry_file, local_source_id
from feedhub.publish.jsonfeed import render_json_feed
from feedhub.publish.rss import render_rss
from feedhub.store import open_store
from feedhub.types import CategoryView, Entry, SiteInfo, SourceInfo, Story, StoryCopy
from feedhub.publish.views import build_views

UTC = timezone.utc
ATOM = "{http://www.w3.org/2005/Atom}"
WHEN = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SITE = SiteInfo(title="Hub", base_url="https://hub.example/", language="en", timezone="UTC")
BARE = SiteInfo(title="Hub", base_url=None, language="en", timezone="UTC")

# A source read from the aggregator's disk: its feed has no id of its own
# that is a URI, no public address, and a relative home page link resolved
# against the file.
LOCAL = SourceInfo(
    name="Local Notes",
    feed_url="file:///home/editor/feedhub/config/samples/notes.xml",
    site_link="file:///home/editor/feedhub/config/samples/",
    feed_id="notes",
    feed_title="Notes",
    feed_updated=WHEN,
)
PUBLIC = SourceInfo("Wire", "https://wire.example/feed.xml", "https://wire.example/", None, "Wire", WHEN)


def story(story_id: str, link: str | None, source: SourceInfo = LOCAL, title: str = "A title") -> Story:
    return Story(id=story_id, category="News", title=title, link=link, author="", content="<p>Text.</p>",
                 summary="", published=WHEN, updated=WHEN, tags=(), canonical=StoryCopy(source, link, title, None))


NO_LINK = story("urn:uuid:0f3c2a6e-4f5b-5c1d-9e8a-7b6c5d4e3f21", None)
LINKED = story("https://wire.example/1", "https://wire.example/1", PUBLIC)
VIEW = CategoryView("News", "news", (NO_LINK, LINKED), (LOCAL, PUBLIC))


def render_all(view: CategoryView, site: SiteInfo) -> dict[str, bytes]:
    base = site.base_url + "news/" if site.base_url else ""
    return {
        "atom": render_atom(view, site, self_url=base + "atom.xml", generator_version="1"),
        "rss": render_rss(view, site, self_url=base + "rss.xml", generator_version="1"),
        "json": render_json_feed(view, site, feed_url=base + "feed.json", generator_version="1"),
    }


def links(documents: dict[str, bytes]) -> dict[str, list[str]]:
    atom = etree.fromstring(documents["atom"])
    rss = etree.fromstring(documents["rss"])
    return {
        "atom": [e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in atom.iter(f"{ATOM}entry")],
        "rss": [i.findtext("link") for i in rss.iter("item")],
        "json": [item["url"] for item in json.loads(documents["json"])["items"]],
    }


def test_nothing_local_is_published_in_any_format():
    for site in (SITE, BARE):
        for name, document in render_all(VIEW, site).items():
            assert b"file:" not in document and b"/home/editor" not in document, (name, site.base_url)


def test_a_local_source_is_described_by_a_public_identifier():
    documents = render_all(VIEW, SITE)
    public = "https://hub.example/#source-Local%20Notes"
    assert local_source_id("Local Notes", SITE) == public

    source = etree.fromstring(documents["atom"]).find(f"{ATOM}entry/{ATOM}source")
    assert source.findtext(f"{ATOM}id") == public
    # No self link: the feed has no public address (RFC 4287 §4.2.11 lets
    # atom:source go without); nor a home page that is a file.
    assert source.findall(f"{ATOM}link") == []
    assert etree.fromstring(documents["rss"]).find("channel/item/source").get("url") == public
    assert json.loads(documents["json"])["items"][0]["_feedhub"]["sources"][0] == {
        "name": "Local Notes", "feed_url": public}

    # Without a base_url, a name-based UUID, the same on every run.
    bare = local_source_id("Local Notes", BARE)
    assert bare.startswith("urn:uuid:") and bare == local_source_id("Local Notes", BARE)
    assert etree.fromstring(render_all(VIEW, BARE)["atom"]).findtext(f"{ATOM}entry/{ATOM}source/{ATOM}id") == bare


def test_a_public_source_keeps_its_feed_address():
    source = etree.fromstring(render_all(VIEW, SITE)["atom"]).findall(f"{ATOM}entry/{ATOM}source")[1]
    assert source.findtext(f"{ATOM}id") == "https://wire.example/feed.xml"
    assert source.find(f"{ATOM}link[@rel='self']").get("href") == "https://wire.example/feed.xml"


def test_an_entry_without_a_link_links_its_story_page_in_every_format():
    page = entry_file(NO_LINK.id)
    assert links(render_all(VIEW, SITE)) == {
        fmt: [f"https://hub.example/news/{page}", "https://wire.example/1"] for fmt in ("atom", "rss", "json")}
    # Without a base_url, relative to the feed, as its self link is.
    assert links(render_all(VIEW, BARE)) == {fmt: [page, "https://wire.example/1"] for fmt in ("atom", "rss", "json")}
    # The RSS guid is then no permalink: it is not the page's address.
    guids = etree.fromstring(render_all(VIEW, SITE)["rss"]).findall("channel/item/guid")
    assert [g.get("isPermaLink") for g in guids] == ["false", "true"]


def test_an_archive_document_links_story_pages_from_its_own_folder():
    archive = History(current="../atom.xml", alternate="../page/1.html")
    root = etree.fromstring(render_atom(VIEW, BARE, self_url="1.xml", generator_version="1", history=archive))
    assert root.find(f"{ATOM}entry/{ATOM}link").get("href") == "../" + entry_file(NO_LINK.id)


def test_ids_are_published_as_valid_uris_in_every_format():
    iri = story("http://blog.example.cn/2019/08/30/碎语/", "http://blog.example.cn/2019/08/30/碎语/", PUBLIC)
    bad = story("urn:uuid:988EF5C55CDEA24EDE1251744888912", "https://wire.example/2", PUBLIC)
    view = CategoryView("News", "news", (iri, bad), (PUBLIC,))
    documents = render_all(view, SITE)
    expected = ["http://blog.example.cn/2019/08/30/%E7%A2%8E%E8%AF%AD/", public_id(bad.id)]

    assert [e.findtext(f"{ATOM}id") for e in etree.fromstring(documents["atom"]).iter(f"{ATOM}entry")] == expected
    assert [g.text for g in etree.fromstring(documents["rss"]).iter("guid")] == expected
    assert [i["id"] for i in json.loads(documents["json"])["items"]] == expected
    # The link is the same URI: the guid is still the permalink.
    assert etree.fromstring(documents["rss"]).find("channel/item/guid").get("isPermaLink") == "true"
    assert links(documents)["atom"][0] == expected[0]
    # The story page keeps the name it always had (of the stored id).
    assert expected[0] != iri.id and entry_file(iri.id) != entry_file(expected[0])


def test_two_stored_ids_published_as_one_are_published_once():
    # A store from before: one story under an IRI, a newer one under its URI.
    first = story("http://blog.example.cn/碎语", "http://blog.example.cn/a", PUBLIC)
    second = story("http://blog.example.cn/%E7%A2%8E%E8%AF%AD", "http://blog.example.cn/b", PUBLIC)
    documents = render_all(CategoryView("News", "news", (first, second), (PUBLIC,)), SITE)
    assert len(list(etree.fromstring(documents["atom"]).iter(f"{ATOM}entry"))) == 1
    assert len(list(etree.fromstring(documents["rss"]).iter("item"))) == 1
    assert len(json.loads(documents["json"])["items"]) == 1


def test_an_empty_story_stored_before_is_not_published(tmp_path: Path):
    config = load_config(config_file(tmp_path, [{"name": "S", "url": "https://s.example/feed.xml",
                                                 "categories": ["News"]}], storage="sqlite:///hub.db"))
    store = open_store(config.storage_url)
    try:
        def add(entry_id: str, title: str, link: str | None, content: str) -> None:
            row = store.insert_entry(Entry(source="S", entry_id=entry_id, link=link, canonical_url=None, title=title,
                                           author=None, published=WHEN, updated=WHEN, content=content, summary="",
                                           tags=(), content_hash=entry_id), WHEN)
            store.create_story("News", "tag:s.example,2024:" + entry_id, row, WHEN, WHEN, WHEN)

        with store.transaction():
            add("empty", "Untitled", None, "")  # what a truncated item became
            add("poem", "Untitled", None, "<p>A poem called Untitled.</p>")
            add("linked", "Untitled", "https://s.example/3", "")
        titles = [(s.id, s.title) for s in build_views(config, store)[0].stories]
    finally:
        store.close()
    assert sorted(titles) == [("tag:s.example,2024:linked", "Untitled"), ("tag:s.example,2024:poem", "Untitled")]
