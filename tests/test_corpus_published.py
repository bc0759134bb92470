"""The whole real-world corpus published, and read back (issue #13).

Every document of ../shared/corpus is a file: source of one config (grouped
into categories of about 1 MB of documents, every entry in its category's
feed); one `run --once` publishes them. Then, in every atom.xml, rss.xml and
feed.json:

- every id and link is a valid URI (RFC 3986, checked here with a grammar of
  its own, not feedhub's), a UUID URN a valid RFC 4122 UUID;
- nothing names a local file;
- every entry has a link, and sfeed and newsboat see every entry with one.

(The same output passes the W3C feed validator with no error:
docs/validation.md.) Skipped, with that reason, when the corpus is absent.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from lxml import etree

from conftest import CORPUS, CORPUS_MISSING
from builders import config_file
from feedhub.cli import main
from readers import newsboat_entries, sfeed_entries

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
FOLDERS = ("real", "chinese", "illformed", "synthetic")
CATEGORY_BYTES = 1_000_000

# RFC 3986 §3 and Appendix A: absolute-URI [ "#" fragment ].
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_AUTHORITY = (rf"(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?"
              rf"(?:\[[0-9A-Fa-f:.]+\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)(?::[0-9]*)?")
_HIER = rf"(?://{_AUTHORITY}(?:/{_PCHAR}*)*|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?)"
URI = re.compile(rf"^[A-Za-z][A-Za-z0-9+\-.]*:{_HIER}(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?$")


def check_uri(value: str | None, where: str) -> None:
    assert value, f"{where}: missing"
    assert URI.match(value), f"{where}: not a URI: {value!r}"
    scheme = value.split(":", 1)[0].lower()
    assert scheme != "file", f"{where}: a local file: {value!r}"
    if scheme in ("http", "https"):
        assert re.match(r"^https?://[^/?#]+", value, re.I), f"{where}: no host: {value!r}"
    if value.lower().startswith("urn:uuid:"):
        # RFC 4122 §3: the string form, which uuid.UUID reads back to itself.
        assert str(uuid.UUID(value[9:])) == value[9:].lower(), f"{where}: not a UUID: {value!r}"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    folder = tmp_path_factory.mktemp("corpus-published")
    sources = []
    for name in FOLDERS:
        number, size = 1, 0
        for path in sorted((CORPUS / name).iterdir()):
            if size and size + path.stat().st_size > CATEGORY_BYTES:
                number, size = number + 1, 0
            size += path.stat().st_size
            sources.append({"name": f"{name}/{path.name}", "url": path.as_uri(), "categories": [f"{name}-{number}"]})
    config_file(folder, sources, storage="sqlite:///state/hub.db", output={"dir": "out", "entries_per_feed": 10000},
                site={"title": "Corpus", "base_url": "https://hub.example/", "language": "en", "timezone": "Asia/Shanghai"},
                defaults={"interval": "1h", "timeout": 30})
    assert main(["run", "--once", "--config", str(folder / "feedhub.yaml")]) == 0
    return folder / "out"


def feeds(out: Path, name: str) -> list[Path]:
    found = sorted(out.glob(f"*/{name}"))
    assert len(found) > 20
    return found


def test_atom_ids_and_links_are_uris_and_every_entry_has_a_link(published):
    entries = 0
    for feed in feeds(published, "atom.xml"):
        for entry in etree.parse(str(feed)).getroot().iter(f"{ATOM}entry"):
            entries += 1
            where = f"{feed.parent.name}/atom.xml entry {entry.findtext(f'{ATOM}title')!r}"
            check_uri(entry.findtext(f"{ATOM}id"), where + " id")
            alternate = entry.find(f"{ATOM}link[@rel='alternate']")
            assert alternate is not None, where + ": no link"
            for link in entry.iter(f"{ATOM}link"):
                check_uri(link.get("href"), where + " link")
            check_uri(entry.findtext(f"{ATOM}source/{ATOM}id"), where + " source id")
    assert entries > 5000


def test_rss_guids_and_links_are_uris_and_every_item_has_a_link(published):
    for feed in feeds(published, "rss.xml"):
        for item in etree.parse(str(feed)).getroot().iter("item"):
            where = f"{feed.parent.name}/rss.xml item {item.findtext('title')!r}"
            check_uri(item.findtext("guid"), where + " guid")
            check_uri(item.findtext("link"), where + " link")
            check_uri(item.find("source").get("url"), where + " source url")


def test_json_feed_ids_and_urls_are_uris_and_every_item_has_a_url(published):
    for feed in feeds(published, "feed.json"):
        for item in json.loads(feed.read_text("utf-8"))["items"]:
            where = f"{feed.parent.name}/feed.json item {item['title']!r}"
            check_uri(item["id"], where + " id")
            check_uri(item.get("url"), where + " url")
            for source in item["_feedhub"]["sources"]:
                for key in ("url", "feed_url", "home_page_url"):
                    if key in source:
                        check_uri(source[key], f"{where} source {key}")


def test_nothing_names_the_corpus_folder(published):
    local = (str(CORPUS).encode(), str(CORPUS.resolve()).encode())
    for path in published.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(needle in data for needle in local), path


def test_sfeed_sees_every_entry_with_a_link(published):
    for name in ("atom.xml", "rss.xml"):
        for feed in feeds(published, name):
            expected = len(etree.parse(str(feed)).getroot().findall(f".//{ATOM}entry" if name == "atom.xml" else ".//item"))
            seen = sfeed_entries(feed)
            assert len(seen) == expected, feed
            assert all(entry.link for entry in seen), feed


def test_newsboat_sees_every_entry_with_a_link(published, tmp_path):
    for feed in feeds(published, "atom.xml"):
        expected = len(etree.parse(str(feed)).getroot().findall(f".//{ATOM}entry"))
        seen = newsboat_entries(feed, tmp_path / feed.parent.name)
        assert len(seen) == expected, feed
        assert all(entry.link for entry in seen), feed
