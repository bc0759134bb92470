"""Story pages link their neighbours in the category (issue #17): the
previous and next story by date and related ones, and a publish renders
again exactly the pages that link a new, changed or expired story
(publish/neighbours.py), so that the site stays incremental and equal to a
rebuild."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import lxml.html

from feedhub.publish.common import entry_file
from feedhub.publish.neighbours import WINDOW
from feedhub.store import StoredStory
from publish_records import FED
from test_archive import incremental_only, rebuilt
from worlds import START, World


def page(world: World, n: int) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring((world.out / "markets" / entry_file(f"https://a.example/news/{n}")).read_text())


def story(n: int) -> str:
    return entry_file(f"https://a.example/news/{n}")


def test_a_story_page_links_previous_next_and_related(tmp_path):
    world = World(tmp_path, per_feed=3)
    world.add(7)  # one hour apart: story n is the n-th oldest
    world.publish()

    doc = page(world, 4)
    assert doc.xpath("//nav[@class='prevnext']//a[@rel='prev']/@href") == [story(3)]
    assert doc.xpath("//nav[@class='prevnext']//a[@rel='next']/@href") == [story(5)]
    assert [p.text_content() for p in doc.xpath("//nav[@class='prevnext']/p")] == ["Previous: Story 3", "Next: Story 5"]
    # All share their tag: the nearest beyond prev/next, the newer of two as near first.
    assert doc.xpath("//section[@class='related']//a/@href") == [story(6), story(2), story(7), story(1)]
    assert doc.xpath("//section[@class='related']/h2/text()") == ["Related"]
    assert doc.xpath("//p[@class='original']/a/text()") == ["Read the original"]
    # The oldest has no previous story, the newest no next one.
    assert page(world, 1).xpath("//a[@rel='prev']") == [] and page(world, 1).xpath("//a[@rel='next']/@href") == [story(2)]
    assert page(world, 7).xpath("//a[@rel='next']") == []


def test_a_late_story_rewrites_its_neighbours_pages_only(tmp_path, monkeypatch):
    world = World(tmp_path, per_feed=3)
    world.add(12)
    world.publish()
    before = world.files()

    # Dated between stories 6 and 7: it goes straight to the archive.
    (late,) = world.add(1, dates=[START + timedelta(hours=6, minutes=30)])
    with monkeypatch.context() as patch:
        incremental_only(patch)
        written = {str(p.relative_to(world.out)) for p in world.publish()}

    stories = {name for name in written if name.startswith("markets/") and name.count("/") == 1
               and name != "markets/index.html" and name.endswith(".html")}
    near = {f"markets/{story(n)}" for n in range(7 - WINDOW, 7 + WINDOW)}  # WINDOW on each side
    assert f"markets/{entry_file(late)}" in stories
    assert stories - {f"markets/{entry_file(late)}"} <= near
    assert f"markets/{story(6)}" in stories and f"markets/{story(7)}" in stories  # its previous and next
    for n in (1, 12):  # far away: untouched
        assert world.files()[f"markets/{story(n)}"] == before[f"markets/{story(n)}"]
    assert world.files() == rebuilt(world)
    assert page(world, 7).xpath("//a[@rel='prev']/@href") == [entry_file(late)]


def test_no_story_page_links_a_page_that_is_not_published(tmp_path, monkeypatch):
    """With a retention, the oldest stories lose their pages: their
    neighbours stop linking them, in each incremental publish."""
    world = World(tmp_path, per_feed=3, retention="{max_entries: 6}")
    world.add(4)
    world.publish()
    for step in range(4):
        world.add(2)
        world.add(1, dates=[START + timedelta(hours=step * 2, minutes=30)])  # late: beyond the retention at once
        with monkeypatch.context() as patch:
            incremental_only(patch)
            world.publish()
        assert_story_links_resolve(world.out / "markets")
        assert world.files() == rebuilt(world), f"step {step}"


def assert_story_links_resolve(folder: Path) -> None:
    pages = [p for p in folder.glob("*.html") if p.name != "index.html"]
    assert pages
    for path in pages:
        doc = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
        for href in doc.xpath("//nav[@class='prevnext']//a/@href | //section[@class='related']//a/@href"):
            assert (folder / href).is_file(), f"{path.name} links {href}, which is not published"


def test_neighbours_of_a_long_category_are_found_past_the_records_kept(monkeypatch):
    """The records kept are let go now and then (a rebuild walks the whole
    category); a walk in progress still finds every one it asked for."""
    from feedhub.publish import neighbours

    class Store:
        def category_stories_beside(self, category, key, limit, *, older):
            rows = range(key[1] - 1, max(0, key[1] - 1 - limit), -1) if older else range(key[1] + 1, key[1] + 1 + limit)
            return [StoredStory(row, "C", f"id-{row}", row, START, START) for row in rows]

    made = []

    def records(stored):
        made.extend(s.row for s in stored)
        return [replace(FED, id=s.atom_id) for s in stored]

    hood = neighbours.Neighbourhood(Store(), "C", lambda stored: True, records)
    # Past the limit, about to be let go, and holding some of those asked for next.
    hood._stories.update({n: None for n in range(10_000, 14_100)})
    hood._stories.update({n: replace(FED, id=f"id-{n}") for n in (3, 4)})
    found = hood.nearest(("2024", 5), older=True)
    assert [stored.row for stored, _ in found] == [4, 3, 2, 1]
