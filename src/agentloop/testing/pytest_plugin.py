"""A pytest plugin: the ``fake_anthropic`` fixture and a guard against real network use.

Enable it with ``-p agentloop.testing.pytest_plugin`` (or ``pytest_plugins`` in
the root ``conftest.py``). Every test then runs with sockets limited to
loopback addresses: connecting anywhere else, or resolving any host name but
``localhost``, raises :class:`NetworkBlockedError`. Mark a test
``@pytest.mark.allow_network`` to lift the guard.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from ._fake import FakeAnthropic

__all__ = ["NetworkBlockedError", "fake_anthropic", "no_network", "pytest_configure"]


class NetworkBlockedError(RuntimeError):
    """A test tried to reach the network without ``@pytest.mark.allow_network``."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``allow_network`` marker."""
    config.addinivalue_line(
        "markers", "allow_network: let this test reach addresses other than loopback"
    )


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    """A fresh :class:`FakeAnthropic` with an empty script (``.add()`` replies to it).

    At teardown the test fails if any request broke a protocol rule, even if
    the code under test swallowed the fake's HTTP 400.
    """
    fake = FakeAnthropic()
    yield fake
    fake.assert_clean()


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse connections to anything but loopback, unless marked ``allow_network``."""
    if request.node.get_closest_marker("allow_network") is not None:
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        _check_address(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check_address(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        _check_host(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _check_address(sock: socket.socket, address: Any) -> None:
    if isinstance(address, (str, bytes)):  # a Unix socket path
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_loopback(host):
        sock.close()  # callers close sockets on OSError only; this is not one
        raise NetworkBlockedError(
            f"agentloop.testing: a test tried to connect to {address!r}; use the fake "
            "(fake_anthropic, agentloop.testing.server) or mark the test allow_network"
        )


def _check_host(host: Any) -> None:
    if host is None or _is_loopback(host):
        return
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host))
    except ValueError:
        raise NetworkBlockedError(
            f"agentloop.testing: a test tried to resolve {host!r}; use the fake "
            "(fake_anthropic, agentloop.testing.server) or mark the test allow_network"
        ) from None


def _is_loopback(host: Any) -> bool:
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
