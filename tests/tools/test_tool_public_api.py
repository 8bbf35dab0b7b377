"""The public names of agentloop._tools."""

from __future__ import annotations

import agentloop._tools as tools


def test_all_is_sorted_and_matches_the_public_namespace() -> None:
    public = {name for name in vars(tools) if not name.startswith("_")}
    assert tools.__all__ == sorted(tools.__all__, key=lambda n: (not n.isupper(), n))
    assert set(tools.__all__) == public
