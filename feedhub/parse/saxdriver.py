"""A SAX driver for feedparser: the standard expat reader, with buffered text.

feedparser asks ``xml.sax.make_parser`` for the drivers named in
``feedparser.api.PREFERRED_XML_PARSERS``; parse.py puts this module first.
Without ``buffer_text``, expat reports character data in pieces, one per
line and per entity reference, so an escaped-HTML Atom ``content`` or a
long CDATA section costs feedparser a Python callback per line (1.1 million
``handle_data`` calls for the 200 documents of bench/farm.py). Buffered,
the same text arrives in a few large pieces; feedparser joins the pieces
anyway, so what it returns does not change (tests/test_parse_corpus.py
parses the whole corpus both ways). About a tenth of the parse time.
"""

from __future__ import annotations

from xml.sax.expatreader import ExpatParser

# Larger than any text node of a usual entry, so that one piece is the norm.
_BUFFER_SIZE = 1 << 16


class BufferedExpatParser(ExpatParser):
    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True
        self._parser.buffer_size = _BUFFER_SIZE


def create_parser(*args, **kwargs) -> BufferedExpatParser:
    """The entry point xml.sax.make_parser looks for in a driver module."""
    return BufferedExpatParser(*args, **kwargs)
