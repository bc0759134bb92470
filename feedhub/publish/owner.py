"""Which site an output folder belongs to (issue #13).

Two configs publishing to one folder replaced each other's home page and
emptied each other's categories, and a run that found nothing new then left
the other site in place. Each store has a site id (Store.site_id); the first
publish into a folder records it in ``.feedhub-site``, and a store with
another id refuses to publish there, in one line, unless told to take the
folder over (``feedhub run --take-over-output``): then the previous site's
category folders are removed and everything is published again.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from feedhub.errors import OutputOwnedError, PublishError
from feedhub.publish.files import write_if_changed
from feedhub.store import Store

log = logging.getLogger("feedhub.output")

MARKER = ".feedhub-site"


@dataclass(frozen=True)
class Owner:
    site_id: str
    title: str = ""
    slugs: tuple[str, ...] = ()

    # No path of this machine: a web server may serve the folder whole.
    def to_json(self) -> str:
        return json.dumps({"site_id": self.site_id, "title": self.title, "slugs": list(self.slugs)},
                          ensure_ascii=False, indent=1) + "\n"

    @staticmethod
    def from_json(text: str) -> Owner | None:
        """None for a marker that is not one of ours (unreadable, edited)."""
        try:
            raw = json.loads(text)
            return Owner(str(raw["site_id"]), str(raw.get("title", "")), tuple(str(s) for s in raw.get("slugs", ())))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def decide(found: Owner | None, marker_present: bool, ours: str, take_over: bool) -> str:
    """'ours' (publish), 'claim' (record us, then publish as into an empty
    folder) or 'refuse'. A folder without a marker is claimed: a new one, or
    the output of a feedhub from before the marker."""
    if not marker_present:
        return "claim"
    if found is not None and found.site_id == ours:
        return "ours"
    return "claim" if take_over else "refuse"


def stale_folders(previous: Owner | None, slugs: set[str]) -> list[str]:
    """The previous site's category folders that this site does not publish."""
    if previous is None:
        return []
    return sorted(s for s in previous.slugs if s not in slugs and s and "/" not in s and not s.startswith("."))


def claim_output(output_dir: Path, store: Store, *, title: str, slugs: list[str],
                 take_over: bool = False) -> None:
    """Make sure ``output_dir`` is this store's site's, or raise PublishError."""
    ours = store.site_id()
    marker = output_dir / MARKER
    try:
        text = marker.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except OSError as error:
        raise PublishError(f"cannot read {marker}: {error.strerror}") from None
    found = Owner.from_json(text) if text is not None else None
    action = decide(found, text is not None, ours, take_over)
    if action == "refuse":
        who = repr(found.title) if found is not None else "another site"
        raise OutputOwnedError(f"output folder {output_dir} holds the site {who}, published from another store: "
                           "set another output.dir, or run once with --take-over-output to replace it")
    me = Owner(ours, title, tuple(sorted(slugs)))
    if action == "claim":
        for slug in stale_folders(found, set(slugs)):
            shutil.rmtree(output_dir / slug, ignore_errors=True)
        store.forget_published()
        if text is not None:
            log.warning("output folder %s taken over from %s", output_dir, found.title if found else "another site")
    if action == "claim" or found != me:
        write_if_changed(marker, me.to_json().encode("utf-8"))
