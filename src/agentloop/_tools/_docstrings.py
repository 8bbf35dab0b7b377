"""Read a tool's description and its parameters' descriptions from a docstring.

Google (``Args:``), NumPy (``Parameters``) and Sphinx (``:param x:``) styles
are recognised by :mod:`docstring_parser`. The tool description is the
docstring's summary and body, then its Returns section as ``Returns: ...``;
the parameter sections go into the schema instead, so they are not repeated
in the description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Docs", "parse_docstring"]

# A Google section title on the first line: the docstring has no summary line.
_GOOGLE_TITLE = re.compile(
    r"(Arguments|Args|Parameters|Params|Raises|Exceptions|Except|Attributes|"
    r"Examples?|Returns|Yields)\s*:\s*(\n|$)"
)
_PLACEHOLDER = "_"


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

    text = doc.strip()
    headless = _GOOGLE_TITLE.match(text) is not None
    try:
        parsed = docstring_parser.parse(f"{_PLACEHOLDER}\n\n{text}" if headless else text)
    except docstring_parser.ParseError:
        return Docs(description=text)
    summary = None if headless else parsed.short_description
    parts = [p.strip() for p in (summary, parsed.long_description) if p and p.strip()]
    returns = parsed.returns
    if returns is not None and not returns.is_generator and returns.description:
        parts.append("Returns: " + " ".join(returns.description.split()))
    params = {
        p.arg_name: " ".join(p.description.split())
        for p in parsed.params
        if p.description and p.description.strip()
    }
    return Docs(description="\n\n".join(parts), params=params)
