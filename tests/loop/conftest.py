from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentloop.testing import FakeAnthropic
from helpers import Runner


@pytest.fixture(params=["sync", "async"])
def runner(request: pytest.FixtureRequest) -> Iterator[Runner]:
    """The same behaviour, run by both drivers; the fake must see no protocol violation."""
    fake = FakeAnthropic(round_trip=True)
    yield Runner(request.param, fake)
    fake.assert_clean()
