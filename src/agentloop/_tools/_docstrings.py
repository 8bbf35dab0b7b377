"""Read a tool's description and its parameters' descriptions from a docstring.

Google (``Args:``), NumPy (``Parameters``) and Sphinx (``:param x:``) styles
are recognised by :mod:`docstring_parser`. The tool description is the
docstring's summary and body; the parameter sections go into the schema
instead, so they are not repeated in the description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Docs", "parse_docstring"]


@dataclass(frozen=True)
class Docs:
    """What a docstring says: the description and each parameter's description."""

    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> Docs:
    """Split a (cleaned) docstring into the tool description and parameter docs."""
    if not doc or not doc.strip():
        return Docs()
    import docstring_parser  # slow to import; unused until a tool is defined

    try:
        parsed = docstring_parser.parse(doc)
    except docstring_parser.ParseError:
        return Docs(description=doc.strip())
    parts = [p.strip() for p in (parsed.short_description, parsed.long_description) if p]
    params = {
        p.arg_name: " ".join(p.description.split())
        for p in parsed.params
        if p.description and p.description.strip()
    }
    return Docs(description="\n\n".join(parts), params=params)
