"""A category as an RSS 2.0 feed (https://www.rssboard.org/rss-specification).

Like atom.py, this is a feedgen adapter: the two are the only modules that
import feedgen. They stay apart because they share almost nothing but the
records and common.py, and each reads best next to the spec it follows.

Every text goes through ``xml_safe`` before feedgen sees it (lxml, under
feedgen, raises ValueError on a control character). No clock is read: the same
view always gives the same bytes, so an unchanged category keeps its ETag.
"""

from __future__ import annotations

from urllib.parse import urljoin

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedhub import PROJECT_URL
from feedhub.publish.common import (
    FEED_FORMATS,
    entry_link,
    first_text,
    hex_references,
    published_html,
    published_id,
    site_time,
    source_address,
    story_author,
    story_link,
    xml_safe,
)
from feedhub.types import CategoryView, SiteInfo, Story

_DC = "http://purl.org/dc/elements/1.1/"
_ATOM = "http://www.w3.org/2005/Atom"
_MEDIA_TYPE = FEED_FORMATS["rss"].media_type


def render_rss(view: CategoryView, site: SiteInfo, *, self_url: str, generator_version: str) -> bytes:
    """The category's RSS channel, newest item first.

    ``self_url`` is where the feed is served: an absolute URL when the site
    has a base_url, else a reference relative to the feed ("rss.xml").
    """
    self_url = xml_safe(self_url)
    title = xml_safe(f"{site.title} · {view.name}")
    fg = FeedGenerator()
    fg.title(title)
    # The RSS Advisory Board's best practices ask for an atom:link rel="self",
    # so that a copy of the feed says where the original lives.
    fg.link(href=self_url, rel="self", type=_MEDIA_TYPE)
    # <link> is the web page the channel describes: the category page beside
    # the feed (urljoin keeps a relative self_url relative). feedgen makes the
    # last link given the channel's <link>, so this one comes second.
    fg.link(href=urljoin(self_url, "index.html"), rel="alternate")
    fg.description(title)  # required; the category says what it is in its title
    fg.language(xml_safe(site.language))
    # RSS's <generator> is plain text, without Atom's version and uri attributes.
    fg.generator(xml_safe(f"feedhub {generator_version} ({PROJECT_URL})"))
    # lastBuildDate: the newest story's time, never the clock (feedgen would
    # default to now). A channel without stories gets none; see _Channel.
    if view.updated is not None:
        fg.lastBuildDate(site_time(view.updated, site))
    fg.register_extension("feedhub_channel", _Channel, None, atom=False, rss=True)
    fg.feedhub_channel.has_stories = view.updated is not None
    fg.feedhub_channel.hub = xml_safe(site.websub_hub) if site.websub_hub else None

    seen: set[str] = set()
    for story in view.stories:
        guid = published_id(story)
        if guid in seen:  # a guid identifies one item (same rule as Atom's ids)
            continue
        seen.add(guid)
        fg.add_entry(_item(story, view, site, guid), order="append")  # feedgen prepends by default
    return _hex_references(fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True))


# Elements RSS readers take as plain text (not HTML), as feedgen writes
# them; the channel's description too (the items' are HTML).
_PLAIN_TEXT = ("title", "category", "dc:creator", "source")


def _hex_references(document: bytes) -> bytes:
    head, item, items = document.partition(b"<item>")
    head = hex_references(head, ("description",), count=1)
    return hex_references(head + item + items, _PLAIN_TEXT)


def _item(story: Story, view: CategoryView, site: SiteInfo, guid: str) -> FeedEntry:
    fe = FeedEntry()
    fe.title(first_text(story.title, story.canonical.title, story.link, story.id))
    # Every item links somewhere: the original, else the story's page.
    link = entry_link(story, view, site)
    fe.link(href=link)
    # isPermaLink="true" promises that the guid is a URL a browser can open
    # to read the item; ours is the article's link only when the story's id
    # happens to be that very URL. Anything else (tag:, urn:, a derived id,
    # the story page standing in for a missing link) must say false, or
    # readers would open it as a link.
    fe.guid(guid, permalink=guid == story_link(story))
    fe.pubDate(site_time(story.published, site))
    for tag in dict.fromkeys(xml_safe(t).strip() for t in story.tags):
        if tag:
            fe.category(term=tag)
    # The same HTML as Atom's content: the article, then the attribution line.
    # RSS 2.0 carries HTML in <description>, entity-encoded by the serialiser.
    fe.description(published_html(story, site.language))
    # <source url> names the channel the item came from; the url is
    # required: a file: source's public identifier stands in for its path.
    source = story.canonical.source
    fe.source(url=source_address(source, site), title=first_text(source.name, source.feed_title))
    # RSS's <author> must be an e-mail address, which sources almost never
    # give; dc:creator (Dublin Core) carries a plain name and every reader
    # we test with (feedparser, sfeed, newsboat) shows it as the author.
    fe.register_extension("feedhub", _Creator, atom=False, rss=True)
    fe.feedhub.name = story_author(story) or first_text(site.title)
    return fe


class _Creator(BaseEntryExtension):
    """Appends <dc:creator> to an item (feedgen's own dc extension would do,
    but it declares the namespace on every item instead of once on <rss>)."""

    def __init__(self) -> None:
        self.name = ""

    def extend_rss(self, item: etree._Element) -> etree._Element:
        etree.SubElement(item, f"{{{_DC}}}creator").text = self.name
        return item


class _Channel(BaseExtension):
    """Channel-level touches feedgen cannot be asked for.

    - Declares the dc: prefix once, on <rss>, for the items' dc:creator.
    - Drops lastBuildDate from an empty channel: feedgen always writes one,
      defaulting to the clock, and an empty category has no date of its own.
    - Adds ``<atom:link rel="hub">`` after the self link when the site names
      a WebSub hub (WebSub §4 allows RSS to carry Atom's link element);
      feedgen writes only the self link of the atom:links it is given.
    """

    def __init__(self) -> None:
        self.has_stories = True
        self.hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": _DC}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        if not self.has_stories:
            for element in rss.findall("channel/lastBuildDate"):
                element.getparent().remove(element)
        if self.hub:
            channel = rss.find("channel")
            self_link = channel.find(f"{{{_ATOM}}}link[@rel='self']")
            hub = etree.Element(f"{{{_ATOM}}}link", href=self.hub, rel="hub")
            if self_link is not None:
                self_link.addnext(hub)
            else:
                channel.append(hub)
        return rss
