"""Pure decisions: is an entry new, edited or unchanged; which story does it
join; which copy of a story is canonical; what id does a new story get.

No I/O here: apply.py asks the store for candidates and applies the
answers. The same (source, id) is one entry, updated in place; the same
canonical article URL is one story per category; near-duplicates across
sources are dedupe.py's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from feedhub.normalize import html_to_text, public_id
from feedhub.types import Entry

# Derived story ids are UUIDv5 in this namespace, so that they are valid
# atom:id IRIs (RFC 4287 §4.2.6) and the same on every run and machine.
_ID_NAMESPACE = uuid.UUID("6f1e6a43-4c38-5b8e-9d0e-2f5a3c1b7e10")


class Change(Enum):
    NEW = "new"
    EDITED = "edited"
    UNCHANGED = "unchanged"


def classify(entry: Entry, stored_hash: str | None) -> Change:
    """A re-polled entry is unchanged; one whose title or text changed at its
    source is edited (updated in place, never repeated)."""
    if stored_hash is None:
        return Change.NEW
    return Change.UNCHANGED if stored_hash == entry.content_hash else Change.EDITED


def story_atom_id(entry: Entry, taken: bool) -> str:
    """The published id of a new story: the source's own id when it is an
    absolute IRI no other story of the category uses (readers that also follow
    the source then see the same entry), else a UUID derived from the source
    name and entry id, which never changes between runs.

    The source's id is taken in the form it is published in
    (normalize.public_id): an IRI as its URI (RFC 3987 §3.1), an id that is
    no valid URI (an "urn:uuid:" that is no RFC 4122 UUID, ...) as a UUID of
    feedhub's. The store then holds what is published, and an id taken by
    another story is found taken in that form."""
    own = entry.entry_id
    if not taken and _is_absolute_iri(own):
        return public_id(own)
    return "urn:uuid:" + str(uuid.uuid5(_ID_NAMESPACE, f"{entry.source}\n{entry.entry_id}"))


def _is_absolute_iri(value: str) -> bool:
    scheme, sep, rest = value.partition(":")
    return bool(sep and rest and scheme[:1].isalpha() and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()
                and not any(c.isspace() for c in value) and scheme.lower() in ("http", "https", "urn", "tag"))


def story_date(entry: Entry, first_seen: datetime) -> datetime:
    """The date a story is sorted and shown by: the source's publication
    date, else its update date, else when feedhub first saw it (issue #3)."""
    return entry.published or entry.updated or first_seen


@dataclass(frozen=True)
class Copy:
    """One candidate copy, as choose_canonical sees it."""

    row: int
    entry: Entry
    priority: int
    first_seen: datetime
    # The copy marks itself as a reprint (merge/reprint.py reads its title
    # and text; the caller asks, so that this stays a decision over values).
    reprint: bool = False


def choose_canonical(copies: list[Copy]) -> Copy:
    """The copy a merged story shows (documented in docs/merging.md): the
    highest per-source `priority`; then the original before the reprints,
    the earliest published copy among those that do not mark themselves as
    reprints (the outlet that wrote the story is credited, issue #17); then
    the fullest text, then the earliest seen.

    "Published" is the copy's own date, else when it was first seen
    (story_date): a reprint's fuller text or earlier discovery no longer
    takes the credit from the outlet that published first."""
    return min(copies, key=lambda c: (-c.priority, c.reprint, story_date(c.entry, c.first_seen),
                                      -len(html_to_text(c.entry.content)), c.first_seen, c.row))
