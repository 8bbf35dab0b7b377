"""The code blocks of the docs run, so the docs cannot rot.

Every fenced ```python block of every ``docs/*.md`` page runs, the blocks of a
page in order and in one namespace, offline (the network guard of
``agentloop.testing.pytest_plugin`` is on). A block right after an
``<!-- no-run -->`` comment is skipped; few may be.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import structlog

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(
    r"(?P<skip><!--\s*no-run\s*-->\s*\n)?^```python[^\n]*\n(?P<code>.*?)^```\s*$",
    re.DOTALL | re.MULTILINE,
)


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    code: str
    skip: bool


def blocks(page: Path) -> list[Block]:
    source = page.read_text(encoding="utf-8")
    return [
        Block(
            page.name,
            source.count("\n", 0, match.start("code")) + 1,
            match.group("code"),
            match.group("skip") is not None,
        )
        for match in FENCE.finditer(source)
    ]


PAGES = sorted(DOCS.glob("*.md"))


def test_the_docs_have_pages() -> None:
    assert len(PAGES) >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_of_the_page_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses, pydantic look here
    try:
        for block in blocks(page):
            if block.skip:
                continue
            code = compile(block.code, f"{page.name}:{block.line}", "exec")
            exec(code, module.__dict__)
    finally:
        structlog.reset_defaults()  # a page may configure structlog; later tests expect it not


def test_most_blocks_run() -> None:
    every = [b for page in PAGES for b in blocks(page)]
    skipped = [f"{b.page}:{b.line}" for b in every if b.skip]
    assert len(every) >= 40, f"only {len(every)} python blocks in the docs"
    assert len(skipped) <= max(3, len(every) // 10), f"too many no-run blocks: {skipped}"


def test_the_block_parser_sees_skips_and_line_numbers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```python\nx = 1\n```\n\n<!-- no-run -->\n```python\ny = 2\n```\n")
    assert blocks(page) == [
        Block("page.md", 4, "x = 1\n", False),
        Block("page.md", 9, "y = 2\n", True),
    ]


def test_the_readme_example_runs_against_a_local_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentloop.testing import FakeAnthropic, reply, tool_use
    from agentloop.testing.server import serve

    readme = DOCS.parent / "README.md"
    (example,) = [b for b in blocks(readme) if "Agent(" in b.code]
    fake = FakeAnthropic(
        [reply(tool_use("get_weather", {"city": "Paris"})), reply("15 degrees in Paris.")]
    )
    with serve(fake) as url:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)  # the README's agent reads both
        namespace: dict[str, Any] = {"__name__": "readme"}
        exec(compile(example.code, f"README.md:{example.line}", "exec"), namespace)
        namespace["agent"].client.close()  # the client the agent made from the environment
    assert len(fake.requests) == 2
    fake.assert_clean()
