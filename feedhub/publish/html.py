"""The static site (Jinja2 templates): a home page, each category's pages,
and a page per story.

    output/index.html                 index.html     render_index
    output/<slug>/index.html          category.html  render_category (its feed's stories)
    output/<slug>/page/<n>.html       category.html  render_category (archive n's stories)
    output/<slug>/<entry-file>.html   entry.html     render_entry

A category is paged like its feed history (publish/history.py): index.html
shows the stories of the feed (the newest ``entries_per_feed``), and older
stories are on ``page/<n>.html``, which holds exactly the stories of archive
document n. Pages are numbered from the oldest, so page/3.html keeps its
stories (and its bytes) while new ones arrive: a new story rewrites the
category's index.html and at most the newest page, never the whole series.

Every page carries the site's name, the bar of categories (SiteInfo.categories,
else the categories the page is given) and breadcrumbs; a story page also
links its neighbours in the category (Story.around, publish/neighbours.py).
Wording follows ``site.language`` (Chinese, else English).

Templates live in feedhub/templates; a user's folder given as ``template_dir``
is searched first, so a site can restyle any page by copying one file.
Every link is relative (home is "../index.html" from a category page), so the
site works wherever output/ is served, and from the filesystem. No clock is
read: an unchanged category gives a byte-identical page.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from feedhub.errors import PublishError
from feedhub.normalize import html_to_text
from feedhub.publish.common import (
    PAGES_DIR,
    ArchivePage,
    FeedFormat,
    attribution_html,
    entry_file,
    feed_formats,
    format_path,
    is_chinese,
    page_path,
    site_time,
    story_author,
    story_iri,
    xml_safe,
)
from feedhub.types import CategoryView, SiteInfo, Story

# How many stories, across all categories, ``latest`` holds (for sites' own templates).
LATEST_ON_HOME = 30
# How many stories of each category the home page shows.
HOME_PER_CATEGORY = 6
# Characters of plain text a category page shows of each story.
EXCERPT_LENGTH = 160


def render_index(
    views: Sequence[CategoryView], site: SiteInfo, *, template_dir: Path | None = None, formats: Sequence[str] = ("atom",)
) -> bytes:
    """output/index.html: every category (page and feeds) and the newest stories.

    ``formats`` names the feed formats published (common.FEED_FORMATS), each
    linked for autodiscovery; the first in preference order is the main one.
    """
    return _render("index.html", site, template_dir, formats, views=views, latest=_latest(views, LATEST_ON_HOME),
                   sections=_home_sections(views, HOME_PER_CATEGORY), root="", current=None, bar_views=views,
                   entry_href=lambda story, view: f"{page_path(view).rsplit('/', 1)[0]}/{entry_file(story.id)}")


def render_category(
    view: CategoryView,
    site: SiteInfo,
    *,
    template_dir: Path | None = None,
    formats: Sequence[str] = ("atom",),
    page: ArchivePage | None = None,
) -> bytes:
    """A list of the category's stories, newest first, each linking its page.

    Without ``page``: output/<slug>/index.html, the stories of ``view`` (its
    feed), linking to the newest archive page (``view.archive``) as "older".
    With ``page``: output/<slug>/page/<n>.html, the stories of that archive
    page, linking to its newer and older neighbours.
    """
    if page is None:
        up = ""
        newer = None
        older = f"{PAGES_DIR}/{view.archive}.html" if view.archive else None
    else:
        up = "../"
        view = CategoryView(view.name, view.slug, page.stories, view.sources, view.archive)
        newer = f"{page.newer}.html" if page.newer else "../index.html"
        older = f"{page.older}.html" if page.older else None
    return _render("category.html", site, template_dir, formats, view=view, up=up, page=page, root=up + "../",
                   current=view.slug, bar_views=(view,),
                   newer_href=newer, older_href=older, entry_href=lambda story: up + entry_file(story.id))


def render_entry(
    story: Story, view: CategoryView, site: SiteInfo, *, template_dir: Path | None = None,
    formats: Sequence[str] = ("atom",),
) -> bytes:
    """output/<slug>/<entry-file>.html: one story in full, as the seed page
    shows it: title, date, the text, labelled tags, the attribution line,
    the other sources, a link to the original, the previous and next story
    and related ones (``story.around``), and the way back to the category
    and home. Depends on the story, its neighbours and the site's
    categories only: plan.py renders it again when one of those changes."""
    return _render("entry.html", site, template_dir, formats, story=story, view=view, up="", root="../",
                   current=view.slug, bar_views=(view,), original=original_link(story),
                   entry_href=lambda other: entry_file(other.id))


def _latest(views: Sequence[CategoryView], limit: int) -> list[tuple[Story, CategoryView]]:
    """The newest stories across categories, each with the category it is
    listed under; a story filed under two categories (same id) appears once."""
    unique: dict[str, tuple[Story, CategoryView]] = {}
    for view in views:
        for story in view.stories:
            unique.setdefault(story.id, (story, view))
    # The id breaks ties so that equal dates keep a stable order.
    ordered = sorted(unique.values(), key=lambda pair: (pair[0].published, pair[0].updated, pair[0].id), reverse=True)
    return ordered[:limit]


def _home_sections(views: Sequence[CategoryView], limit: int) -> list[tuple[CategoryView, list[Story]]]:
    """Each category with its newest ``limit`` stories for the home page; a
    story filed under several categories (same id) shows under the first
    only, so that no story is listed twice."""
    seen: set[str] = set()
    sections = []
    for view in views:
        shown = []
        for story in view.stories:  # newest first
            if story.id not in seen and len(shown) < limit:
                seen.add(story.id)
                shown.append(story)
        sections.append((view, shown))
    return sections


def _bar(site: SiteInfo, views: Sequence[CategoryView], root: str, current: str | None) -> list[tuple[str, str, bool]]:
    """The bar of categories: (name, link from the page, is the page's own)."""
    pairs = site.categories or tuple((view.name, view.slug) for view in views)
    return [(name, f"{root}{quote(slug)}/index.html", slug == current) for name, slug in pairs]


def _render(name: str, site: SiteInfo, template_dir: Path | None, formats: Sequence[str], *, root: str,
            current: str | None, bar_views: Sequence[CategoryView], **context: object) -> bytes:
    zone = _zone(site.timezone)
    try:
        feeds = feed_formats(formats)
    except ValueError as error:
        raise PublishError(str(error)) from error

    def feed_href(view: CategoryView, feed: FeedFormat = feeds[0]) -> str:
        # One argument (as templates written before formats existed call it):
        # the main feed.
        return format_path(view, feed)

    env = _environment(str(template_dir) if template_dir else None)
    try:
        template = _template(env, name)
    except jinja2.TemplateError as error:
        raise PublishError(f"cannot load template {name}: {error}") from error
    try:
        text = template.render(
            site=site,
            chinese=is_chinese(site.language),
            link=story_iri,  # IRIs: pages show non-ASCII links as written
            author=story_author,
            attribution=lambda story: Markup(attribution_html(story, site.language)),
            local_time=lambda moment: _local_time(moment, zone, site.language),
            # As the feeds write it (common.site_time): HTML's datetime has no seconds in an offset either.
            iso_time=lambda moment: site_time(moment, site).isoformat(),
            root=root,
            bar=_bar(site, bar_views, root, current),
            words=WORDS_ZH if is_chinese(site.language) else WORDS_EN,
            feeds=feeds,
            feed_href=feed_href,
            page_href=page_path,
            excerpt=_excerpt,
            **context,
        )
    except jinja2.TemplateError as error:  # a user's template: a name misspelt, a tag left open
        where = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
        raise PublishError(f"template {name}{where}: {type(error).__name__}: {error}") from error
    return text.encode("utf-8")


@lru_cache(maxsize=8)
def _environment(template_dir: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("feedhub", "templates")]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(template_dir))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        # Not on every page (two stat calls each, a tenth of a story page's
        # cost): _template looks for edited templates once a second.
        auto_reload=False,
    )
    env.filters["safe_html"] = lambda html: Markup(xml_safe(html))
    return env


# How often a long-running process looks for edited templates (seconds).
TEMPLATE_CHECK_INTERVAL = 1.0
# Environment -> when its templates were last checked.
_last_check: weakref.WeakKeyDictionary[jinja2.Environment, float] = weakref.WeakKeyDictionary()


def _template(env: jinja2.Environment, name: str) -> jinja2.Template:
    """``env.get_template(name)``, reloaded (with every template it uses)
    when one was edited: the daemon picks up a changed template within
    TEMPLATE_CHECK_INTERVAL, without a restart."""
    now = time.monotonic()
    if now - _last_check.get(env, -TEMPLATE_CHECK_INTERVAL) >= TEMPLATE_CHECK_INTERVAL:
        _last_check[env] = now
        if env.cache is not None and not all(t.is_up_to_date for t in env.cache.values()):
            env.cache.clear()
    return env.get_template(name)


def _finalize(value: object) -> object:
    """Strip control characters from every printed value, before escaping:
    HTML forbids them as XML does. Markup stays Markup (already escaped)."""
    if isinstance(value, Markup):
        return Markup(xml_safe(value))
    if isinstance(value, str):
        return xml_safe(value)
    return value


def _excerpt(story: Story) -> str:
    """The start of the story's text (its summary if it has one), plain."""
    text = html_to_text(story.summary) or html_to_text(story.content)
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rstrip() + "…"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PublishError(f"unknown site.timezone {name!r}: use an IANA name such as Asia/Shanghai") from error


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _local_time(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """The time in the site's zone, as its readers usually write it (the
    offset is in each <time datetime>): "2024-05-03 10:00" in Chinese,
    Japanese and Korean, as Chinese portals show it; "May 3, 2024, 10:00 AM"
    in American English; "3 May 2024, 10:00" in other English; the ISO form
    otherwise. Spelt out here, not by strftime's %B, which follows the
    process's locale: the same store must give the same bytes anywhere."""
    local = moment.astimezone(zone)
    tag = language.lower()
    if tag in ("en", "en-us") or tag.startswith("en-us-"):
        hour = local.hour % 12 or 12
        return f"{_MONTHS[local.month - 1][:3]} {local.day}, {local.year}, {hour}:{local.minute:02d} " \
               f"{'AM' if local.hour < 12 else 'PM'}"
    if tag.startswith("en"):
        return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


# Query parameters that only tell the original's site where a reader came
# from: campaign tags (utm_*), ad-click ids and mail-campaign ids. A reader
# following "阅读原文" is not a campaign, and such links leak the aggregator.
_TRACKING = re.compile(r"utm_\w*|fbclid|gclid|gclsrc|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi"
                       r"|mkt_tok|spm", re.IGNORECASE)


def original_link(story: Story) -> str | None:
    """The original article (an IRI, as the pages show links) without its
    tracking parameters; the other parameters keep their order and their
    spelling, which some sites need to find the article."""
    href = story_iri(story)
    if href is None or "?" not in href.split("#", 1)[0]:
        return href
    main, hash_mark, fragment = href.partition("#")
    path, _, query = main.partition("?")
    kept = [part for part in query.split("&") if part and not _TRACKING.fullmatch(unquote(part.split("=", 1)[0]))]
    return path + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


# The pages' fixed wording, by the site's language.
WORDS_ZH = {
    "home": "首页", "categories": "栏目", "crumbs": "当前位置", "tags": "标签：", "original": "阅读原文",
    "older": "上一篇：", "newer": "下一篇：", "none": "没有了", "related": "相关文章", "latest": "最新文章",
    "more": "更多", "back": "返回", "back_home": "返回首页", "no_stories": "暂无文章。", "page": "第 %d 页",
    "newer_page": "← 较新文章", "older_page": "较早文章 →", "feeds": "订阅：", "undated": "（原文未注明时间，此为收录时间）",
    "sep": "｜",
}
WORDS_EN = {
    "home": "Home", "categories": "Categories", "crumbs": "You are here", "tags": "Tags: ",
    "original": "Read the original", "older": "Previous: ", "newer": "Next: ", "none": "None", "related": "Related",
    "latest": "Latest", "more": "More", "back": "Back to ", "back_home": "Home", "no_stories": "No stories yet.",
    "page": "page %d", "newer_page": "← Newer", "older_page": "Older →", "feeds": "Feeds: ",
    "undated": " (the original gives no time: when it was first seen)", "sep": " | ",
}
