"""The publishing stage: category views -> files under output/.

Rendering is pure (records in, bytes out, no clock); ``publish_site`` only
lays the files out (DESIGN.md, "The output") and writes those whose bytes
changed, each atomically::

    output/<slug>/atom.xml     render_atom       (atom.py)
    output/<slug>/index.html   render_category   (html.py)
    output/index.html          render_index      (html.py)
    output/feeds.opml          render_opml       (opml.py)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from feedhub.errors import PublishError
from feedhub.publish.atom import render_atom
from feedhub.publish.common import FEED_FILE, PAGE_FILE, feed_path
from feedhub.publish.files import write_if_changed
from feedhub.publish.html import render_category, render_index
from feedhub.publish.opml import render_opml
from feedhub.types import CategoryView, SiteInfo

__all__ = ["publish_site", "render_atom", "render_category", "render_index", "render_opml", "write_if_changed"]


def publish_site(
    views: Sequence[CategoryView],
    site: SiteInfo,
    output_dir: Path,
    *,
    template_dir: Path | None = None,
    generator_version: str,
) -> list[Path]:
    """Write every output file; return the paths actually rewritten.

    Raises PublishError on a slug that cannot be a folder name or is used
    twice, and on any file that cannot be written (earlier files stay
    written, the failing one keeps its previous content).
    """
    _check_slugs(views)
    files: list[tuple[Path, bytes]] = []
    for view in views:
        folder = output_dir / view.slug
        files.append((folder / FEED_FILE, render_atom(view, site, self_url=_self_url(view, site), generator_version=generator_version)))
        files.append((folder / PAGE_FILE, render_category(view, site, template_dir=template_dir)))
    files.append((output_dir / PAGE_FILE, render_index(views, site, template_dir=template_dir)))
    files.append((output_dir / "feeds.opml", render_opml(views, site, feed_path=feed_path)))
    return [path for path, data in files if write_if_changed(path, data)]


def _self_url(view: CategoryView, site: SiteInfo) -> str:
    # Without a base_url, the self link is relative to the feed document
    # itself (RFC 4287 §4.2.7.1 allows an IRI reference), which stays true
    # wherever output/ ends up being served.
    return site.base_url + feed_path(view) if site.base_url else FEED_FILE


def _check_slugs(views: Sequence[CategoryView]) -> None:
    seen: set[str] = set()
    for view in views:
        slug = view.slug
        if not slug or slug in (".", "..") or "/" in slug or "\\" in slug or "\x00" in slug:
            raise PublishError(f"category {view.name!r}: slug {slug!r} cannot be a folder name under output/")
        if slug in seen:
            raise PublishError(f"category {view.name!r}: slug {slug!r} is used by another category")
        seen.add(slug)
