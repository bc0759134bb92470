"""feeds.opml: every category's feed in one file a reader can import (OPML 2.0).

No dateCreated/dateModified: they would come from the clock, and the file
should change only when the list of categories does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from feedhub.publish.common import page_path as default_page_path
from feedhub.publish.common import xml_safe
from feedhub.types import CategoryView, SiteInfo


def render_opml(
    views: Sequence[CategoryView],
    site: SiteInfo,
    *,
    feed_path: Callable[[CategoryView], str],
    page_path: Callable[[CategoryView], str] = default_page_path,
) -> bytes:
    """One ``type="rss"`` outline per category, in the order given.

    ``feed_path`` and ``page_path`` give a category's feed and page as paths
    under output/ ("<slug>/atom.xml", "<slug>/index.html"). With a base_url
    the URLs are absolute, else they stay relative to feeds.opml, which sits
    at the top of output/.
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = xml_safe(site.title)
    body = ET.SubElement(root, "body")
    for view in views:
        name = xml_safe(view.name)
        ET.SubElement(
            body,
            "outline",
            type="rss",  # OPML 2.0 subscription lists say "rss" whatever the feed's format
            text=name,
            title=name,
            xmlUrl=_url(site, feed_path(view)),
            htmlUrl=_url(site, page_path(view)),
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _url(site: SiteInfo, path: str) -> str:
    return xml_safe((site.base_url or "") + path)
