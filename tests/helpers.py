"""Test helpers: one interface over the sync and async clients, so every client
behaviour is tested against both through one parametrized fixture."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from agentloop import AsyncClient, Client, Message
from agentloop._streaming import StreamEvent
from agentloop.testing import FakeAnthropic

API_KEY = "sk-ant-test-0123456789-SECRET"
BASE = {"model": "claude-sonnet-4-6", "max_tokens": 1024}


def params(**extra: Any) -> dict[str, Any]:
    return {**BASE, "messages": [{"role": "user", "content": "Hi"}], **extra}


@dataclass
class Api:
    """Calls the real client, sync or async, against the fake's transport."""

    mode: str
    fake: FakeAnthropic
    sleeps: list[float] = field(default_factory=list)
    client_options: dict[str, Any] = field(default_factory=dict)

    def sync_client(self) -> Client:
        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        http = httpx.Client(transport=self.fake.transport)
        return Client(api_key=API_KEY, http_client=http, sleep=sleep, **self.client_options)

    def async_client(self) -> AsyncClient:
        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        http = httpx.AsyncClient(transport=self.fake.transport)
        return AsyncClient(api_key=API_KEY, http_client=http, sleep=sleep, **self.client_options)

    async def create(self, **kwargs: Any) -> Message:
        if self.mode == "sync":
            return self.sync_client().create(**params(**kwargs))
        return await self.async_client().create(**params(**kwargs))

    async def stream(self, **kwargs: Any) -> tuple[list[StreamEvent], Message]:
        if self.mode == "sync":
            with self.sync_client().stream(**params(**kwargs)) as stream:
                events = list(stream)
                return events, stream.final_message()
        async with self.async_client().stream(**params(**kwargs)) as astream:
            events = [event async for event in astream]
            return events, await astream.final_message()


@dataclass
class Runner:
    """Runs an Agent with the sync or the async driver, against the fake."""

    mode: str
    fake: FakeAnthropic
    sleeps: list[float] = field(default_factory=list)

    def agent(self, **options: Any) -> Any:
        from agentloop import Agent

        api = Api(self.mode, self.fake, self.sleeps)
        options.setdefault("model", "claude-sonnet-4-6")
        return Agent(client=api.sync_client(), async_client=api.async_client(), **options)

    async def run(self, agent: Any, prompt: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            import anyio.to_thread

            return await anyio.to_thread.run_sync(lambda: agent.run(prompt, **kwargs))
        return await agent.arun(prompt, **kwargs)

    async def events(self, agent: Any, prompt: Any, **kwargs: Any) -> list[Any]:
        if self.mode == "sync":
            import anyio.to_thread

            return await anyio.to_thread.run_sync(lambda: list(agent.iter(prompt, **kwargs)))
        return [event async for event in agent.aiter(prompt, **kwargs)]

    async def stream(self, agent: Any, prompt: Any, **kwargs: Any) -> tuple[list[Any], Any]:
        if self.mode == "sync":
            import anyio.to_thread

            def go() -> tuple[list[Any], Any]:
                with agent.stream(prompt, **kwargs) as run:
                    events = list(run)
                    return events, run.result()

            return await anyio.to_thread.run_sync(go)
        async with agent.astream(prompt, **kwargs) as arun:
            events = [event async for event in arun]
            return events, await arun.result()
