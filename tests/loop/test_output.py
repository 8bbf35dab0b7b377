"""Structured output (``output_type``): both ways, validation, typed outcomes, streaming."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Annotated, Any, Literal, Union

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from agentloop import (
    ConfigurationError,
    OutputRefused,
    OutputTruncated,
    OutputValidationError,
    PartialOutput,
    RunState,
    tool,
)
from agentloop._loop._output import output_spec
from agentloop._loop._output_partial import PartialJSON
from agentloop.testing import reply, text, thinking, tool_use
from helpers import Runner

NATIVE = "claude-sonnet-4-6"  # ModelRules(structured_outputs=True)
NO_NATIVE = "claude-mythos-5"  # no native structured outputs: the output tool


class City(BaseModel):
    name: str
    population: int = Field(ge=0)


@tool
def lookup(city: str) -> str:
    """Look a city up.

    Args:
        city: Its name.
    """
    return f"{city}: 2,100,000 people"


pytestmark = pytest.mark.anyio

PARIS = {"name": "Paris", "population": 2_100_000}


def body(runner: Runner, request: int = 1) -> dict[str, Any]:
    return runner.fake.requests[request - 1].body


# --- the native way -------------------------------------------------------------------


async def test_native_way_sends_the_schema_subset_and_validates_the_rest(runner: Runner):
    runner.fake.add(reply(json.dumps(PARIS)))
    result = await runner.run(runner.agent(model=NATIVE, output_type=City), "Paris?")
    assert result.output == City(**PARIS)
    assert body(runner)["output_config"] == {
        "format": {
            "type": "json_schema",
            "schema": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
                "required": ["name", "population"],
                "additionalProperties": False,
            },
        }
    }  # "minimum" is not accepted by the API: enforced on our side (next test)
    assert "tools" not in body(runner) and "tool_choice" not in body(runner)
    assert result.state.output_mode == "native" and result.requests == 1


async def test_native_way_works_with_thinking_and_tools_before_the_answer(runner: Runner):
    runner.fake.add(
        reply(thinking("Look it up first."), tool_use("lookup", {"city": "Paris"})),
        reply(thinking("Now answer."), text(json.dumps(PARIS))),
    )
    agent = runner.agent(model=NATIVE, output_type=City, tools=[lookup], thinking="adaptive")
    result = await runner.run(agent, "Paris?")
    assert result.output.population == 2_100_000
    assert all("format" in r.body["output_config"] for r in runner.fake.requests)
    assert body(runner, 2)["thinking"] == {"type": "adaptive"}
    assert [t["name"] for t in body(runner, 2)["tools"]] == ["lookup"]


async def test_an_invalid_output_goes_back_with_field_errors_then_succeeds(runner: Runner):
    runner.fake.add(
        reply(json.dumps({"name": "Paris", "population": -1})), reply(json.dumps(PARIS))
    )
    result = await runner.run(runner.agent(model=NATIVE, output_type=City), "Paris?")
    assert result.output == City(**PARIS)
    sent = body(runner, 2)["messages"][-1]
    assert sent["role"] == "user"
    assert "- population: -1 is less than the minimum of 0" in sent["content"]
    assert result.state.output_failures == 1


async def test_retries_exhausted_raise_a_typed_error_with_the_run_and_the_raw_text(
    runner: Runner,
):
    bad = json.dumps({"name": "Paris"})
    runner.fake.add(reply(bad), reply("not json at all"))
    with pytest.raises(OutputValidationError) as caught:
        await runner.run(runner.agent(model=NATIVE, output_type=City), "Paris?")
    error = caught.value
    assert error.raw == "not json at all"
    assert error.errors[0].startswith("(output): not valid JSON")
    assert error.result.requests == 2
    assert error.result.messages[-1]["role"] == "assistant"  # valid to continue
    first_retry = body(runner, 2)["messages"][-1]["content"]
    assert "- population: required property is missing" in first_retry


async def test_output_retries_zero_raises_at_the_first_invalid_output(runner: Runner):
    runner.fake.add(reply(json.dumps({"name": 3, "population": 1})))
    agent = runner.agent(model=NATIVE, output_type=City, output_retries=0)
    with pytest.raises(OutputValidationError, match="name: 3 is not of type 'string'"):
        await runner.run(agent, "Paris?")
    assert len(runner.fake.requests) == 1


async def test_a_refusal_is_a_typed_outcome(runner: Runner):
    details = {"type": "refusal", "category": "cyber"}
    runner.fake.add(reply("", stop_reason="refusal", stop_details=details))
    with pytest.raises(OutputRefused) as caught:
        await runner.run(runner.agent(model=NATIVE, output_type=City), "Paris?")
    assert caught.value.result.stop_details == details
    assert caught.value.result.stop_reason == "refusal"


async def test_max_tokens_mid_json_is_a_typed_outcome_never_half_parsed(runner: Runner):
    runner.fake.add(reply('{"name": "Par', stop_reason="max_tokens"))
    with pytest.raises(OutputTruncated) as caught:
        await runner.run(runner.agent(model=NATIVE, output_type=City), "Paris?")
    assert caught.value.raw == '{"name": "Par'
    assert caught.value.result.truncated
    with pytest.raises(ConfigurationError, match="no output"):
        caught.value.result.output  # noqa: B018


# --- the output tool way ----------------------------------------------------------------


async def test_tool_way_without_thinking_forces_a_tool_and_ends_at_the_output_call(
    runner: Runner,
):
    runner.fake.add(reply(tool_use("final_result", PARIS)))
    result = await runner.run(runner.agent(model=NO_NATIVE, output_type=City), "Paris?")
    assert result.output == City(**PARIS)
    sent = body(runner)
    assert sent["tool_choice"] == {"type": "any"}
    (definition,) = sent["tools"]
    assert definition["name"] == "final_result"
    assert definition["input_schema"]["properties"]["population"]["minimum"] == 0
    assert "output_config" not in sent
    assert len(runner.fake.requests) == 1  # no request after the output call
    last = result.messages[-1]["content"][0]
    assert last["type"] == "tool_result" and last["content"] == "Final result recorded."


async def test_tool_way_runs_other_tools_first_and_the_history_stays_valid(runner: Runner):
    runner.fake.add(
        reply(tool_use("lookup", {"city": "Paris"})),
        reply(tool_use("final_result", PARIS)),
        reply("You are welcome."),
    )
    agent = runner.agent(model=NO_NATIVE, output_type=City, tools=[lookup])
    result = await runner.run(agent, "Paris?")
    assert result.output.name == "Paris" and result.requests == 2
    assert [t["name"] for t in body(runner, 2)["tools"]] == ["lookup", "final_result"]
    follow_up = [*result.messages, {"role": "user", "content": "Thanks!"}]
    again = await runner.run(runner.agent(model=NO_NATIVE), follow_up)  # the fake checks it
    assert again.text == "You are welcome."


async def test_tool_way_with_thinking_is_not_forced_and_asks_again(runner: Runner):
    runner.fake.add(
        reply(thinking("Easy."), text("Paris has 2.1 million people.")),
        reply(thinking("Right, the tool."), tool_use("final_result", PARIS)),
    )
    agent = runner.agent(model=NO_NATIVE, output_type=City, thinking=2048, system="Be brief.")
    result = await runner.run(agent, "Paris?")
    assert result.output == City(**PARIS)
    first = body(runner)
    assert "tool_choice" not in first  # auto: a forced choice is refused with thinking
    assert first["system"].startswith("Be brief.\n\nWhen you have the final answer, call")
    assert body(runner, 2)["messages"][-1]["content"].startswith("Call the final_result tool")


async def test_tool_way_invalid_input_is_answered_like_a_tool_input_error(runner: Runner):
    runner.fake.add(
        reply(tool_use("final_result", {"name": "Paris", "population": -5})),
        reply(tool_use("final_result", PARIS)),
    )
    result = await runner.run(runner.agent(model=NO_NATIVE, output_type=City), "Paris?")
    assert result.output == City(**PARIS)
    (answer,) = body(runner, 2)["messages"][-1]["content"]
    assert answer["is_error"] is True
    assert answer["content"] == (
        "Invalid input for tool final_result:\n- population: -5 is less than the minimum of 0"
    )


async def test_tool_way_retries_exhausted_answer_every_call(runner: Runner):
    runner.fake.add(reply(tool_use("lookup", {"city": "X"}), tool_use("final_result", {"name": 1})))
    agent = runner.agent(model=NO_NATIVE, output_type=City, tools=[lookup], output_retries=0)
    with pytest.raises(OutputValidationError) as caught:
        await runner.run(agent, "Paris?")
    assert json.loads(caught.value.raw) == {"name": 1}
    answers = caught.value.result.messages[-1]["content"]
    assert [a["type"] for a in answers] == ["tool_result", "tool_result"]


async def test_output_mode_forces_the_tool_way_on_a_native_model(runner: Runner):
    runner.fake.add(reply(tool_use("final_result", PARIS)))
    agent = runner.agent(model=NATIVE, output_type=City, output_mode="tool")
    assert (await runner.run(agent, "Paris?")).output.name == "Paris"
    assert "output_config" not in body(runner)


async def test_output_mode_forces_the_native_way_on_any_model(runner: Runner):
    runner.fake.add(reply(json.dumps(PARIS)))
    agent = runner.agent(model=NO_NATIVE, output_type=City, output_mode="native")
    assert (await runner.run(agent, "Paris?")).output.name == "Paris"
    assert body(runner)["output_config"]["format"]["type"] == "json_schema"


# --- types --------------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


Pet = Annotated[Union[Cat, Dog], Field(discriminator="kind")]

TYPES: list[tuple[Any, Any, Any]] = [
    (Point, {"x": 1, "y": 2}, Point(1, 2)),
    (Movie, {"title": "Alien", "year": 1979}, {"title": "Alien", "year": 1979}),
    (list[int], {"result": [1, 2]}, [1, 2]),
    (int, {"result": 42}, 42),
    (bool, {"result": True}, True),
    (Literal["yes", "no"], {"result": "no"}, "no"),
    (Color, {"result": "blue"}, Color.BLUE),
    (Pet, {"result": {"kind": "dog", "good": True}}, Dog(kind="dog", good=True)),
]


@pytest.mark.parametrize(("output_type", "sent", "expected"), TYPES)
async def test_every_kind_of_type_per_run_both_ways(
    runner: Runner, output_type: Any, sent: Any, expected: Any
):
    runner.fake.add(reply(json.dumps(sent)), reply(tool_use("final_result", sent)))
    native = await runner.run(runner.agent(model=NATIVE), "go", output_type=output_type)
    assert native.output == expected
    schema = body(runner)["output_config"]["format"]["schema"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    tooled = await runner.run(runner.agent(model=NO_NATIVE), "go", output_type=output_type)
    assert tooled.output == expected


async def test_str_is_the_plain_text_unless_a_mode_is_forced(runner: Runner):
    runner.fake.add(reply("just text"), reply(json.dumps({"result": "wrapped"})))
    assert (await runner.run(runner.agent(model=NATIVE, output_type=str), "go")).output == (
        "just text"
    )
    forced = runner.agent(model=NATIVE, output_type=str, output_mode="native")
    assert (await runner.run(forced, "go")).output == "wrapped"


async def test_without_output_type_the_output_is_the_text(runner: Runner):
    runner.fake.add(reply("Hello!"))
    result = await runner.run(runner.agent(), "Hi")
    assert result.output == "Hello!" == result.text
    assert "output_config" not in body(runner)


async def test_the_output_survives_the_state_json(runner: Runner):
    runner.fake.add(reply(json.dumps(PARIS)))
    agent = runner.agent(model=NATIVE, output_type=City)
    result = await runner.run(agent, "Paris?")
    saved = RunState.model_validate_json(result.state.model_dump_json())
    again = await runner.run(agent, saved)  # finished: no request
    assert again.output == City(**PARIS) and len(runner.fake.requests) == 1


# --- mistakes -------------------------------------------------------------------------------


def test_a_bad_output_mode_or_retries_is_refused():
    with pytest.raises(ConfigurationError, match="output_mode must be"):
        output_spec(City, "json", NATIVE)
    with pytest.raises(ConfigurationError, match="output_retries must be"):
        output_spec(City, "auto", NATIVE, retries=-1)


def test_a_type_the_native_subset_cannot_express_is_refused_when_forced_native():
    with pytest.raises(ConfigurationError, match="free-form keys"):
        output_spec(dict[str, int], "native", NATIVE)
    spec = output_spec(dict[str, int], "auto", NATIVE)
    assert spec is not None and spec.mode == "tool"  # auto falls back to the output tool


def test_a_type_that_cannot_become_a_schema_is_refused():
    with pytest.raises(ConfigurationError, match="cannot become a JSON Schema"):
        output_spec(object(), "auto", NATIVE)


async def test_a_tool_named_like_the_output_tool_is_refused(runner: Runner):
    @tool
    def final_result(x: int) -> str:
        """Clash.

        Args:
            x: Anything.
        """
        return ""

    agent = runner.agent(model=NO_NATIVE, output_type=City, tools=[final_result])
    with pytest.raises(ConfigurationError, match="rename the tool"):
        await runner.run(agent, "go")


# --- streaming ------------------------------------------------------------------------------


class Report(BaseModel):
    title: str
    items: list[str]


LONG = {"title": "Inventory", "items": [f"item number {i}" for i in range(120)]}


async def test_native_stream_gives_partial_outputs(runner: Runner):
    runner.fake.add(reply(json.dumps(LONG)))
    agent = runner.agent(model=NATIVE, output_type=Report)
    events, result = await runner.stream(agent, "go")
    partials = [e for e in events if isinstance(e, PartialOutput)]
    assert len(partials) >= 3
    sizes = [len(p.data.get("items", [])) for p in partials]
    assert sizes == sorted(sizes) and sizes[0] < 120
    assert all(isinstance(p.output, Report) for p in partials if "items" in p.data)
    assert partials[-1].data["title"] == "Inventory"
    assert result.output == Report(**LONG)


async def test_tool_way_stream_gives_partial_outputs_of_the_output_tool_only(runner: Runner):
    runner.fake.add(
        reply(tool_use("lookup", {"city": "Paris" * 100})),
        reply(tool_use("final_result", LONG)),
    )
    agent = runner.agent(model=NO_NATIVE, output_type=Report, tools=[lookup])
    events, result = await runner.stream(agent, "go")
    partials = [e for e in events if isinstance(e, PartialOutput)]
    assert partials and all(p.request == 2 for p in partials)
    assert result.output.items[-1] == "item number 119"


def test_partial_parsing_work_is_linear_over_20000_deltas():
    text_ = json.dumps({"rows": [{"k": i, "v": "x" * 20} for i in range(2000)]})
    size = -(-len(text_) // 20_000)
    parser = PartialJSON()
    for start in range(0, len(text_), size):
        parser.feed(text_[start : start + size])
    assert parser.parsed_chars <= 10 * len(text_)  # bounded re-parsing: (ratio + 1) * n
    assert parser.parses < 200  # not once per delta
