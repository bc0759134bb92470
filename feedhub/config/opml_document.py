"""Reading a feed reader's OPML export: bytes -> :class:`OpmlDocument`, the
outline tree with each outline's attributes, and nothing decided yet
(opml_plan.py decides which outlines are feeds).

An OPML file is someone else's document: defusedxml refuses entity
declarations, nesting is bounded, and every failure is an :class:`OpmlError`
naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from feedhub.errors import FeedhubError

# Deeper than this is not a reader's folder tree (and would exhaust Python's stack).
MAX_DEPTH = 64


class OpmlError(FeedhubError):
    """The OPML file cannot be read or is not an OPML subscription list."""


@dataclass(frozen=True)
class Outline:
    """One <outline>, its attributes by lowercase name (dialects differ in case)."""

    text: str | None = None
    title: str | None = None
    xml_url: str | None = None
    html_url: str | None = None
    type: str | None = None
    category: str | None = None  # OPML 2.0: comma-separated, slash-delimited paths
    url: str | None = None  # type="link"/"include" outlines
    children: tuple[Outline, ...] = ()


@dataclass(frozen=True)
class OpmlDocument:
    outlines: tuple[Outline, ...]


def _local(name: str) -> str:
    """'{namespace}Outline' -> 'outline'."""
    return name.rsplit("}", 1)[-1].lower()


def parse_opml(data: bytes, where: str = "OPML") -> OpmlDocument:
    """Bytes -> OpmlDocument; OpmlError naming `where` for anything else.

    defusedxml refuses entity declarations (billion laughs, quadratic blowup,
    external entities) before anything is expanded.
    """
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as e:
        raise OpmlError(f"{where}: refused: the document declares XML entities or external references "
                        f"({type(e).__name__}), which an OPML file has no use for") from None
    except ParseError as e:
        raise OpmlError(f"{where}: not a well-formed XML document: {e}") from None
    except (ValueError, LookupError) as e:  # an unknown encoding, NUL bytes
        raise OpmlError(f"{where}: not a readable XML document: {e}") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"{where}: not an OPML file: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{where}: not an OPML file: it has no <body>")

    def outline(element, depth: int) -> Outline:
        if depth > MAX_DEPTH:
            raise OpmlError(f"{where}: outlines nested deeper than {MAX_DEPTH} levels")
        attrs = {_local(k): v for k, v in element.attrib.items() if not k.startswith("{")}
        return Outline(
            text=attrs.get("text"), title=attrs.get("title"), xml_url=attrs.get("xmlurl"),
            html_url=attrs.get("htmlurl"), type=attrs.get("type"), category=attrs.get("category"),
            url=attrs.get("url"),
            children=tuple(outline(c, depth + 1) for c in element if _local(c.tag) == "outline"))

    return OpmlDocument(tuple(outline(c, 1) for c in body if _local(c.tag) == "outline"))


def read_opml(path: Path) -> OpmlDocument:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OpmlError(f"{path}: no such file") from None
    except OSError as e:
        raise OpmlError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return parse_opml(data, str(path))
