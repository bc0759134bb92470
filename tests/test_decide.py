"""The merge's decisions (merge/decide.py): new or edited, the story's id,
its canonical copy. Pure functions, no I/O."""

from datetime import datetime, timedelta, timezone

from feedhub.merge.decide import Change, Copy, choose_canonical, classify, story_atom_id
from feedhub.types import Entry

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def entry(source="s", entry_id="1", content="<p>x</p>", h="h1"):
    return Entry(source, entry_id, None, None, "t", None, None, None, content, "", (), h)


def test_classify():
    assert classify(entry(), None) is Change.NEW
    assert classify(entry(h="h1"), "h1") is Change.UNCHANGED
    assert classify(entry(h="h2"), "h1") is Change.EDITED


def test_story_ids_are_the_sources_iri_or_a_stable_uuid():
    assert story_atom_id(entry(entry_id="https://ex.example/1"), taken=False) == "https://ex.example/1"
    derived = story_atom_id(entry(entry_id="12345"), taken=False)
    assert derived.startswith("urn:uuid:") and derived == story_atom_id(entry(entry_id="12345"), taken=False)
    assert story_atom_id(entry(entry_id="https://ex.example/1"), taken=True).startswith("urn:uuid:")
    assert story_atom_id(entry(source="other", entry_id="12345"), taken=False) != derived


def test_canonical_copy_priority_then_fullest_then_earliest():
    short = Copy(1, entry(source="a", content="<p>short</p>"), 0, NOW)
    full = Copy(2, entry(source="b", content="<p>a much longer text here</p>"), 0, NOW + timedelta(hours=1))
    preferred = Copy(3, entry(source="c", content="<p>tiny</p>"), 5, NOW + timedelta(hours=2))
    assert choose_canonical([short, full]) is full
    assert choose_canonical([short, full, preferred]) is preferred
    twin = Copy(4, entry(source="d", content="<p>short</p>"), 0, NOW - timedelta(hours=1))
    assert choose_canonical([short, twin]) is twin
