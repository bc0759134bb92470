"""Ids and links as published (issue #13): pure decisions, no I/O.

- feedparser's entity slip ("&lang=zh_CN" read as "〈=zh_CN") undone in URLs;
- IRIs converted to URIs (RFC 3987 §3.1) where a URI is required;
- ids that are no valid URI replaced by a stable UUID (RFC 4122 §4.3),
  valid ones never touched;
- entries with no title, no link and no text dropped, and counted.
"""

from __future__ import annotations

import html.entities
import uuid
from datetime import datetime, timezone

import pytest

from feedhub.merge.decide import story_atom_id
from feedhub.normalize import (
    as_uri,
    iri_to_uri,
    is_empty,
    is_empty_stored,
    normalize_entry,
    normalize_feed_counted,
    public_id,
    to_iri,
    undo_entity_slip,
    valid_iri,
    valid_uri,
)
from feedhub.parse import parse_feed
from feedhub.types import Entry, EntryData, FeedData

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
FEED = FeedData(url="https://feeds.example.net/a.xml", version="rss20", link="https://site.example.net/")

# --- feedparser's entity slip --------------------------------------------------

# The names the issue lists, each with the character feedparser's loose
# parser turns "&name" into.
SLIPS = ["lang", "para", "times", "copy", "reg", "not", "sect", "cent", "pound", "yen", "micro"]


@pytest.mark.parametrize("name", SLIPS)
def test_a_slipped_parameter_is_given_back(name):
    char = chr(html.entities.name2codepoint[name])
    slipped = f"https://mp.example.cn/s?__biz=MjM5&token=16828{char}=zh_CN#rd"

    assert undo_entity_slip(slipped) == f"https://mp.example.cn/s?__biz=MjM5&token=16828&{name}=zh_CN#rd"


def test_every_slip_of_one_link_is_undone_and_nothing_else():
    slipped = "https://x.example/s?a=1&mid=2\u2329=zh_CN\u00b6=1\u00d7=2\u00a9=3&amp=4"
    assert undo_entity_slip(slipped) == "https://x.example/s?a=1&mid=2&lang=zh_CN&para=1&times=2&copy=3&amp=4"


@pytest.mark.parametrize("url", [
    "https://x.example/s?\u00b5=1&\u03c0=2",  # real parameter names come after "?" or "&"
    "https://x.example/\u00a9=1/path",  # the path is not a query
    "https://x.example/s?q=\u00a9 2024",  # not before "="
    "https://x.example/s?lang=zh_CN",
    None,
])
def test_what_is_no_slip_is_left_alone(url):
    assert undo_entity_slip(url) == url


def test_parse_undoes_the_slip_in_links_of_a_document_that_is_not_well_formed():
    # A bare "&" makes the document ill-formed: feedparser's loose parser
    # reads it, and decodes "&lang" as an entity.
    doc = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
           "<link>https://site.example/</link><description>d</description>"
           "<item><title>A</title><link>https://mp.example.cn/s?id=1&lang=zh_CN&copy=2</link>"
           "<guid isPermaLink='false'>item-1</guid></item></channel></rss>").encode()
    entry = parse_feed(doc, url="https://feeds.example/a.xml").entries[0]

    assert entry.link == "https://mp.example.cn/s?id=1&lang=zh_CN&copy=2"
    assert entry.id == "item-1"  # ids are left as they come: an entry is known by its id


# --- URIs and IRIs ---------------------------------------------------------------


@pytest.mark.parametrize(("iri", "uri"), [
    # RFC 3987 §3.1's examples: non-ASCII as the %XX of its UTF-8 bytes.
    ("http://www.example.org/r\u00e9sum\u00e9.html", "http://www.example.org/r%C3%A9sum%C3%A9.html"),
    ("http://example.com/\U00010300\U00010301\U00010302", "http://example.com/%F0%90%8C%80%F0%90%8C%81%F0%90%8C%82"),
    # The host in its IDNA form (RFC 3987 §3.1 step 1, RFC 3490).
    ("http://例子.测试/路径?q=值#片", "http://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84?q=%E5%80%BC#%E7%89%87"),
    # What no URI may hold: a space, "|", a stray "%", a second "#".
    ("http://feeds.example/synthetic/Correct Value", "http://feeds.example/synthetic/Correct%20Value"),
    ("http://a.example/a|b?x=100%", "http://a.example/a%7Cb?x=100%25"),
    ("http://a.example/a#b#c", "http://a.example/a#b%23c"),
    # A valid URI is left exactly as it is.
    ("https://a.example/%E7%A2%8E?x=1&y=%20#f", "https://a.example/%E7%A2%8E?x=1&y=%20#f"),
    ("http://[::1]:8080/a", "http://[::1]:8080/a"),
])
def test_iri_to_uri(iri, uri):
    assert iri_to_uri(iri) == uri
    assert valid_uri(uri) and uri.isascii()


def test_to_iri_keeps_letters_and_encodes_what_an_iri_may_not_hold():
    assert to_iri("http://a.example/碎语 x") == "http://a.example/碎语%20x"
    # RFC 3987 §4.1: no bidirectional formatting characters.
    assert to_iri("http://a.example/a\u200eb") == "http://a.example/a%E2%80%8Eb"
    assert valid_iri(to_iri("http://a.example/碎语 x"))


@pytest.mark.parametrize(("value", "uri", "iri"), [
    ("https://news.example.com/a?id=1", True, True),
    ("http://chocoluffy.com/2019/08/30/碎语-2019-Aug/", False, True),
    ("urn:uuid:8d5261ba-bf62-4c81-946c-9276ea617917", True, True),
    ("urn:uuid:988EF5C55CDEA24EDE1251744888912", False, False),  # RFC 4122 §3: 8-4-4-4-12 hex digits
    ("urn:uuid:00000000-cfb8-4ebb-aaaa-00000000000", False, False),
    ("urn:isbn:0451450523", True, True),
    ("urn:x:", False, False),  # RFC 8141: a NID of two characters or more, a non-empty NSS
    ("tag:example.org,2003:3.2397", True, True),  # RFC 4151
    ("tag:example.org:3", False, False),  # no date
    ("http://feeds.example/synthetic/Correct Value", False, False),
    ("http:///no-host", False, False),
    ("file:///home/user/feedhub/config/samples/a.xml", False, False),  # nothing local
    ("mailto:editor@example.com", True, True),
])
def test_valid_uri_and_iri(value, uri, iri):
    assert (valid_uri(value), valid_iri(value)) == (uri, iri)


# --- published ids -------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "https://news.example.com/a?id=1",
    "http://blog.worren.net?p=80",  # not in canonical form, but valid: never rewritten
    "urn:uuid:8d5261ba-bf62-4c81-946c-9276ea617917",
    "tag:example.org,2003:3.2397",
    "tag:Example.org,2003:x",  # RFC 4151 only RECOMMENDS lower case (the W3C validator wants it)
    "urn:example:a/b",  # RFC 8141 allows "/" in the NSS (RFC 2141 had it reserved)
])
def test_a_valid_id_is_published_unchanged(value):
    assert public_id(value) == value


def test_an_iri_id_is_published_as_its_uri_with_the_slip_undone():
    assert public_id("http://chocoluffy.com/2019/08/30/碎语-2019-Aug/") == \
        "http://chocoluffy.com/2019/08/30/%E7%A2%8E%E8%AF%AD-2019-Aug/"
    assert public_id("https://mp.example.cn/s?mid=26&token=1682840778\u2329=zh_CN#rd") == \
        "https://mp.example.cn/s?mid=26&token=1682840778&lang=zh_CN#rd"


@pytest.mark.parametrize("value", [
    "urn:uuid:988EF5C55CDEA24EDE1251744888912",
    "urn:uuid:8d5261ba-bf62-ac81-946c-9276ea617917c",
    "http://feeds.example/synthetic/Correct Value",
    "http://a.example/100%",
    "file:///home/user/a.xml",
])
def test_an_invalid_id_becomes_a_stable_uuid(value):
    published = public_id(value)

    assert published.startswith("urn:uuid:") and valid_uri(published)
    assert uuid.UUID(published[len("urn:uuid:"):]).version == 5
    assert public_id(value) == published == public_id(" " + value + " ")
    assert public_id(value + "x") != published


def test_as_uri_is_none_for_what_cannot_be_one():
    assert as_uri("http://a.example/a b") is None
    assert as_uri("http://a.example/碎") == "http://a.example/%E7%A2%8E"


def entry(entry_id: str, source: str = "S") -> Entry:
    return Entry(source=source, entry_id=entry_id, link=None, canonical_url=None, title="T", author=None,
                 published=None, updated=None, content="", summary="", tags=(), content_hash="h")


def test_a_new_story_is_stored_under_its_published_id():
    assert story_atom_id(entry("https://a.example/1"), taken=False) == "https://a.example/1"
    assert story_atom_id(entry("http://a.example/碎语"), taken=False) == "http://a.example/%E7%A2%8E%E8%AF%AD"
    bad = "urn:uuid:988EF5C55CDEA24EDE1251744888912"
    assert story_atom_id(entry(bad), taken=False) == public_id(bad)
    # Taken, or not an absolute IRI: derived from the source and id, as before.
    derived = story_atom_id(entry(bad), taken=True)
    assert derived != public_id(bad) and derived == story_atom_id(entry(bad), taken=True)
    assert story_atom_id(entry("12345"), taken=False) == story_atom_id(entry("12345"), taken=True)


# --- nothing empty ---------------------------------------------------------------------


@pytest.mark.parametrize(("title", "link", "html", "empty"), [
    ("", None, "", True),
    ("  ", None, "<p> </p><br>", True),
    ("", None, '<img src="https://a.example/x.png">', True),  # no words to show
    ("T", None, "", False),
    ("", "https://a.example/1", "", False),
    ("", None, "<p>text</p>", False),
])
def test_is_empty(title, link, html, empty):
    assert is_empty(title, link, html) is empty


def test_an_entry_stored_before_is_empty_under_its_placeholder_title():
    assert is_empty_stored("Untitled", None, "")
    assert not is_empty_stored("Untitled", None, "<p>a poem</p>")
    assert not is_empty_stored("Untitled", "https://a.example/1", "")


def test_empty_entries_are_dropped_and_counted():
    feed = FeedData(url=FEED.url, version="rss20", link=FEED.link, entries=(
        EntryData(id="1", link="https://a.example/1", title="Kept"),
        EntryData(id="2", link=None, title=None, content="<p> </p>"),  # a truncated item
        EntryData(id="3", link="javascript:alert(1)", title=None, content=""),  # no link that can be published
        EntryData(id=None, link=None, title=None, content="<p>Text without a title</p>"),
    ))
    entries, empty = normalize_feed_counted(feed, "S", NOW)

    assert [e.title for e, _ in entries] == ["Kept", "Text without a title"]
    assert empty == 2
    assert normalize_entry(feed.entries[1], feed, "S", NOW) is None
