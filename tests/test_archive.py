"""History (RFC 5005 §4, archived feeds) and the paged site, as a reader sees
them: the subscription document links the newest archive, archives link one
another, and following the links from atom.xml collects every story the
category keeps, each once.

The store is filled directly with the store's own methods (no fetching),
one story per entry, so that each test says exactly which stories arrive,
in which order and with which dates; publishing is publish.run.publish, as the
daemon runs it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from feedhub.config import Retention, load_config
from feedhub.publish.run import publish
from feedhub.publish.common import entry_file
from feedhub.store import open_store
from feedhub.store.sqlite import SQLiteStore

from worlds import BASE, FH, START, World

UTC = timezone.utc
ATOM = "{http://www.w3.org/2005/Atom}"
DATA = Path(__file__).parent / "data" / "publish"


def local(world: World, url: str, relative_to: Path) -> Path:
    """The file behind a link, absolute (base_url) or relative to a document."""
    if url.startswith(BASE):
        return world.out / url[len(BASE):]
    return (relative_to.parent / url).resolve()


def chain(world: World, slug: str = "markets") -> list[tuple[Path, feedparser.FeedParserDict, etree._Element]]:
    """atom.xml, then each archive document by prev-archive, newest first."""
    documents = []
    path: Path | None = world.out / slug / "atom.xml"
    seen: set[Path] = set()
    while path is not None:
        assert path not in seen, f"prev-archive loops back to {path}"
        seen.add(path)
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        documents.append((path, parsed, etree.parse(str(path)).getroot()))
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        assert len(prev) <= 1
        path = local(world, prev[0], path) if prev else None
    return documents


def collected(world: World, slug: str = "markets") -> list[str]:
    """Every entry id found by following the chain from the subscription document."""
    return [entry.id for _, parsed, _ in chain(world, slug) for entry in parsed.entries]


def expected_ids(world: World, *, max_entries: int | None = None, max_age: timedelta | None = None,
                 now: datetime | None = None) -> set[str]:
    """What the category keeps, computed from the test's own records: the
    newest N by date (the feed), and every other story within the retention
    (the newest max_entries by arrival; dated within max_age of now)."""
    rows = world.store._db.execute(
        "SELECT atom_id, published, id FROM stories WHERE category = 'Markets' ORDER BY published DESC, id DESC"
    ).fetchall()
    feed = {atom_id for atom_id, _, _ in rows[: world.config.entries_per_feed]}
    by_arrival = sorted(rows, key=lambda r: r[2])
    kept = set()
    for rank, (atom_id, published, _) in enumerate(by_arrival):
        if max_entries is not None and rank < len(by_arrival) - max_entries:
            continue
        if max_age is not None and datetime.strptime(published, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) < now - max_age:
            continue
        kept.add(atom_id)
    return feed | kept


def assert_chain_is_whole(world: World, expected: set[str], slug: str = "markets") -> None:
    ids = collected(world, slug)
    assert len(ids) == len(set(ids)), "a story is repeated across the feed and its archives"
    assert set(ids) == expected
    documents = chain(world, slug)
    main, archives = documents[0], documents[1:]
    assert main[2].find(f"{FH}archive") is None
    for path, parsed, root in archives:
        assert root.find(f"{FH}archive") is not None, path
        rels = {link.rel: link.href for link in parsed.feed.links}
        assert local(world, rels["current"], path) == world.out / slug / "atom.xml"
        assert local(world, rels["self"], path) == path
        # One logical feed: the archives share the subscription document's id.
        assert parsed.feed.id == main[1].feed.id
    # next-archive walks the same documents back, oldest to newest.
    for (newer, _, _), (older, parsed, _) in zip(documents[1:], documents[2:]):
        nxt = [link.href for link in parsed.feed.links if link.rel == "next-archive"]
        assert [local(world, href, older) for href in nxt] == [newer]
    if archives:
        assert not [link for link in archives[0][1].feed.links if link.rel == "next-archive"]
        assert not [link for link in archives[-1][1].feed.links if link.rel == "prev-archive"]


def rebuilt(world: World) -> dict[str, bytes]:
    """The output a publish from scratch would give: the same store without
    the history state, into an empty folder."""
    copy = world.root / "rebuild"
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    shutil.copy(world.root / "feedhub.yaml", copy / "feedhub.yaml")
    (copy / "state").mkdir()
    world.store._db.execute(f"VACUUM INTO '{copy / 'state' / 'hub.db'}'")
    other = open_store(f"sqlite:///{copy / 'state' / 'hub.db'}")
    with other.transaction():
        other._db.execute("DELETE FROM meta WHERE key LIKE 'history%'")
    config = load_config(copy / "feedhub.yaml")
    publish(config, other, now=world.clock)
    other.close()
    return {str(p.relative_to(config.output_dir)): p.read_bytes()
            for p in sorted(config.output_dir.rglob("*")) if p.is_file()}


def incremental_only(monkeypatch) -> None:
    """Make the queries that read a whole category fail: a publish that
    has its state must find what changed by the primary keys alone."""
    def whole_category(*args, **kwargs):
        raise AssertionError("an incremental publish read the whole category")

    # Patched on the backend's class: the Protocol's methods are never called.
    between = SQLiteStore.category_story_keys_between

    def bounded(self, category, low, high):
        found = between(self, category, low, high)
        # From the start only while the feed was not yet full: a few rows.
        if low is None and len(found) > 12:
            raise AssertionError("an incremental publish read the archive from its start")
        return found

    monkeypatch.setattr(SQLiteStore, "category_story_keys", whole_category)
    monkeypatch.setattr(SQLiteStore, "category_story_keys_between", bounded)


# --- The chain ----------------------------------------------------------------


def test_feed_holds_the_newest_and_archives_the_rest_each_once(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(10)
    world.publish()

    main = feedparser.parse((world.out / "markets/atom.xml").read_bytes())
    assert [e.title for e in main.entries] == ["Story 10", "Story 9", "Story 8"]
    assert [link.href for link in main.feed.links if link.rel == "prev-archive"] == [BASE + "markets/archive/3.xml"]
    # Pages are cut by arrival from the oldest: 1-3, 4-6, 7 (8-10 are in the feed).
    pages = {n: [e.title for e in feedparser.parse((world.out / f"markets/archive/{n}.xml").read_bytes()).entries]
             for n in (1, 2, 3)}
    assert pages == {1: ["Story 3", "Story 2", "Story 1"], 2: ["Story 6", "Story 5", "Story 4"], 3: ["Story 7"]}
    assert not (world.out / "markets/archive/4.xml").exists()
    assert_chain_is_whole(world, expected_ids(world))


def test_a_first_load_newest_first_leaves_an_empty_page_with_a_plausible_date(tmp_path):
    """A source's first load arrives newest first: the oldest slots hold the
    stories still in the feed, so archive 1 is empty for now. It stays in
    the chain (its neighbours' links never change) and is dated by its
    stories, not 1970 (the W3C validator: "Implausible date")."""
    world = World(tmp_path, per_feed=2)
    dates = [START + timedelta(hours=6 - i) for i in range(6)]  # newest first
    ids = world.add(6, dates=dates)
    world.publish()

    root = etree.parse(str(world.out / "markets/archive/1.xml")).getroot()
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated") == "2024-05-01T22:00:00+08:00"  # story 1's date
    assert sorted(collected(world)) == sorted(ids)
    assert_chain_is_whole(world, expected_ids(world))


def test_small_category_has_no_archive(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(3)
    world.publish()

    root = etree.parse(str(world.out / "markets/atom.xml")).getroot()
    assert [link.get("rel") for link in root.findall(f"{ATOM}link")] == ["self", "alternate"]
    assert not (world.out / "markets/archive").exists()
    assert_chain_is_whole(world, expected_ids(world))


def test_each_publish_keeps_the_chain_whole_and_equal_to_a_rebuild(tmp_path, monkeypatch):
    """Stories arrive in batches, some dated before the feed's oldest (a
    source catching up), some merged or edited later: after every publish,
    the chain holds each kept story once, and the files are exactly those a
    publish from scratch would write."""
    world = World(tmp_path, per_feed=4)
    late = START - timedelta(days=30)
    steps = [
        lambda: world.add(6),
        lambda: world.add(3),
        lambda: world.add(2, dates=[late, late + timedelta(hours=1)]),  # straight into the archive
        lambda: world.merge(world.add(5)[0]),  # a new story merged at once
        lambda: world.merge("https://a.example/news/2"),  # an archived story gains a source
        lambda: world.edit("https://a.example/news/3", "Corrected text"),  # and one is edited
        lambda: world.add(9),
        lambda: None,  # nothing new
        lambda: world.add(1, dates=[None]),  # no date: sorted by when it was first seen
    ]
    for i, step in enumerate(steps):
        step()
        with monkeypatch.context() as patch:
            if i:
                incremental_only(patch)
            world.publish()
        assert_chain_is_whole(world, expected_ids(world))
        assert world.files() == rebuilt(world)
    page = {e.id: e.content[0].value for e in feedparser.parse((world.out / "markets/archive/1.xml").read_bytes()).entries}
    # The archived story that gained a source credits it; the edit shows.
    assert 'Also reported by: <a href="https://b.example/news/2">B</a>' in page["https://a.example/news/2"]
    assert "Corrected text" in page["https://a.example/news/3"]


def test_full_pages_never_change_and_a_second_publish_rewrites_nothing(tmp_path, monkeypatch):
    world = World(tmp_path, per_feed=3)
    world.add(12)
    world.publish()
    incremental_only(monkeypatch)
    before = world.files()
    mtimes = world.mtimes()

    assert world.publish() == []
    assert world.files() == before and world.mtimes() == mtimes

    world.add(2)
    written = {str(p.relative_to(world.out)) for p in world.publish()}
    # Stories 10 and 11 left the feed: page 4 (slots 10-12) appears with
    # them; pages 1 and 2 were full and final, and are untouched.
    assert "markets/archive/4.xml" in written and "markets/page/4.html" in written
    for n in (1, 2):
        assert f"markets/archive/{n}.xml" not in written
        assert world.files()[f"markets/archive/{n}.xml"] == before[f"markets/archive/{n}.xml"]
    # What changes: the feeds, the category page, the new stories' pages,
    # page 4, the home page, and the pages of the stories that now link a
    # new one (issue #17): 12 as its next, 10 and 11 as related; nothing else.
    assert written == {
        "markets/atom.xml", "markets/rss.xml", "markets/feed.json", "markets/index.html", "index.html",
        "markets/archive/3.xml", "markets/page/3.html",  # 3 gains its next-archive link, once
        "markets/archive/4.xml", "markets/page/4.html",
        f"markets/{entry_file('https://a.example/news/13')}", f"markets/{entry_file('https://a.example/news/14')}",
        *(f"markets/{entry_file(f'https://a.example/news/{n}')}" for n in (10, 11, 12)),
    }
    assert_chain_is_whole(world, expected_ids(world))


def test_archive_documents_without_base_url_link_relatively(tmp_path):
    world = World(tmp_path, per_feed=2, base_url=None)
    world.add(7)
    world.publish()

    links = lambda path: {link.get("rel"): link.get("href")  # noqa: E731
                          for link in etree.parse(str(world.out / path)).getroot().findall(f"{ATOM}link")}
    assert links("markets/atom.xml")["prev-archive"] == "archive/3.xml"
    assert links("markets/archive/2.xml") == {
        "self": "2.xml", "alternate": "../page/2.html", "current": "../atom.xml",
        "prev-archive": "1.xml", "next-archive": "3.xml",
    }
    assert_chain_is_whole(world, expected_ids(world))


def test_archives_pass_the_rfc4287_schema_and_its_other_rules(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(10)
    world.merge("https://a.example/news/1")
    world.publish()
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    for path in sorted((world.out / "markets/archive").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        # The schema does not know RFC 5005's element; it allows no foreign
        # element there, so it is checked without it, and checked on its own.
        marks = root.findall(f"{FH}archive")
        assert len(marks) == 1 and len(marks[0]) == 0 and not (marks[0].text or "").strip()
        root.remove(marks[0])
        assert schema.validate(root), schema.error_log
        ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
        assert len(ids) == len(set(ids))
        for entry in root.iter(f"{ATOM}entry"):
            assert entry[-1].tag == f"{ATOM}source"  # source stays last
            # atom:source is dated by the entry (stable), not by the source feed.
            assert entry.findtext(f"{ATOM}source/{ATOM}updated") == entry.findtext(f"{ATOM}updated")
            for link in entry.iter(f"{ATOM}link"):
                assert link.get("href").startswith("https://")


# --- Retention -------------------------------------------------------------------


def test_max_entries_leaves_the_oldest_out_of_the_archives_but_in_the_store(tmp_path, monkeypatch):
    world = World(tmp_path, per_feed=3, retention="{max_entries: 7}")
    ids = world.add(10)
    world.publish()

    assert_chain_is_whole(world, expected_ids(world, max_entries=7))
    assert set(collected(world)) == set(ids[3:])
    # Page 1 (stories 1-3) is gone; page 2 is the oldest and has no prev-archive.
    assert not (world.out / "markets/archive/1.xml").exists()
    assert not (world.out / "markets/page/1.html").exists()
    assert not (world.out / f"markets/{entry_file(ids[0])}").exists()
    assert (world.out / f"markets/{entry_file(ids[3])}").exists()
    assert world.store._db.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 10  # kept in the store

    world.add(2)
    with monkeypatch.context() as patch:
        incremental_only(patch)
        world.publish()
    assert_chain_is_whole(world, expected_ids(world, max_entries=7))
    assert not (world.out / f"markets/{entry_file(ids[4])}").exists()
    assert world.files() == rebuilt(world)


def test_max_age_leaves_old_stories_out_as_time_passes(tmp_path, monkeypatch):
    world = World(tmp_path, per_feed=2, retention="{max_age: 6h}")
    world.add(10)  # dated START + 1h .. + 10h
    now = START + timedelta(hours=12)
    world.publish(now)
    # Kept: the feed (9, 10) and what is dated within 6 hours of now (6, 7, 8).
    assert_chain_is_whole(world, expected_ids(world, max_age=timedelta(hours=6), now=now))
    assert sorted(collected(world)) == sorted(f"https://a.example/news/{n}" for n in (6, 7, 8, 9, 10))

    later = now + timedelta(hours=2)
    world.clock = later
    with monkeypatch.context() as patch:
        incremental_only(patch)
        world.publish(later)
    assert sorted(collected(world)) == sorted(f"https://a.example/news/{n}" for n in (8, 9, 10))
    assert not (world.out / f"markets/{entry_file('https://a.example/news/6')}").exists()
    world.clock = later
    assert world.files() == rebuilt(world)

    # Everything archived expires: the feed alone remains, without archive links.
    world.publish(later + timedelta(days=2))
    assert sorted(collected(world)) == sorted(f"https://a.example/news/{n}" for n in (9, 10))
    assert list((world.out / "markets/archive").glob("*.xml")) == []


def test_a_story_in_the_feed_is_never_dropped_by_age(tmp_path):
    world = World(tmp_path, per_feed=3, retention="{max_age: 1d}")
    world.add(4)
    world.publish(START + timedelta(days=30))

    assert sorted(collected(world)) == sorted(f"https://a.example/news/{n}" for n in (2, 3, 4))


def test_a_changed_retention_rebuilds(tmp_path):
    world = World(tmp_path, per_feed=2, retention="{max_entries: 4}")
    world.add(8)
    world.publish()
    assert len(collected(world)) == 4

    world.config = replace(world.config, retention=Retention())
    world.publish()
    assert_chain_is_whole(world, expected_ids(world))
    assert len(collected(world)) == 8


# --- Rebuilds ------------------------------------------------------------------------


def test_a_cleaned_output_folder_is_written_again_in_full(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(9)
    world.publish()
    before = world.files()

    shutil.rmtree(world.out)
    world.publish()
    assert world.files() == before


def test_a_rebuild_removes_pages_no_longer_published(tmp_path):
    world = World(tmp_path, per_feed=2)
    world.add(6)
    world.publish()
    stray = world.out / "markets" / "0123456789abcdef.html"
    stray.write_text("old", encoding="utf-8")
    (world.out / "markets/archive/9.xml").write_text("old", encoding="utf-8")
    mine = world.out / "markets" / "notes.html"
    mine.write_text("mine", encoding="utf-8")

    # A new page size renumbers the archives: the category is rebuilt.
    world.config = replace(world.config, entries_per_feed=4)
    world.publish()
    assert not stray.exists() and not (world.out / "markets/archive/9.xml").exists()
    assert mine.exists()  # only names feedhub writes are ever removed
    assert sorted(p.name for p in (world.out / "markets/archive").iterdir()) == ["1.xml"]
    assert_chain_is_whole(world, expected_ids(world))


def test_the_state_is_kept_in_the_store_meta_table(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(10)
    world.publish()

    state = json.loads(world.store.get_meta("history/Markets"))
    rows = [world.rows[f"https://a.example/news/{n}"] for n in (1, 4, 7, 10)]
    assert state["bounds"] == rows  # the first story row of each page
    assert (state["first"], state["last"], state["count"]) == (1, 3, 10)


# --- The site: paged category, story pages ----------------------------------------------


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(path.read_text(encoding="utf-8"))


def test_category_pages_are_paged_like_the_archives(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(10)
    world.publish()
    folder = world.out / "markets"

    index = html(folder / "index.html")
    assert [a.text_content() for a in index.xpath("//article/h2/a")] == ["Story 10", "Story 9", "Story 8"]
    assert index.xpath("//nav[@class='pager']/a/@href") == ["page/3.html"]

    seen = []
    page, path = index, folder / "index.html"
    while True:
        titles = page.xpath("//article/h2/a")
        for a in titles:  # each title links the story's page, which exists
            assert (path.parent / a.get("href")).resolve().exists()
        seen += [a.text_content() for a in titles]
        older = page.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        if not older:
            break
        path = (path.parent / older[0]).resolve()
        page = html(path)
        # Each page links home, its category, its feeds and back to newer stories.
        assert {"../../index.html", "../index.html", "../atom.xml"} <= set(page.xpath("//a/@href"))
        newer = page.xpath("//nav[@class='pager']/a[@rel='prev']/@href")
        assert len(newer) == 1 and (path.parent / newer[0]).resolve().exists()
    assert seen == [f"Story {n}" for n in (10, 9, 8, 7, 6, 5, 4, 3, 2, 1)]
    assert html(folder / "page/3.html").xpath("//nav[@class='pager']/a[@rel='prev']/@href") == ["../index.html"]
    assert html(folder / "page/1.html").xpath("//nav[@class='pager']/a[@rel='next']") == []


def test_story_page_in_the_spirit_of_the_seed(tmp_path):
    world = World(tmp_path, per_feed=3, language="zh-CN")
    (story,) = world.add(1, dates=[datetime(2022, 5, 26, 5, 20, 59, tzinfo=UTC)])
    world.merge(story)
    world.publish()

    page = world.out / "markets" / entry_file(story)
    assert page.name == entry_file(story) and len(page.stem) == 16
    doc = html(page)
    assert doc.get("lang") == "zh-CN"
    assert doc.xpath("//h1/text()") == ["Story 1"]
    # Asia/Shanghai, as the portal writes it; the offset in the attribute (issue #17).
    assert doc.xpath("//article//time/text()") == ["2022-05-26 13:20"]
    assert doc.xpath("//article//time/@datetime") == ["2022-05-26T13:20:59+08:00"]
    assert doc.xpath("//article/p[@class='tags']")[0].text_content() == "标签：markets"
    assert doc.xpath("//article/p[@class='tags']/span[@class='tag']/text()") == ["markets"]
    assert [(a.text_content(), a.get("href")) for a in doc.xpath("//p[@class='original']/a")] == [("阅读原文", story)]
    assert [li.text_content() for li in doc.xpath("//nav[@class='crumbs']//li")] == ["首页", "›Markets", "›Story 1"]
    assert doc.xpath("//nav[@class='bar']//a[@aria-current='page']/@href") == ["../markets/index.html"]
    # Alone in its category: no previous nor next story.
    assert [p.text_content() for p in doc.xpath("//nav[@class='prevnext']/p")] == ["上一篇：没有了", "下一篇：没有了"]
    assert doc.xpath("//div[@class='content']/p/text()") == ["Story 1 from A."]
    attribution = doc.xpath("//p[@class='attribution']")[0]
    assert attribution.text_content() == "文章来源：A"
    assert attribution.xpath("a/@href") == [story]
    also = doc.xpath("//p[@class='also']")[0]
    assert also.text_content() == "同时刊载于：B" and also.xpath("a/@href") == ["https://b.example/news/1"]
    back = doc.xpath("//p[@class='back']/a")
    assert [(a.text_content(), a.get("href")) for a in back] == [("返回Markets", "index.html"), ("返回首页", "../index.html")]
    assert doc.xpath("//head/link[@rel='alternate' and @type='application/atom+xml']/@href") == ["atom.xml"]
    assert doc.xpath("//script") == []


def test_story_page_names_never_change(tmp_path):
    # Pinned: the first 16 hex digits of SHA-256 of the story's id.
    assert entry_file("https://a.example/news/1") == hashlib.sha256(b"https://a.example/news/1").hexdigest()[:16] + ".html"
    assert entry_file("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427") == "cd4224ca4e482ee9.html"


def test_an_edit_rewrites_the_story_page_and_its_archive_page_only(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(9)
    world.publish()

    world.edit("https://a.example/news/2", "New text")
    written = {str(p.relative_to(world.out)) for p in world.publish()}
    assert written == {f"markets/{entry_file('https://a.example/news/2')}", "markets/archive/1.xml",
                       "markets/page/1.html"}
    assert "New text" in (world.out / "markets" / entry_file("https://a.example/news/2")).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["category.html", "entry.html"])
def test_users_templates_override_the_pages_and_rebuild_them(tmp_path, name):
    world = World(tmp_path, per_feed=2, extra="")
    templates = tmp_path / "templates"
    templates.mkdir()
    world.add(5)
    world.publish()
    world.config = replace(world.config, template_dir=templates)
    (templates / name).write_text('{% extends "base.html" %}{% block main %}<p id="mine">mine</p>{% endblock %}',
                                  encoding="utf-8")
    world.publish()

    pages = [world.out / "markets/page/1.html"] if name == "category.html" else \
        [world.out / "markets" / entry_file("https://a.example/news/1")]
    for page in pages:
        assert html(page).get_element_by_id("mine").text == "mine"


@pytest.mark.parametrize(("seed", "retention"), [(1, ""), (2, "{max_entries: 11}"), (3, "{max_age: 20h}"),
                                                 (4, "{max_entries: 9, max_age: 30h}")])
def test_random_histories_match_a_rebuild_after_every_publish(tmp_path, monkeypatch, seed, retention):
    """Batches of stories with dates in and out of order, merges, edits and
    time passing, chosen by a seeded generator: after each incremental
    publish, the chain is whole and the files equal a rebuild's."""
    import random

    rng = random.Random(seed)
    world = World(tmp_path, per_feed=3, retention=retention)
    config = world.config.retention
    merged: set[str] = set()
    for step in range(14):
        for _ in range(rng.randint(0, 4)):
            kind = rng.random()
            if kind < 0.6 or not world.rows:
                offset = rng.choice([1, 1, 1, -rng.randint(1, 40)])  # now and then, dated in the past
                world.add(1, dates=[START + timedelta(hours=world.count + offset)])
            elif kind < 0.8:
                unmerged = sorted(set(world.rows) - merged)
                if unmerged:
                    merged.add(story := rng.choice(unmerged))
                    world.merge(story)
            else:
                world.edit(rng.choice(sorted(world.rows)), f"edit {step}")
        world.clock += timedelta(hours=rng.randint(0, 3))
        with monkeypatch.context() as patch:
            if step:
                incremental_only(patch)
            world.publish()
        assert_chain_is_whole(world, expected_ids(world, max_entries=config.max_entries, max_age=config.max_age,
                                                  now=world.clock))
        assert world.files() == rebuilt(world), f"step {step}"


def test_an_edited_built_in_template_rebuilds_the_pages(tmp_path, monkeypatch):
    # The render key covers the built-in templates (feedhub/templates) as
    # well as the user's: after an upgrade that changes them, every page is
    # rendered again, not only the pages whose stories changed.
    import feedhub.publish.plan as plan

    assert (plan._TEMPLATES / "entry.html").is_file()  # the folder html.py renders from
    templates = tmp_path / "templates"
    shutil.copytree(Path(plan.__file__).parents[1] / "templates", templates)
    monkeypatch.setattr(plan, "_TEMPLATES", templates)
    config = load_config(write_minimal_config(tmp_path))
    before = plan._RenderKeys(config).templates()
    assert before == plan._RenderKeys(config).templates()
    (templates / "entry.html").write_text((templates / "entry.html").read_text() + "<!-- changed -->")
    assert plan._RenderKeys(config).templates() != before


def write_minimal_config(folder: Path) -> Path:
    (folder / "a.xml").write_text('<rss version="2.0"><channel><title>A</title></channel></rss>', encoding="utf-8")
    path = folder / "feedhub.yaml"
    path.write_text("storage: {url: 'sqlite:///db'}\noutput: {dir: out}\nsources: [{name: A, url: a.xml}]\n",
                    encoding="utf-8")
    return path
