"""The pytest plugin, run on a small test file in a separate pytest process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentloop.testing.pytest_plugin import NetworkBlockedError

TESTS = """
import socket

import httpx
import pytest

from agentloop.testing import reply
from agentloop.testing.pytest_plugin import NetworkBlockedError

HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
BODY = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Hi"}]}


def post(fake, headers):
    with httpx.Client(transport=fake.transport) as client:
        return client.post("https://api.anthropic.com/v1/messages", json=BODY, headers=headers)


def test_clean(fake_anthropic):
    fake_anthropic.add(reply("hello"))
    assert post(fake_anthropic, HEADERS).json()["content"][0]["text"] == "hello"


def test_swallowed_violation(fake_anthropic):
    fake_anthropic.add(reply("hello"))
    post(fake_anthropic, {"anthropic-version": "2023-06-01"})  # no key: a 400 nobody looks at


def test_network_is_blocked():
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("203.0.113.7", 443), timeout=0.1)
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("api.anthropic.com", 443)
    with pytest.raises(NetworkBlockedError):
        httpx.get("https://api.anthropic.com/v1/models")


def test_loopback_is_allowed():
    server = socket.create_server(("127.0.0.1", 0))
    with server, socket.create_connection(server.getsockname(), timeout=1):
        pass


@pytest.mark.allow_network
def test_marker_lifts_the_guard():
    assert socket.getaddrinfo.__module__ == "socket"
"""


def test_the_plugin_in_a_pytest_run(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(TESTS)
    command = [sys.executable, "-m", "pytest", "-p", "agentloop.testing.pytest_plugin"]
    command += ["-p", "no:cacheprovider", "--strict-markers", "-W", "error", "-rA", str(tmp_path)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "5 passed, 1 error" in result.stdout, result.stdout
    assert "ERROR at teardown of test_swallowed_violation" in result.stdout
    assert "request 1: x-api-key header: missing" in result.stdout


def test_guard_is_active_here() -> None:
    import socket

    with pytest.raises(NetworkBlockedError, match="allow_network"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
