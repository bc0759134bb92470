"""A category as a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1).

Standard library only: a JSON Feed is a plain JSON object. Keys are written
in a fixed order (the spec's, required ones first), one top-level key and one
item per line, with ``ensure_ascii=False``, so that the same view always gives
the same bytes and a person reading the file sees the text as written.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from feedhub import PROJECT_URL
from feedhub.publish.common import (
    entry_link,
    first_text,
    published_html,
    published_id,
    site_time,
    source_address,
    story_author,
    web_url,
    xml_safe,
)
from feedhub.types import CategoryView, SiteInfo, Story, StoryCopy

VERSION = "https://jsonfeed.org/version/1.1"

# Extension objects must start with "_" (spec, "Extensions"); readers that
# do not know ours ignore it.
EXTENSION = "_feedhub"


def render_json_feed(view: CategoryView, site: SiteInfo, *, feed_url: str, generator_version: str) -> bytes:
    """The category's feed document, newest item first.

    ``feed_url`` is where the feed is served: an absolute URL when the site
    has a base_url, else a reference relative to the feed ("feed.json"), like
    the self links of the Atom and RSS feeds.
    """
    feed_url = xml_safe(feed_url)
    doc: dict[str, Any] = {
        "version": VERSION,
        "title": f"{site.title} · {view.name}",
        # The category page beside the feed; urljoin keeps a relative one relative.
        "home_page_url": urljoin(feed_url, "index.html"),
        "feed_url": feed_url,
        "language": site.language,  # new in 1.1: RFC 5646 tag
        # "hubs": endpoints a reader may subscribe with for real-time
        # notification; WebSub is the type the spec names.
        **({"hubs": [{"type": "WebSub", "url": site.websub_hub}]} if site.websub_hub else {}),
        "items": _items(view, site),
        # JSON Feed has no generator field; an extension says who wrote it.
        EXTENSION: {"generator": {"name": "feedhub", "version": generator_version, "url": PROJECT_URL}},
    }
    # Python's json refuses nothing, but a lone surrogate cannot be encoded
    # as UTF-8, and control characters in a title help no reader: the same
    # cleaning as the XML feeds, applied to every string in the document.
    # The items are made of cleaned strings already (_item, _source): walking
    # ten thousand of them again was a third of the JSON Feed's cost.
    return _dumps({key: value if key == "items" else _clean(value) for key, value in doc.items()}).encode("utf-8")


def _dumps(doc: dict[str, Any]) -> str:
    """JSON text with a line per top-level key and per item.

    Not ``indent=``: it makes json use its pure-Python encoder, which took
    more time than building the document (a third of the JSON Feed's cost
    over 200 categories, bench/README.md); each line here is written by the
    C encoder.
    """
    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in doc.items():
        if key == "items" and value:
            body = ",\n".join("    " + dump(item) for item in value)
            lines.append(f"  {dump(key)}: [\n{body}\n  ]")
        else:
            lines.append(f"  {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _items(view: CategoryView, site: SiteInfo) -> list[dict[str, Any]]:
    items = []
    seen: set[str] = set()
    for story in view.stories:
        item_id = published_id(story)
        if item_id in seen:  # "id ... is unique for that item for that feed over time"
            continue
        seen.add(item_id)
        items.append(_item(story, view, site, item_id))
    return items


def _item(story: Story, view: CategoryView, site: SiteInfo, item_id: str) -> dict[str, Any]:
    # Every string here is XML-safe: cleaned here, or by the helpers of
    # common.py (first_text, web_url, published_html, story_author).
    item: dict[str, Any] = {"id": item_id}  # required, and a string since 1.1 (common.published_id)
    # Every item has a url: the original, else the story's page.
    item["url"] = entry_link(story, view, site)
    item["title"] = first_text(story.title, story.canonical.title, story.link, story.id)
    # One of content_html/content_text is required; the same HTML as the
    # Atom content, the attribution line included.
    item["content_html"] = published_html(story, site.language)
    # RFC 3339 dates, in the site's timezone like the other feeds.
    item["date_published"] = site_time(story.published, site).isoformat()
    item["date_modified"] = site_time(story.updated, site).isoformat()
    # 1.1 replaced the single "author" with "authors"; new feeds use authors.
    item["authors"] = [{"name": story_author(story) or first_text(site.title)}]
    tags = [tag for tag in dict.fromkeys(xml_safe(t).strip() for t in story.tags) if tag]
    if tags:
        item["tags"] = tags
    # The sources, canonical first: what Atom's atom:source and RSS's <source>
    # say, plus the other outlets of a merged story.
    item[EXTENSION] = {"sources": [_source(copy, site) for copy in (story.canonical, *story.others)]}
    return item


def _source(copy: StoryCopy, site: SiteInfo) -> dict[str, str]:
    """One outlet: its name, its copy of the article, its feed, its site."""
    source = copy.source
    entry: dict[str, str] = {"name": xml_safe(source.name)}
    url = web_url(copy.link)
    if url:
        entry["url"] = url
    entry["feed_url"] = source_address(source, site)  # a file: source's public id, never its path
    home = web_url(source.site_link)
    if home:
        entry["home_page_url"] = home
    return entry


def _clean(value: Any) -> Any:
    """``value`` with every string passed through xml_safe."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value
