"""The publishing stage: category views -> files under output/ (see site.py).

The package imports nothing heavy by itself: ``feedhub.publish.common``,
``.files`` and the output layout's names are needed on paths that publish
nothing (a warm ``run --once``, ``status``, ``serve``), and the renderers
bring jinja2, feedgen and lxml (tens of milliseconds and 10 MB). The names
of ``site.py`` (``publish_site``, ``publish_planned``, the renderers ...) are
loaded on first use: ``from feedhub.publish import publish_site`` works as
before.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    # PEP 562: called only for names this module does not have itself.
    # (import_module, not "from feedhub.publish import site": that asks this
    # very function for "site" first.)
    if name.startswith("__"):
        raise AttributeError(name)
    site = importlib.import_module("feedhub.publish.site")
    if name in globals():  # a submodule (files, atom ...), set here by importing site
        return globals()[name]
    try:
        return getattr(site, name)
    except AttributeError:
        raise AttributeError(f"module 'feedhub.publish' has no attribute {name!r}") from None
