"""Publishing a site from the store: whether to (something changed, or a
file is missing), the plan of each category (plan.py), rendering and writing
(site.py), the fingerprints that let an unchanged category be skipped, the
output folder's owner (owner.py) and the WebSub ping.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from feedhub import __version__
from feedhub.config import Config
from feedhub.errors import OutputOwnedError, PublishError
from feedhub.pool import WorkerPool
from feedhub.publish.common import FEED_FORMATS, PAGE_FILE, slug_format_path
from feedhub.publish.files import batched_writes
from feedhub.publish.plan import plan_categories
from feedhub.publish.websub import ping_websub
from feedhub.store import Store
from feedhub.types import CategoryView, SiteInfo

log = logging.getLogger("feedhub.publish")


def needs_publishing(config: Config, store: Store) -> bool:
    """Publish when something changed since the last successful publish, or
    when a file is missing (a fresh output folder, or one a user cleaned)."""
    if store.publish_pending or store.get_meta("published_with") != _fingerprint(config):
        return True
    # os.path on strings: pathlib's objects were a tenth of a warm daemon
    # cycle for these few hundred checks (bench/warm_daemon.py).
    out = os.fspath(config.output_dir)
    exists, join = os.path.exists, os.path.join
    if not exists(join(out, PAGE_FILE)) or not exists(join(out, "feeds.opml")):
        return True
    files = [FEED_FORMATS[f].file for f in config.formats]
    return any(not exists(join(out, c.slug, file)) for c in config.categories for file in files)


def publish(config: Config, store: Store, *, now: datetime | None = None, pool: WorkerPool | None = None,
            stopping: Callable[[], bool] = lambda: False) -> list[Path]:
    """Write every output file whose bytes changed. If writing fails, the
    files not yet replaced keep their previous content, the store stays
    marked as pending (and the history state as it was), and the next cycle
    tries again.

    With ``site.websub_hub`` set, the hub is then told of every feed whose
    bytes changed (fetch.ping_websub), and of those only; a hub that cannot
    be reached is logged, never an error: the feeds are written, and readers
    polling them lose nothing.

    ``now`` (default: the clock) only decides what ``retention.max_age``
    leaves out of the archives. With ``pool``, categories are rendered and
    written on every CPU (publish_planned)."""
    # Here, not at the top: the renderers (jinja2, feedgen, lxml) are not
    # needed by a cycle that publishes nothing (feedhub/publish/__init__.py).
    from feedhub.publish.site import PlannedCategory, publish_planned

    claim_output(config, store)
    categories, meta = plan_categories(config, store, now=now or datetime.now(timezone.utc))
    common = _rendered_common(config)
    rendered: dict[str, str] = {}
    slugs: list[str] = []

    def planned() -> Iterator[PlannedCategory]:
        # One category at a time (plan.plan_categories): its state and the
        # hash of what its files are rendered from are noted as it goes by.
        for plan in categories:
            slug = plan.view.slug
            slugs.append(slug)
            meta.update(plan.meta)
            rendered[slug] = _rendered_fingerprint(common, plan.view)
            unchanged = store.get_meta(_RENDERED + slug) == rendered[slug] and _files_present(config, slug)
            yield PlannedCategory(plan.view, plan.history, unchanged)

    with batched_writes():  # one sync for the whole site, and all or nothing
        written = publish_planned(planned(), _site(config), config.output_dir, template_dir=config.template_dir,
                                  generator_version=__version__, formats=config.formats,
                                  pool=pool.get if pool is not None else None,
                                  pool_running=pool is not None and pool.started)
    with store.transaction():
        store.set_publish_pending(False)
        store.set_meta("published_with", _fingerprint(config))
        for key, value in meta.items():
            store.set_meta(key, value)
        for slug, value in rendered.items():
            store.set_meta(_RENDERED + slug, value)
    hub, base_url = config.site.websub_hub, config.site.base_url
    if hub and base_url:
        changed = set(written)
        urls = [base_url + slug_format_path(slug, FEED_FORMATS[name]) for slug in slugs for name in config.formats
                if config.output_dir / slug / FEED_FORMATS[name].file in changed]
        if urls:
            # 10 s per request: a slow hub must not hold the daemon's loop long.
            for error in ping_websub(hub, urls, timeout=10.0, stopping=stopping):
                log.warning("WebSub: %s", error)
    return written


def _site(config: Config) -> SiteInfo:
    """The site as the pages show it: with the bar of every category."""
    return replace(config.site, categories=tuple((c.name, c.slug) for c in config.categories))


# Meta key prefix: what a category's files were last rendered from.
_RENDERED = "rendered:"


def _rendered_common(config: Config) -> str:
    return f"{_fingerprint(config)}\x00{__version__}\x00"


def _rendered_fingerprint(common: str, view: CategoryView) -> str:
    """A hash of everything a category's files are rendered from (the view
    with its stories and sources; ``common``: the config and feedhub's
    version). The feeds and page of a category whose hash is the one stored
    at the last publish are not rendered again (PlannedCategory.unchanged):
    a daemon cycle with news in one category of two hundred used to render
    all of them to find that one had changed."""
    return hashlib.sha256((common + repr(view)).encode("utf-8", "surrogatepass")).hexdigest()


def _files_present(config: Config, slug: str) -> bool:
    folder = config.output_dir / slug
    return (folder / PAGE_FILE).exists() and all((folder / FEED_FORMATS[f].file).exists() for f in config.formats)


def _fingerprint(config: Config) -> str:
    """Changes whenever the config changes: a new title, category, slug or
    page size republishes even if no source has anything new."""
    # The daemon asks every cycle about the same frozen Config: kept by identity.
    known = _FINGERPRINT.get(id(config))
    if known is not None and known[0] is config:
        return known[1]
    # The repr of the frozen records: every value, in a fixed order, and far
    # cheaper than dumping YAML every cycle (bench/README.md).
    value = hashlib.sha256(repr(config).encode("utf-8")).hexdigest()
    _FINGERPRINT.clear()
    _FINGERPRINT[id(config)] = (config, value)
    return value


# The last config fingerprinted, by id (the config is kept, so its id stays its own).
_FINGERPRINT: dict[int, tuple[Config, str]] = {}


def claim_output(config: Config, store: Store, *, take_over: bool = False, at_start: bool = False) -> None:
    """Refuse to publish into an output folder another site wrote
    (owner.py). ``at_start``: the check a run makes before polling,
    so that a refusal comes at once; a folder that cannot be written is
    left for the publish to report (the daemon retries it)."""
    from feedhub.publish.owner import claim_output as claim

    try:
        claim(config.output_dir, store, title=config.site.title,
              slugs=[c.slug for c in config.categories], take_over=take_over)
    except OutputOwnedError:
        raise
    except PublishError:
        if not at_start:
            raise
