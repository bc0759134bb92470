"""A publish renders only the categories whose content changed.

Two local sources, each with its own category; feedhub.cli.main runs real
cycles, and publish_category (what renders and writes one category) is
watched to see which categories have their feeds and page rendered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import feedhub.publish.site
from builders import config_file
from feedhub.cli import main

ITEM = "<item><title>{title}</title><link>https://{host}/{n}</link><guid>https://{host}/{n}</guid>" \
       "<pubDate>Mon, 0{n} Jan 2024 08:00:00 +0800</pubDate><description>{title} text</description></item>"


def rss(host: str, count: int) -> str:
    items = "".join(ITEM.format(title=f"{host} story {n}", host=host, n=n) for n in range(1, count + 1))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}</title><link>https://{host}/</link>{items}</channel></rss>'


@pytest.fixture
def site(tmp_path: Path, monkeypatch) -> tuple[Path, list[str]]:
    (tmp_path / "a.xml").write_text(rss("a.example", 2), encoding="utf-8")
    (tmp_path / "b.xml").write_text(rss("b.example", 2), encoding="utf-8")
    config_file(tmp_path, [{"name": "A", "url": "a.xml", "categories": ["Alpha"]},
                           {"name": "B", "url": "b.xml", "categories": ["Beta"]}],
                site={"title": "Wire", "language": "en"}, storage="sqlite:///state/hub.db")
    rendered: list[str] = []
    original = feedhub.publish.site.publish_category

    def watched(job):
        if not job.view_unchanged:  # its feeds and category page are rendered
            rendered.append(job.view.slug)
        return original(job)

    monkeypatch.setattr(feedhub.publish.site, "publish_category", watched)
    monkeypatch.chdir(tmp_path)
    return tmp_path, rendered


def run(root: Path) -> None:
    assert main(["run", "--once", "--config", str(root / "feedhub.yaml")]) == 0


def test_news_in_one_category_renders_that_category_only(site):
    root, rendered = site
    run(root)
    assert sorted(rendered) == ["alpha", "beta"]
    beta = {p: p.read_bytes() for p in (root / "out" / "beta").iterdir()}

    rendered.clear()
    (root / "a.xml").write_text(rss("a.example", 3), encoding="utf-8")
    run(root)
    assert rendered == ["alpha"]
    assert "a.example story 3" in (root / "out" / "alpha" / "atom.xml").read_text(encoding="utf-8")
    # The home page lists the new story, and Beta's files are as they were.
    assert "a.example story 3" in (root / "out" / "index.html").read_text(encoding="utf-8")
    assert {p: p.read_bytes() for p in (root / "out" / "beta").iterdir()} == beta


def test_a_missing_file_or_a_new_config_renders_again(site):
    root, rendered = site
    run(root)
    (root / "out" / "beta" / "atom.xml").unlink()
    rendered.clear()
    run(root)
    assert rendered == ["beta"]
    assert (root / "out" / "beta" / "atom.xml").is_file()

    config = root / "feedhub.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: Wire", "title: Newswire"), encoding="utf-8")
    rendered.clear()
    run(root)
    assert sorted(rendered) == ["alpha", "beta"]
    assert "Newswire" in (root / "out" / "beta" / "atom.xml").read_text(encoding="utf-8")
