"""A category as an Atom 1.0 feed (RFC 4287); the only module importing feedgen.

Every text goes through ``xml_safe`` before feedgen sees it: lxml, under
feedgen, raises ValueError on a control character, and one stray byte in a
source's title must not stop a category from publishing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedhub import PROJECT_URL
from feedhub.publish.common import (
    EPOCH,
    entry_link,
    first_text,
    hex_references,
    published_html,
    published_id,
    site_time,
    source_feed_id,
    source_feed_url,
    story_author,
    web_url,
    xml_safe,
)
from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story

# Namespace for feed ids of sites published without a base_url (see _feed_id).
_FEED_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_URL)

# Dates of an atom:source completed without a site (never, from _entry) stay in UTC.
_UTC_SITE = SiteInfo(title="", base_url=None, language="", timezone="UTC")

# RFC 5005 §4: the element marking an archive document.
FH_NAMESPACE = "http://purl.org/syndication/history/1.0"


@dataclass(frozen=True)
class History:
    """The RFC 5005 §4 (archived feeds) links of one feed document, as URLs
    (absolute with a base_url, else relative to the document itself).

    The subscription document (atom.xml) only has ``prev_archive``, to the
    newest archive. An archive document has ``current`` (the subscription
    document), ``prev_archive`` unless it is the oldest, ``next_archive``
    unless it is the newest, and ``alternate``, its HTML page.
    """

    current: str | None = None  # set on archive documents, and only there
    prev_archive: str | None = None
    next_archive: str | None = None
    alternate: str | None = None  # default: index.html beside the document
    # The document's atom:updated when it has no entry (an archive page
    # whose stories are all still in the feed); else the newest entry's.
    empty_updated: datetime | None = None

    @property
    def archive(self) -> bool:
        return self.current is not None


def render_atom(
    view: CategoryView, site: SiteInfo, *, self_url: str, generator_version: str, history: History | None = None
) -> bytes:
    """The category's feed document, newest story first.

    ``self_url`` is where the feed is served: an absolute URL when the site
    has a base_url, else a reference relative to the feed itself
    ("atom.xml"). The same view always gives the same bytes: no clock is read.

    With ``history``, the document carries RFC 5005 links; an archive
    document (``history.current`` set) is also marked ``<fh:archive/>``,
    shares the subscription document's atom:id (they are one logical feed),
    carries no hub link (it does not change, nobody needs to hear of it), and
    dates each atom:source by its entry rather than by the source feed's
    latest update, so that the page keeps its bytes while the sources move on.
    """
    self_url = xml_safe(self_url)
    history = history or History()
    archived = history.archive
    fg = FeedGenerator()
    fg.id(_feed_id(view, xml_safe(history.current) if archived else self_url))
    fg.title(xml_safe(f"{site.title} · {view.name}"))
    # §4.2.15: the feed changed when its newest story did, not when we ran.
    fg.updated(site_time(_updated(view, history), site))
    # §4.2.7.2: self identifies the feed document; alternate is the category
    # page beside it (urljoin keeps a relative self_url relative).
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=xml_safe(history.alternate or urljoin(self_url, "index.html")), rel="alternate", type="text/html")
    if site.websub_hub and not archived:
        # WebSub §4: discovery is a rel="hub" link beside rel="self".
        fg.link(href=xml_safe(site.websub_hub), rel="hub")
    for rel, href in (("current", history.current), ("prev-archive", history.prev_archive),
                      ("next-archive", history.next_archive)):
        if href:
            fg.link(href=xml_safe(href), rel=rel, type="application/atom+xml")
    fg.generator("feedhub", version=xml_safe(generator_version), uri=PROJECT_URL)
    fg.language(xml_safe(site.language))  # xml:lang on <feed>
    if archived:
        fg.register_extension("feedhub_history", _ArchiveMark, None, atom=True, rss=False)

    seen: set[str] = set()
    for story in view.stories:
        # §4.1.1: no two entries may share an id; a story listed twice by
        # mistake upstream is published once, where it first appears.
        entry_id = published_id(story)
        if entry_id in seen:
            continue
        seen.add(entry_id)
        # add_entry prepends by default; view.stories is already newest first.
        fg.add_entry(_entry(story, view, site, entry_id, archived), order="append")

    # Text constructs that are plain text: "&", "<", ">" as hexadecimal
    # references (common.hex_references says why).
    return hex_references(fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True), ("title", "name"))


class _ArchiveMark(BaseExtension):
    """``<fh:archive/>`` (RFC 5005 §4): this document is an archive, whose
    entries do not change; the fh prefix is declared once, on <feed>."""

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NAMESPACE}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        etree.SubElement(feed, f"{{{FH_NAMESPACE}}}archive")
        return feed


def _updated(view: CategoryView, history: History) -> datetime:
    """The newest entry's date; a document without entries takes the date
    its caller gives (an archive page), else the newest of its sources'
    feeds (the category was current as of then), else 1970, which the W3C
    validator calls implausible but which never changes."""
    if view.updated is not None:
        return view.updated
    if history.empty_updated is not None:
        return history.empty_updated
    return max((s.feed_updated for s in view.sources if s.feed_updated), default=EPOCH)


def _feed_id(view: CategoryView, self_url: str) -> str:
    """§4.2.6: a permanent IRI. The absolute self URL is one; without a
    base_url there is none, so a name-based UUID of the slug stands in: it
    never changes between runs, unlike anything read from the filesystem."""
    if urlsplit(self_url).scheme:
        return self_url
    return f"urn:uuid:{uuid.uuid5(_FEED_ID_NAMESPACE, 'category/' + view.slug)}"


def _entry(story: Story, view: CategoryView, site: SiteInfo, entry_id: str, archived: bool = False) -> FeedEntry:
    fe = FeedEntry()
    # §4.2.6: an IRI; a URI here (common.published_id says why).
    fe.id(entry_id)
    # §3.1.1: without a type attribute the title is plain text, so "<" and "&"
    # in a headline are escaped by the serialiser and shown as written.
    fe.title(first_text(story.title, story.canonical.title, story.link, story.id))
    # §4.1.1 asks an entry without content for an alternate link; every
    # entry gets one: the original, else the story's page.
    link = entry_link(story, view, site, from_archive=archived)
    fe.link(href=link, rel="alternate", type="text/html")
    # §4.1.2: an entry needs an author unless its feed or source has one;
    # we always give one so that no reader has to look further.
    fe.author(name=story_author(story) or first_text(site.title))
    fe.published(site_time(story.published, site))
    fe.updated(site_time(story.updated, site))
    for tag in dict.fromkeys(xml_safe(t).strip() for t in story.tags):
        if tag:
            fe.category(term=tag)
    fe.content(published_html(story, site.language), type="html")
    fe.register_extension("feedhub", _EntryCompletion, atom=True, rss=False)
    fe.feedhub.complete(link, story.canonical.source, story.updated, archived, site)
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
        self._archived = False
        self._site: SiteInfo | None = None

    def complete(self, link: str | None, source: SourceInfo, fallback_updated: datetime, archived: bool = False,
                 site: SiteInfo | None = None) -> None:
        self._site = site
        self._link = link
        self._source = source
        self._fallback_updated = fallback_updated
        # In an archive document, atom:source/updated is the entry's own
        # date (the source feed was at least that recent when it carried
        # this version): the source feed's latest update moves on with every
        # poll and would change a page that RFC 5005 wants stable.
        self._archived = archived

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
        # A file: source has no public address: an id stands for it, and
        # its path is published nowhere (common.local_source_id).
        feed_url = source_feed_url(src)
        etree.SubElement(element, "id").text = source_feed_id(src.feed_id, src.feed_url, name=src.name, site=self._site)
        etree.SubElement(element, "title").text = first_text(src.feed_title, src.name)
        source_updated = self._fallback_updated if self._archived else (src.feed_updated or self._fallback_updated)
        etree.SubElement(element, "updated").text = site_time(source_updated, self._site or _UTC_SITE).isoformat()
        site_link = web_url(src.site_link)
        if site_link:
            etree.SubElement(element, "link", rel="alternate", type="text/html", href=site_link)
        if feed_url:
            etree.SubElement(element, "link", rel="self", href=feed_url)
        return entry
