"""A category as an Atom 1.0 feed (RFC 4287); the only module importing feedgen.

Every text goes through ``xml_safe`` before feedgen sees it: lxml, under
feedgen, raises ValueError on a control character, and one stray byte in a
source's title must not stop a category from publishing.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedhub import PROJECT_URL
from feedhub.publish.common import EPOCH, attribution_html, first_text, story_author, story_link, web_url, xml_safe
from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story

# Namespace for feed ids of sites published without a base_url (see _feed_id).
_FEED_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_URL)


def render_atom(view: CategoryView, site: SiteInfo, *, self_url: str, generator_version: str) -> bytes:
    """The category's feed document, newest story first.

    ``self_url`` is where the feed is served: an absolute URL when the site
    has a base_url, else a reference relative to the feed itself
    ("atom.xml"). The same view always gives the same bytes: no clock is read.
    """
    self_url = xml_safe(self_url)
    fg = FeedGenerator()
    fg.id(_feed_id(view, self_url))
    fg.title(xml_safe(f"{site.title} · {view.name}"))
    # §4.2.15: the feed changed when its newest story did, not when we ran.
    fg.updated(_utc(view.updated or EPOCH))
    # §4.2.7.2: self identifies the feed document; alternate is the category
    # page beside it (urljoin keeps a relative self_url relative).
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=urljoin(self_url, "index.html"), rel="alternate", type="text/html")
    fg.generator("feedhub", version=xml_safe(generator_version), uri=PROJECT_URL)
    fg.language(xml_safe(site.language))  # xml:lang on <feed>

    seen: set[str] = set()
    for story in view.stories:
        # §4.1.1: no two entries may share an id; a story listed twice by
        # mistake upstream is published once, where it first appears.
        if story.id in seen:
            continue
        seen.add(story.id)
        # add_entry prepends by default; view.stories is already newest first.
        fg.add_entry(_entry(story, site), order="append")

    return fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _feed_id(view: CategoryView, self_url: str) -> str:
    """§4.2.6: a permanent IRI. The absolute self URL is one; without a
    base_url there is none, so a name-based UUID of the slug stands in: it
    never changes between runs, unlike anything read from the filesystem."""
    if urlsplit(self_url).scheme:
        return self_url
    return f"urn:uuid:{uuid.uuid5(_FEED_ID_NAMESPACE, 'category/' + view.slug)}"


def _entry(story: Story, site: SiteInfo) -> FeedEntry:
    fe = FeedEntry()
    fe.id(xml_safe(story.id))
    # §3.1.1: without a type attribute the title is plain text, so "<" and "&"
    # in a headline are escaped by the serialiser and shown as written.
    fe.title(first_text(story.title, story.canonical.title, story.link, story.id))
    link = story_link(story)
    if link:
        fe.link(href=link, rel="alternate", type="text/html")
    # §4.1.2: an entry needs an author unless its feed or source has one;
    # we always give one so that no reader has to look further.
    fe.author(name=story_author(story) or first_text(site.title))
    fe.published(_utc(story.published))
    fe.updated(_utc(story.updated))
    for tag in dict.fromkeys(xml_safe(t).strip() for t in story.tags):
        if tag:
            fe.category(term=tag)
    fe.content(xml_safe(story.content + attribution_html(story, site.language)), type="html")
    fe.register_extension("feedhub", _EntryCompletion, atom=True, rss=False)
    fe.feedhub.complete(link, story.canonical.source, story.updated)
    return fe


class _EntryCompletion(BaseEntryExtension):
    """Adds to a feedgen entry what feedgen 1.0 cannot write itself.

    - The alternate link's ``rel`` and ``type``: feedgen drops both from entry
      links (it reads them back from the new element instead of the dict).
      A link without rel means alternate (§4.2.7.2), but saying so costs
      nothing and some readers look for it.
    - The complete atom:source (§4.2.11): ``FeedEntry.source()`` writes only a
      title and a link, and §4.2.11 asks an aggregator to keep the source
      feed's id, title and updated too. feedgen runs entry extensions after
      every other child is built, so the element appended here is the entry's
      last child: some readers take the first <title>/<link> they meet inside
      an entry, and must meet the entry's own.
    """

    def __init__(self) -> None:
        self._link: str | None = None
        self._source: SourceInfo | None = None
        self._fallback_updated: datetime = EPOCH

    def complete(self, link: str | None, source: SourceInfo, fallback_updated: datetime) -> None:
        self._link = link
        self._source = source
        self._fallback_updated = fallback_updated

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        # feedgen builds unqualified elements under a <feed xmlns="…Atom">,
        # so these land in the Atom namespace when serialised.
        for element in entry.findall("link"):
            if element.get("href") == self._link and "rel" not in element.attrib:
                element.set("rel", "alternate")
                element.set("type", "text/html")
        src = self._source
        if src is None:
            return entry
        element = etree.SubElement(entry, "source")
        feed_url = xml_safe(src.feed_url)
        etree.SubElement(element, "id").text = xml_safe(src.feed_id or "") or feed_url
        etree.SubElement(element, "title").text = first_text(src.feed_title, src.name)
        etree.SubElement(element, "updated").text = _utc(src.feed_updated or self._fallback_updated).isoformat()
        site_link = web_url(src.site_link)
        if site_link:
            etree.SubElement(element, "link", rel="alternate", type="text/html", href=site_link)
        etree.SubElement(element, "link", rel="self", href=feed_url)
        return entry


def _utc(moment: datetime) -> datetime:
    """Dates as RFC 3339 in UTC (§3.3), whatever zone they were built in."""
    return moment.astimezone(timezone.utc)
