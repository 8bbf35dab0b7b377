"""A scripted fake of the Messages API, for testing code built on agentloop.

It speaks the real wire format (JSON and SSE, with the quirks of real traffic),
checks every request against the protocol, and runs over ``httpx`` (its
:attr:`FakeAnthropic.transport`, or the ready clients of :meth:`FakeAnthropic.client`
and :meth:`FakeAnthropic.async_client`) or as a local HTTP server
(:mod:`agentloop.testing.server`)::

    from agentloop.testing import FakeAnthropic, reply, text, tool_use

    fake = FakeAnthropic([reply(tool_use("get_weather", {"location": "Paris"})),
                          reply(text("It is sunny."))])
    agent = Agent(model="claude-sonnet-4-6", tools=[get_weather], client=fake.client())
"""

from ._builders import (
    block,
    connection_reset,
    garbage,
    http_error,
    redacted_thinking,
    reply,
    server_tool_use,
    stall,
    stream_error,
    text,
    thinking,
    tool_use,
    truncated_stream,
    web_search_result,
)
from ._checks import Violation
from ._errors import ScriptError
from ._fake import FakeAnthropic, Handler, ProtocolViolationError
from ._recorded import RecordedRequest
from ._script import BrokenStream, ErrorReply, Fault, Garbage, Reply, Script, ScriptItem, SSEStyle

__all__ = [
    "BrokenStream",
    "ErrorReply",
    "FakeAnthropic",
    "Fault",
    "Garbage",
    "Handler",
    "ProtocolViolationError",
    "RecordedRequest",
    "Reply",
    "SSEStyle",
    "Script",
    "ScriptError",
    "ScriptItem",
    "Violation",
    "block",
    "connection_reset",
    "garbage",
    "http_error",
    "redacted_thinking",
    "reply",
    "server_tool_use",
    "stall",
    "stream_error",
    "text",
    "thinking",
    "tool_use",
    "truncated_stream",
    "web_search_result",
]
