"""The static site: a home page and one page per category (Jinja2 templates).

Templates live in feedhub/templates; a user's folder given as ``template_dir``
is searched first, so a site can restyle any page by copying one file.
Every link is relative (home is "../index.html" from a category page), so the
site works wherever output/ is served, and from the filesystem. No clock is
read: an unchanged category gives a byte-identical page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from feedhub.errors import PublishError
from feedhub.publish.common import (
    FeedFormat,
    attribution_html,
    feed_formats,
    format_path,
    is_chinese,
    page_path,
    story_author,
    story_link,
    xml_safe,
)
from feedhub.types import CategoryView, SiteInfo, Story

# How many stories, across all categories, the home page lists.
LATEST_ON_HOME = 30


def render_index(
    views: Sequence[CategoryView], site: SiteInfo, *, template_dir: Path | None = None, formats: Sequence[str] = ("atom",)
) -> bytes:
    """output/index.html: every category (page and feeds) and the newest stories.

    ``formats`` names the feed formats published (common.FEED_FORMATS), each
    linked for autodiscovery; the first in preference order is the main one.
    """
    return _render("index.html", site, template_dir, formats, views=views, latest=_latest(views, LATEST_ON_HOME))


def render_category(
    view: CategoryView, site: SiteInfo, *, template_dir: Path | None = None, formats: Sequence[str] = ("atom",)
) -> bytes:
    """output/<slug>/index.html: the category's stories in full, newest first."""
    return _render("category.html", site, template_dir, formats, view=view)


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


def _render(name: str, site: SiteInfo, template_dir: Path | None, formats: Sequence[str], **context: object) -> bytes:
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
        template = env.get_template(name)
    except jinja2.TemplateError as error:
        raise PublishError(f"cannot load template {name}: {error}") from error
    text = template.render(
        site=site,
        chinese=is_chinese(site.language),
        link=story_link,
        author=story_author,
        attribution=lambda story: Markup(attribution_html(story, site.language)),
        local_time=lambda moment: _local_time(moment, zone),
        feeds=feeds,
        feed_href=feed_href,
        page_href=page_path,
        **context,
    )
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
    )
    env.filters["safe_html"] = lambda html: Markup(xml_safe(html))
    return env


def _finalize(value: object) -> object:
    """Strip control characters from every printed value, before escaping:
    HTML forbids them as XML does. Markup stays Markup (already escaped)."""
    if isinstance(value, Markup):
        return Markup(xml_safe(value))
    if isinstance(value, str):
        return xml_safe(value)
    return value


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PublishError(f"unknown site.timezone {name!r}: use an IANA name such as Asia/Shanghai") from error


def _local_time(moment: datetime, zone: ZoneInfo) -> str:
    """As the seed page shows dates: "2022-05-26 13:20:59 +0800"."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %z")
