"""MkDocs hooks: render the Sphinx roles of agentloop's docstrings as code.

The docstrings say :class:`Agent` and :meth:`~agentloop.Agent.run`; mkdocstrings
renders Markdown, so without this the roles would show as written.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc|obj):<code>(~?)([\w.]+)</code>")


def _code(match: re.Match[str]) -> str:
    short, name = match.groups()
    return f"<code>{name.rsplit('.', 1)[-1] if short else name}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_code, html)
