"""The daemon's own problems as an Atom feed (RFC 4287), served at
/problems.xml by `run --serve`: the operator subscribes to it in a feed
reader like any other feed, and sees a source start or stop failing, a store
or publish error, as it happens (issue #15).

Not written to output/: it names sources and errors, which are the
operator's business rather than the readers'. Built with the standard
library's ElementTree: a handful of elements, no HTML to sanitise.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import datetime

from feedhub.daemon.health import Problem

ATOM = "http://www.w3.org/2005/Atom"


def problems_feed(site_title: str, site_id: str, problems: list[Problem], started: datetime) -> bytes:
    """``problems`` newest first. Ids are name-based UUIDs (RFC 4122 §4.3):
    the feed's from the site's id, so it stays across restarts; an entry's
    from its problem's key."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", _urn(f"feedhub:{site_id}:problems"))
    _text(feed, "title", f"feedhub problems: {site_title}")
    _text(feed, "updated", _date(problems[0].at if problems else started))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "feedhub")
    _text(feed, "generator", "feedhub")
    for problem in problems:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", _urn(f"feedhub:{site_id}:problem:{problem.key()}"))
        _text(entry, "title", f"{problem.subject}: {problem.kind}")
        _text(entry, "updated", _date(problem.at))
        _text(entry, "content", problem.text).set("type", "text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _urn(name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _date(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")  # RFC 3339, as §3.3 asks
