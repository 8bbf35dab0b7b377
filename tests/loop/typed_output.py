"""Checked by ``mypy --strict`` (tests/loop/test_output_typing.py): what users see of ``output``.

Every ``assert_type`` here must hold; the test runs mypy on this file and
expects no error, and on a wrong use (below, kept out of this file) one.
"""

from __future__ import annotations

from pydantic import BaseModel
from typing_extensions import assert_type

from agentloop import Agent, AgentStream, AsyncAgentStream, RunResult


class City(BaseModel):
    name: str


class Country(BaseModel):
    code: str


def check_sync() -> None:
    plain = Agent("claude-sonnet-4-6")
    assert_type(plain.run("q"), RunResult[str])
    assert_type(plain.run("q").output, str)

    typed = Agent("claude-sonnet-4-6", output_type=City)
    assert_type(typed.run("q").output, City)
    assert_type(typed.run("q", deps=None).output, City)
    assert_type(typed.run("q", output_type=Country).output, Country)
    assert_type(plain.run("q", output_type=int).output, int)
    assert_type(typed.stream("q"), AgentStream[City])
    assert_type(typed.stream("q", output_type=list[int]).result().output, list[int])

    with_deps: Agent[list[str], City] = Agent("claude-sonnet-4-6", output_type=City)
    assert_type(with_deps.run("q", deps=["x"]).output, City)


async def check_async() -> None:
    typed = Agent("claude-sonnet-4-6", output_type=City)
    assert_type((await typed.arun("q")).output, City)
    assert_type((await typed.arun("q", output_type=Country)).output, Country)
    assert_type(typed.astream("q"), AsyncAgentStream[City])
    assert_type((await typed.astream("q").result()).output, City)
