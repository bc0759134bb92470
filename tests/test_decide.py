"""The merge's decisions (merge/decide.py): new or edited, the story's id,
its canonical copy (the original before reprints, issue #17). Pure
functions, no I/O."""

from datetime import datetime, timedelta, timezone

from feedhub.merge.decide import Change, Copy, choose_canonical, classify, story_atom_id
from feedhub.types import Entry

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def entry(source="s", entry_id="1", content="<p>x</p>", h="h1", published=None):
    return Entry(source, entry_id, None, None, "t", None, published, None, content, "", (), h)


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


def test_canonical_copy_is_the_earliest_published_original():
    # Issue #17: the outlet that published first is shown, though a reprint
    # carries fuller text or was seen earlier.
    original = Copy(1, entry(source="a", content="<p>short</p>", published=NOW), 0, NOW + timedelta(hours=2))
    fuller = Copy(2, entry(source="b", content="<p>a much longer text here</p>", published=NOW + timedelta(minutes=7)),
                  0, NOW + timedelta(hours=1), reprint=True)
    noted = Copy(3, entry(source="c", content="<p>noted</p>", published=NOW + timedelta(minutes=9)), 0, NOW,
                 reprint=True)
    assert choose_canonical([fuller, noted, original]) is original
    # Among originals, the earliest published; a reprint published earlier
    # still gives way.
    later = Copy(4, entry(source="d", content="<p>a much longer text here</p>", published=NOW + timedelta(hours=3)),
                 0, NOW)
    early_reprint = Copy(5, entry(source="e", published=NOW - timedelta(hours=1)), 0, NOW, reprint=True)
    assert choose_canonical([later, early_reprint, original]) is original
    assert choose_canonical([later, early_reprint]) is later
    # Only reprints: the earliest published of them.
    assert choose_canonical([fuller, noted]) is fuller


def test_canonical_copy_priority_first_then_date_then_fullest_then_earliest_seen():
    original = Copy(1, entry(source="a", published=NOW), 0, NOW)
    preferred = Copy(2, entry(source="c", content="<p>tiny</p>", published=NOW + timedelta(hours=1)), 5,
                     NOW + timedelta(hours=2), reprint=True)
    assert choose_canonical([original, preferred]) is preferred
    # An undated copy is dated by when it was first seen.
    undated = Copy(3, entry(source="u"), 0, NOW - timedelta(hours=1))
    assert choose_canonical([original, undated]) is undated
    # The same date: the fullest text, then the earliest seen.
    short = Copy(4, entry(source="s", content="<p>short</p>", published=NOW), 0, NOW)
    full = Copy(5, entry(source="f", content="<p>a much longer text here</p>", published=NOW), 0, NOW + timedelta(hours=1))
    assert choose_canonical([short, full]) is full
    twin = Copy(6, entry(source="t", content="<p>short</p>", published=NOW), 0, NOW - timedelta(hours=1))
    assert choose_canonical([short, twin]) is twin
