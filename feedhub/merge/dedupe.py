"""Near-duplicate detection across sources: is this entry the same story as that one?

Pure functions, no I/O. The parse job computes a :class:`Signature` once per
entry (``signature(title, text)``), stored as JSON beside the entry; apply.py
finds candidates in the category's time window through the indexed
:func:`band_keys`, and asks :func:`is_same_story` about each candidate. Exact
identity (same source and id, same canonical URL, same fingerprint) is
normalize.py's and decide.py's job and comes first; this module handles what
those miss: the same article republished by another outlet (issue #4).

This module holds the signature record, the decision and the candidate
keys; the steps that build a signature each have a module of their own
below it: text_cleanup.py, sketch.py, identifying_tokens.py.

Why not lemon24/reader's entry_dedupe
-------------------------------------
reader tokenises on ``\\w+``. An unspaced Chinese paragraph is one "word" for
it, so two copies that differ by one character share no token, and its
48-token minimum rejects almost every Chinese article. It also compares only
within one feed. Here Chinese, Japanese and Korean characters are tokens of
their own, Latin words are tokens, and any two entries of a category compare.

The algorithm
-------------
1. Normalise (text_cleanup.py). NFKC, then casefold; leftover tags and
   entities, format characters, the decorations outlets add to titles and
   texts (a trailing ``｜新华网``, a leading ``【转载】``, an editor's note,
   ``责任编辑：…``) and a truncation marker are dropped.
2. Tokens (text_cleanup.py): every CJK character (Han, kana, hangul) is one
   token, every run of other letters and digits is one (a Latin word).
   Shingles (sketch.py) are token 3-grams: character 3-grams in Chinese and
   Japanese, word 3-grams in Latin text, both in mixed text.
3. Each shingle is hashed to 32 bits by fixed functions, the same on every
   run and machine, and the signature keeps the K=128 smallest hashes (a
   bottom-k MinHash, "KMV" sketch) and the number of distinct shingles
   (sketch.py).
4. From two bottom-k sketches the union's K smallest hashes are a uniform
   sample of the union in which membership of each side is known exactly.
   That gives Jaccard, and - what matters for a truncated summary or a
   dropped first paragraph - the *containment* of the smaller text in the
   larger: the share of the smaller side's sampled shingles (those below the
   larger side's K-th hash) that the larger side also has. A summary of 10%
   of an article has Jaccard 0.1 and containment 1.0.
5. Identifying tokens (identifying_tokens.py): numbers with their unit,
   month-day dates, weekdays, trading sessions and place names. They are
   what tells one article of a series from the next.

The decision (:func:`is_same_story`)
------------------------------------
A false merge loses a story; a missed duplicate only shows it twice. So every
rule can refuse, and only the last ones (b' for a reworded headline, d, e)
accept:

a. The titles' identifying tokens must be the same set (a title that ends in
   "…" may have a subset of the other's). 第12号 vs 第13号, 北京 vs 上海,
   6月12日 vs 6月13日, Q2 vs Q3, 早盘 vs 收盘: refuse.
b. The titles must agree: equal keys once decorations are stripped; or one
   key is the other plus at most ``title_extra_chars`` at its start or end
   (an outlet name no list knows, "｜湃客", " - KTLA"; any length after a cut
   title); or the Jaccard of their token unigrams and bigrams reaches
   ``title_similarity`` (a fixed typo).
b'. When a or b refuses, the headline may have been rewritten (issue #17:
   two outlets carrying one wire story, the same body, headlines at title
   similarity 0.73 were published twice). The text alone then decides, on
   stricter terms than d: the shorter text has at least
   ``reworded_min_shingles`` (64, where band keys start: a copy under
   another headline shares no title key, so only a band finds it), rule c
   holds, every number, date and listed place of each title is in the other
   copy's title or text (a headline may add its body's figure or drop it;
   第12号 against a text of 第13号 refuses; tokens only a title yields, a
   session word or an unlisted "XX区" guess, are left to c), and the
   containment reaches ``reworded_similarity`` (0.95). Job and podcast feeds
   repeat one boilerplate text under titles that differ in one slot
   ("Senior Backend/Frontend Engineer"): their texts differ in that slot
   too, and score 0.85-0.90; wire copy scores 1.0 give or take a footer.
   Left to refuse: a headline rounding its body's figure (超6亿 over 6.3亿)
   or spelling it ("third" with no 3 in the text), and a feed giving one
   identical text, every word, under different headlines (nothing in the
   sketch can tell those apart).
c. Every identifying token of the shorter text must occur in the longer one
   (``token_slack`` is the share that may be missing: 0 by default; a last
   token that a truncation may have cut is not counted). Same-template
   articles (a market wrap on another day, the report of another city, a
   release note of another version) fail here even when 95% of their
   shingles agree.
d. If the shorter text has at least ``min_shingles`` shingles and the sample
   has at least ``min_sample`` of them, the text decides: the containment of
   the shorter text in the longer must reach ``cjk_similarity`` (either side
   Chinese/Japanese/Korean) or ``latin_similarity``. Containment rather than
   Jaccard accepts a summary, a dropped first paragraph and an added editor's
   note, each of which makes one text mostly a part of the other.
e. Otherwise (no text, or too little to trust) the title decides alone: the
   same key or a decorated one (not merely a similar one: 竖向/横向彩条 are two
   products), and the shorter key must weigh at least ``min_title_chars`` (a
   CJK character counting as two): "Release notes" twice is not enough.

Thresholds (:class:`Thresholds`, config ``merge:``) were tuned on
``tests/data/dedupe/pairs.jsonl`` (404 pairs since issue #17 added 64
reworded-headline copies and 12 reworded series; tests/test_dedupe.py prints
precision and recall). Copies score containment >= 0.92 (the lowest are light
edits: quotes restyled, a sentence left out, a footer added); the different
stories that get past a-c are newsletters with one title and a shared intro
and outro, at <= 0.69. So 0.8 for both scripts: precision and recall stay 1.0
anywhere from 0.7 to 0.9 on the set. ``token_slack`` 0.1 would let a text
that differs only by one date among ten figures merge (precision 0.966 on
the set). ``title_similarity`` below 0.7 merges the boilerplate postings.
``min_shingles`` 20 (about 20 Chinese characters or English words) with
``min_sample`` 6 keeps 25-word summaries on the text rule; 50 would send
them to the title rule and lose a few.

Candidates (:func:`band_keys`)
------------------------------
One-permutation LSH read off the same sketch: hashes fall into 32 bins by
their low 5 bits, and a bin's minimum is the smallest sketched hash in that
bin (exact whenever the bin has one below the K-th hash). 16 bands of 2 bins
give keys ``b<i>:<min>:<min>``; two texts with Jaccard J share a band with
probability about 1-(1-J^2)^16: 0.99 at J=0.5. Summaries and other
low-Jaccard copies are found by title keys ``t:<hash>`` of the whole title key
and of its first and last 8 tokens (so an unknown outlet name at one end still
leaves a key in common). The store indexes (category, key) and compares only
entries that share a key; a short text (< 64 shingles) has no band keys.

Rejected: datasketch's MinHash (k hash permutations: k multiplications per
shingle, numpy, 8-byte values) estimates Jaccard only, and its LSH index lives
in memory or Redis rather than in our database; the bottom-k sketch here
costs one hash per shingle and also estimates containment. SimHash cannot
tell containment from similarity at all.
"""

from __future__ import annotations

import functools
import hashlib
import json
from array import array
from dataclasses import dataclass

from feedhub.merge.identifying_tokens import identifying_tokens, readable_in_text
from feedhub.merge.sketch import SKETCH_SIZE, bottom_k, shingle_hashes, sketch_limit
from feedhub.merge.text_cleanup import IS_CJK, count_cjk, join_tokens, strip_text, strip_title, tokenise
from feedhub.types import Thresholds

_DEFAULT_THRESHOLDS = Thresholds()

SIGNATURE_VERSION = 1
BINS = 32  # one-permutation LSH bins (a power of two)
ROWS = 2  # bins per band -> BINS // ROWS bands
TITLE_KEY_TOKENS = 8  # head and tail title keys: this many tokens


@dataclass(frozen=True, eq=False)
class Signature:
    """What is_same_story needs of one entry; stored as JSON (~1.5 KB).

    The merge keeps tens of thousands of these in memory (merge/apply.py's
    cache), so the sketch is an ``array('I')``: 512 bytes for 128 hashes,
    where a tuple of Python ints took about 4.6 KB (issue #19: the daemon's
    memory grew by that cache for two weeks). Not hashable; equal when every
    field is.
    """

    title_key: str  # normalised title: decorations stripped, NFKC, casefolded, no punctuation
    title_tokens: tuple[str, ...]  # identifying tokens of the title, sorted, unique
    title_truncated: bool  # the title ended in an ellipsis
    script: str  # "cjk" or "latin": which similarity threshold applies
    length: int  # tokens of the normalised text
    shingles: int  # distinct shingles of the text
    minhash: array  # array('I'): the SKETCH_SIZE smallest 32-bit shingle hashes, ascending
    text_tokens: tuple[str, ...]  # identifying tokens of the text, sorted, unique
    text_truncated: bool  # the text ended in a truncation marker
    version: int = SIGNATURE_VERSION

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Signature):
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # the array is mutable

    def to_json(self) -> str:
        # vars(), not asdict(): no deep copy of the 128 hashes.
        fields = dict(vars(self), minhash=self.minhash.tolist())
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str) -> Signature:
        raw = json.loads(data)
        if raw.get("version") != SIGNATURE_VERSION:
            raise ValueError(f"signature version {raw.get('version')!r}, expected {SIGNATURE_VERSION}")
        for name in ("title_tokens", "text_tokens"):
            raw[name] = tuple(raw[name])
        raw["minhash"] = array("I", raw["minhash"])
        return cls(**raw)


def signature(title: str, text: str) -> Signature:
    """The signature of one entry; `text` is plain text (HTML already stripped)."""
    clean_title, title_truncated = strip_title(title or "")
    title_tokens = tokenise(clean_title)
    clean_text, text_truncated = strip_text(text or "")
    tokens = tokenise(clean_text)
    hashes = shingle_hashes(tokens)
    # Every CJK character is a token of its own.
    cjk = count_cjk(clean_text if tokens else clean_title)
    total = len(tokens) or len(title_tokens)
    found = identifying_tokens(clean_text, title=False)
    if text_truncated and found:
        # The cut may have halved the last number ("33.2%" -> "33."): it proves nothing.
        last = max(p for p, _ in found)
        if last >= len(clean_text) - 12:
            found = [(p, tok) for p, tok in found if p != last]
    return Signature(
        title_key=join_tokens(title_tokens),
        title_tokens=tuple(sorted({tok for _, tok in identifying_tokens(clean_title, title=True)})),
        title_truncated=title_truncated,
        script="cjk" if total and cjk * 3 >= total else "latin",
        length=len(tokens),
        shingles=len(hashes),
        minhash=bottom_k(hashes),
        text_tokens=tuple(sorted({tok for _, tok in found})),
        text_truncated=text_truncated,
    )


# --------------------------------------------------------------------------
# Estimates from two sketches

def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if not a.minhash or not b.minhash:
        return 0.0
    sa, sb = set(a.minhash), set(b.minhash)
    union = sorted(sa | sb)[:SKETCH_SIZE]
    both = sum(1 for h in union if h in sa and h in sb)
    return both / len(union)


def containment(small: Signature, large: Signature) -> tuple[float, int]:
    """Estimated share of `small`'s shingles that `large` has, and the sample size.

    The sample is `small`'s sketched hashes up to both sketches' limits:
    below them each sketch holds every hash of its text, so membership is exact.
    """
    if not small.minhash or not large.minhash:
        return 0.0, 0
    limit = min(sketch_limit(large.minhash, large.shingles), sketch_limit(small.minhash, small.shingles))
    sl = set(large.minhash)
    sample = [h for h in small.minhash if h <= limit]
    if not sample:
        return 0.0, 0
    return sum(1 for h in sample if h in sl) / len(sample), len(sample)


# --------------------------------------------------------------------------
# The decision

@functools.lru_cache(maxsize=8192)
def _title_grams(key: str) -> frozenset[str]:
    # Cached: one new entry is compared with up to two dozen candidates,
    # and the same candidates recur from entry to entry. A CJK title's grams
    # take about 5 KB, so 8,192 of them stay under 45 MB; 65,536 would let a
    # long-running daemon grow by 350 MB (issue #19).
    toks = tokenise(key)
    return frozenset(toks) | {toks[i] + "\x1f" + toks[i + 1] for i in range(len(toks) - 1)}


def title_similarity(a: str, b: str) -> float:
    """Jaccard of two title keys' token unigrams and bigrams."""
    ga, gb = _title_grams(a), _title_grams(b)
    if not ga or not gb:
        return 1.0 if a == b else 0.0
    return len(ga & gb) / len(ga | gb)


def _title_tokens_agree(a: Signature, b: Signature) -> bool:
    if a.title_tokens == b.title_tokens:
        return True
    # A title cut short ("…") may have lost tokens the full one has.
    return ((a.title_truncated and set(a.title_tokens) <= set(b.title_tokens))
            or (b.title_truncated and set(b.title_tokens) <= set(a.title_tokens)))


def _same_title(a: Signature, b: Signature, t: Thresholds) -> bool:
    """Equal title keys, or one is the other plus a short decoration that was
    not recognised (an unknown outlet's name), or the rest of a cut title."""
    if a.title_key == b.title_key:
        return True
    short, long = (a, b) if len(a.title_key) <= len(b.title_key) else (b, a)
    if short.title_key and (long.title_key.startswith(short.title_key) or long.title_key.endswith(short.title_key)):
        cut = short.title_truncated and long.title_key.startswith(short.title_key)
        return cut or _weight(long.title_key) - _weight(short.title_key) <= t.title_extra_chars
    return False


def _titles_agree(a: Signature, b: Signature, t: Thresholds) -> bool:
    """The same title (_same_title), or a nearly equal one (a typo fixed). A
    template slot ("Senior Backend Engineer" vs "Senior Frontend Engineer")
    is neither; a one-character slot in a long Chinese title (竖向/横向) can
    be, so only the text may then accept (rule d)."""
    return _same_title(a, b, t) or title_similarity(a.title_key, b.title_key) >= t.title_similarity


def _text_tokens_agree(small: Signature, large: Signature, t: Thresholds) -> bool:
    have = set(large.text_tokens)
    missing = sum(1 for tok in small.text_tokens if tok not in have)
    return missing <= int(t.token_slack * len(small.text_tokens))


def _title_tokens_known(a: Signature, b: Signature) -> bool:
    """Every number, date and place of each title is in the other copy, in
    its title or its text: a reworded headline may add the figure its body
    gives ("…上涨0.3%") or drop it, but 第12号 against 第13号, or 6月12日
    against a text of 6月13日, is another story. Tokens only a title can
    yield (a session word, an "XX区" guess) have nothing in a text to agree
    with and are left to the text rules; a spelled-out number ("third") is
    still checked, so a headline's "third" against a text without a 3 refuses."""
    for one, other in ((a, b), (b, a)):
        known = set(other.title_tokens) | set(other.text_tokens)
        if any(tok not in known and readable_in_text(tok) for tok in one.title_tokens):
            return False
    return True


def _reworded_copy(small: Signature, large: Signature, t: Thresholds) -> bool:
    """Rule b': the titles differ, so only the texts can accept (issue #17:
    wire copy carried under a lightly reworded headline was published twice).
    Stricter than rule d, because the title no longer vouches for anything:
    more text (``reworded_min_shingles``) and nearly all of it shared
    (``reworded_similarity``), beyond what one boilerplate text under two
    titles (a job posting, a podcast episode) reaches."""
    if small.shingles < t.reworded_min_shingles or not _title_tokens_known(small, large):
        return False
    share, sample = containment(small, large)
    return sample >= t.min_sample and share >= t.reworded_similarity


def is_same_story(a: Signature, b: Signature, t: Thresholds = _DEFAULT_THRESHOLDS) -> bool:
    """Are these two entries copies of one story? Refuses when in doubt (module docstring)."""
    small, large = (a, b) if (a.shingles, a.length) <= (b.shingles, b.length) else (b, a)
    # (c) Numbers, dates and places of the shorter text all in the longer.
    # Checked first: every path below that accepts, the reworded one (b')
    # included, needs it, and its refusal is cheap.
    if small.shingles and not _text_tokens_agree(small, large, t):
        return False
    # (a) Numbers, dates and places of the titles: a series differs here.
    # (b) The same title, once decorations are gone.
    if not (_title_tokens_agree(a, b) and _titles_agree(a, b, t)):
        # (b') A reworded headline: the texts alone decide, strictly.
        return _reworded_copy(small, large, t)
    # (d) Enough text on both sides: the text decides.
    if small.shingles >= t.min_shingles:
        share, sample = containment(small, large)
        if sample >= t.min_sample:
            cjk = a.script == "cjk" or b.script == "cjk"
            return share >= (t.cjk_similarity if cjk else t.latin_similarity)
    # (e) Too little text: only a long title, the same on both sides (b).
    return _same_title(a, b, t) and min(_weight(a.title_key), _weight(b.title_key)) >= t.min_title_chars


def _weight(key: str) -> int:
    return len(key) + len(IS_CJK.findall(key))


# --------------------------------------------------------------------------
# Candidates

def band_keys(sig: Signature) -> list[str]:
    """Keys under which the store indexes an entry; true duplicates share one.

    ``t:…`` is the title key's hash; ``b<i>:…`` are one-permutation LSH bands
    (module docstring). Keys are short ASCII strings, the same on every machine.
    """
    keys = []
    if sig.title_key:
        # The whole title key, and its first and last TITLE_KEY_TOKENS tokens:
        # an unrecognised outlet name before or after the title then still
        # leaves one key in common.
        tokens = tokenise(sig.title_key)
        for part in dict.fromkeys((sig.title_key, join_tokens(tokens[:TITLE_KEY_TOKENS]), join_tokens(tokens[-TITLE_KEY_TOKENS:]))):
            keys.append("t:" + hashlib.blake2b(part.encode("utf-8"), digest_size=8).hexdigest())
    if sig.shingles >= 2 * BINS:
        mins: dict[int, int] = {}
        for h in sig.minhash:  # ascending: the first hash seen in a bin is its minimum
            mins.setdefault(h & (BINS - 1), h)
        for band in range(BINS // ROWS):
            row = [mins.get(band * ROWS + r) for r in range(ROWS)]
            if None not in row:
                keys.append(f"b{band}:" + ":".join(format(v >> 5, "x") for v in row))
    return keys
