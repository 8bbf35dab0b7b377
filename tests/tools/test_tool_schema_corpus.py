"""Snapshots of the input schemas generated for a broad corpus of signatures."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from inline_snapshot import snapshot
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import NotRequired, TypedDict

from agentloop._context import RunContext
from agentloop._tools import tool


class Unit(enum.Enum):
    """A temperature unit."""

    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Address(BaseModel):
    """A postal address."""

    street: str
    city: str
    zip_code: str | None = None


class Person(BaseModel):
    name: str = Field(description="Full name.")
    age: int = Field(ge=0, le=150)
    addresses: list[Address] = []


class TreeNode(BaseModel):
    label: str
    children: list[TreeNode] = []


@dataclass
class Point:
    x: float
    y: float
    tags: list[str] = field(default_factory=list)


class Movie(TypedDict):
    title: str
    year: int
    rating: NotRequired[float]


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool


def schema(func: Any) -> dict[str, Any]:
    return tool(func).definition["input_schema"]  # type: ignore[no-any-return]


def no_params() -> str:
    return ""


def scalars(text: str, count: int, ratio: float, flag: bool, nothing: None) -> None: ...


def defaults(
    text: str = "hi",
    count: int = 3,
    ratio: float = 0.5,
    flag: bool = False,
    maybe: int | None = None,
) -> None: ...


def optionals_and_unions(
    a: Optional[str],  # noqa: UP045 (the typing form is the point)
    b: int | str,
    c: Union[int, float, None] = None,
    d: Any = None,
) -> None: ...


def literals(
    mode: Literal["fast", "slow"], level: Literal[1, 2, 3] = 1, only: Literal["x"] = "x"
) -> None: ...


def enums(unit: Unit, priority: Priority = Priority.LOW) -> None: ...


def collections(
    names: list[str],
    pair: tuple[int, str],
    many: tuple[float, ...],
    unique: set[str],
    frozen: frozenset[int],
    scores: dict[str, float],
    anything: list[Any],
    raw: dict[str, Any],
) -> None: ...


def nested_model(person: Person, address: Address | None = None) -> None: ...


def recursive_model(tree: TreeNode) -> None: ...


def dataclass_and_typeddict(point: Point, movie: Movie) -> None: ...


def tagged_union(pet: Annotated[Union[Cat, Dog], Field(discriminator="kind")]) -> None: ...


def constraints(
    count: Annotated[int, Field(ge=1, le=10)],
    ratio: Annotated[float, Field(gt=0, lt=1)],
    code: Annotated[str, Field(min_length=2, max_length=5, pattern=r"^[A-Z]+$")],
    items: Annotated[list[int], Field(min_length=1, max_length=3)],
    multiple: Annotated[int, Field(multiple_of=5)] = 10,
) -> None: ...


def formats(
    when: dt.datetime, day: dt.date, at: dt.time, span: dt.timedelta, ident: uuid.UUID, path: Path
) -> None: ...


def money(amount: Decimal) -> None: ...


def described(
    city: Annotated[str, Field(description="The city name.")],
    days: Annotated[int, Field(description="How many days ahead.", ge=0)] = 0,
) -> None:
    """Forecast the weather.

    Args:
        city: Ignored, Annotated wins.
        days: Ignored too.
    """


def with_context(
    ctx: RunContext[dict[str, str]], query: str, other: RunContext | None = None
) -> None:
    """Search.

    Args:
        ctx: The run context.
        query: What to look for.
    """


def mutable_default(tags: list[str] = ["a", "b"], options: dict[str, int] = {"n": 1}) -> None:  # noqa: B006
    ...


DEFAULT_ADDRESS = Address(street="1 Main St", city="X")


def model_default(address: Address = DEFAULT_ADDRESS) -> None: ...


def param_named_like_keywords(
    title: str, type: str, properties: list[str], model_config: int
) -> None: ...


# --- issue 16: descriptions kept, nested models closed, signatures peers accept ---


class Extent(TypedDict):
    width: int
    """Width, in pixels."""
    height: int


@dataclass
class Anchor:
    x: float
    """Distance from the left edge."""
    y: float = 0.0


class Strict(BaseModel):
    name: str


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


def google_without_summary(foo: int, bar: str) -> str:
    """
    Args:
        foo: The foo thing.
        bar: The bar thing.

    Returns:
        The two, joined.
    """
    return f"{foo}{bar}"


def attribute_docstrings(extent: Extent, anchor: Anchor) -> None: ...


def open_and_closed_models(strict: Strict, loose: Loose, many: list[Strict]) -> None: ...


def var_keyword(query: str, **filters: int) -> None: ...


def var_positional(first: str, *rest: Point) -> None: ...


def positional_only(a: int, b: str = "x", /, c: bool = False) -> None: ...


CORPUS = [
    no_params,
    scalars,
    defaults,
    optionals_and_unions,
    literals,
    enums,
    collections,
    nested_model,
    recursive_model,
    dataclass_and_typeddict,
    tagged_union,
    constraints,
    formats,
    money,
    described,
    with_context,
    mutable_default,
    model_default,
    param_named_like_keywords,
    google_without_summary,
    attribute_docstrings,
    open_and_closed_models,
    var_keyword,
    var_positional,
    positional_only,
]


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.parametrize("func", CORPUS, ids=lambda f: f.__name__)
def test_corpus_schema_is_valid_draft_2020_12(func: Any) -> None:
    Draft202012Validator.check_schema(schema(func))


@pytest.mark.parametrize("func", CORPUS, ids=lambda f: f.__name__)
def test_corpus_schema_has_no_generated_titles(func: Any) -> None:
    for node in _walk(schema(func)):
        assert not isinstance(node.get("title"), str)


@pytest.mark.parametrize(
    "func", [f for f in CORPUS if f is not recursive_model], ids=lambda f: f.__name__
)
def test_non_recursive_refs_are_inlined(func: Any) -> None:
    result = schema(func)
    assert "$defs" not in result
    assert all("$ref" not in node for node in _walk(result))


@pytest.mark.parametrize("func", CORPUS, ids=lambda f: f.__name__)
def test_required_is_exactly_the_parameters_without_defaults(func: Any) -> None:
    import inspect

    params = inspect.signature(func).parameters.values()
    starred = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    expected = [
        p.name
        for p in params
        if p.default is inspect.Parameter.empty
        and "RunContext" not in str(p.annotation)
        and p.kind not in starred
    ]
    assert schema(func).get("required", []) == expected


def test_no_params() -> None:
    assert schema(no_params) == snapshot(
        {"type": "object", "properties": {}, "additionalProperties": False}
    )


def test_scalars() -> None:
    assert schema(scalars) == snapshot(
        {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "count": {"type": "integer"},
                "ratio": {"type": "number"},
                "flag": {"type": "boolean"},
                "nothing": {"type": "null"},
            },
            "required": ["text", "count", "ratio", "flag", "nothing"],
            "additionalProperties": False,
        }
    )


def test_defaults_are_shown() -> None:
    assert schema(defaults) == snapshot(
        {
            "type": "object",
            "properties": {
                "text": {"type": "string", "default": "hi"},
                "count": {"type": "integer", "default": 3},
                "ratio": {"type": "number", "default": 0.5},
                "flag": {"type": "boolean", "default": False},
                "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
            },
            "additionalProperties": False,
        }
    )


def test_optionals_and_unions() -> None:
    assert schema(optionals_and_unions) == snapshot(
        {
            "type": "object",
            "properties": {
                "a": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "b": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "c": {
                    "anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "null"}],
                    "default": None,
                },
                "d": {"default": None},
            },
            "required": ["a", "b"],
            "additionalProperties": False,
        }
    )


def test_literals_become_enums() -> None:
    assert schema(literals) == snapshot(
        {
            "type": "object",
            "properties": {
                "mode": {"type": "string", "enum": ["fast", "slow"]},
                "level": {"type": "integer", "default": 1, "enum": [1, 2, 3]},
                "only": {"type": "string", "const": "x", "default": "x"},
            },
            "required": ["mode"],
            "additionalProperties": False,
        }
    )


def test_enums_are_inlined_with_their_docstring() -> None:
    assert schema(enums) == snapshot(
        {
            "type": "object",
            "properties": {
                "unit": {
                    "type": "string",
                    "description": "A temperature unit.",
                    "enum": ["celsius", "fahrenheit"],
                },
                "priority": {"type": "integer", "enum": [1, 2], "default": 1},
            },
            "required": ["unit"],
            "additionalProperties": False,
        }
    )


def test_collections() -> None:
    assert schema(collections) == snapshot(
        {
            "type": "object",
            "properties": {
                "names": {"type": "array", "items": {"type": "string"}},
                "pair": {
                    "type": "array",
                    "maxItems": 2,
                    "minItems": 2,
                    "prefixItems": [{"type": "integer"}, {"type": "string"}],
                },
                "many": {"type": "array", "items": {"type": "number"}},
                "unique": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "frozen": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
                "scores": {"type": "object", "additionalProperties": {"type": "number"}},
                "anything": {"type": "array", "items": {}},
                "raw": {"type": "object", "additionalProperties": True},
            },
            "required": ["names", "pair", "many", "unique", "frozen", "scores", "anything", "raw"],
            "additionalProperties": False,
        }
    )


def test_nested_models_are_inlined() -> None:
    assert schema(nested_model) == snapshot(
        {
            "type": "object",
            "properties": {
                "person": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "description": "Full name."},
                        "age": {"type": "integer", "maximum": 150, "minimum": 0},
                        "addresses": {
                            "type": "array",
                            "default": [],
                            "items": {
                                "type": "object",
                                "description": "A postal address.",
                                "properties": {
                                    "street": {"type": "string"},
                                    "city": {"type": "string"},
                                    "zip_code": {
                                        "anyOf": [{"type": "string"}, {"type": "null"}],
                                        "default": None,
                                    },
                                },
                                "required": ["street", "city"],
                                "additionalProperties": False,
                            },
                        },
                    },
                    "required": ["name", "age"],
                    "additionalProperties": False,
                },
                "address": {
                    "anyOf": [
                        {
                            "type": "object",
                            "description": "A postal address.",
                            "properties": {
                                "street": {"type": "string"},
                                "city": {"type": "string"},
                                "zip_code": {
                                    "anyOf": [{"type": "string"}, {"type": "null"}],
                                    "default": None,
                                },
                            },
                            "required": ["street", "city"],
                            "additionalProperties": False,
                        },
                        {"type": "null"},
                    ],
                    "default": None,
                },
            },
            "required": ["person"],
            "additionalProperties": False,
        }
    )


def test_recursive_models_keep_defs() -> None:
    assert schema(recursive_model) == snapshot(
        {
            "type": "object",
            "properties": {"tree": {"$ref": "#/$defs/TreeNode"}},
            "required": ["tree"],
            "additionalProperties": False,
            "$defs": {
                "TreeNode": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string"},
                        "children": {
                            "type": "array",
                            "default": [],
                            "items": {"$ref": "#/$defs/TreeNode"},
                        },
                    },
                    "required": ["label"],
                    "additionalProperties": False,
                }
            },
        }
    )


def test_dataclass_and_typeddict() -> None:
    assert schema(dataclass_and_typeddict) == snapshot(
        {
            "type": "object",
            "properties": {
                "point": {
                    "type": "object",
                    "properties": {
                        "x": {"type": "number"},
                        "y": {"type": "number"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["x", "y"],
                    "additionalProperties": False,
                },
                "movie": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "year": {"type": "integer"},
                        "rating": {"type": "number"},
                    },
                    "required": ["title", "year"],
                    "additionalProperties": False,
                },
            },
            "required": ["point", "movie"],
            "additionalProperties": False,
        }
    )


def test_tagged_union_has_no_openapi_discriminator() -> None:
    assert schema(tagged_union) == snapshot(
        {
            "type": "object",
            "properties": {
                "pet": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "kind": {"type": "string", "const": "cat", "default": "cat"},
                                "lives": {"type": "integer"},
                            },
                            "required": ["lives"],
                            "additionalProperties": False,
                        },
                        {
                            "type": "object",
                            "properties": {
                                "kind": {"type": "string", "const": "dog", "default": "dog"},
                                "good": {"type": "boolean"},
                            },
                            "required": ["good"],
                            "additionalProperties": False,
                        },
                    ]
                }
            },
            "required": ["pet"],
            "additionalProperties": False,
        }
    )


def test_annotated_constraints() -> None:
    assert schema(constraints) == snapshot(
        {
            "type": "object",
            "properties": {
                "count": {"type": "integer", "maximum": 10, "minimum": 1},
                "ratio": {"type": "number", "exclusiveMaximum": 1, "exclusiveMinimum": 0},
                "code": {"type": "string", "maxLength": 5, "minLength": 2, "pattern": "^[A-Z]+$"},
                "items": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "maxItems": 3,
                    "minItems": 1,
                },
                "multiple": {"type": "integer", "default": 10, "multipleOf": 5},
            },
            "required": ["count", "ratio", "code", "items"],
            "additionalProperties": False,
        }
    )


def test_formats() -> None:
    assert schema(formats) == snapshot(
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "at": {"type": "string", "format": "time"},
                "span": {"type": "string", "format": "duration"},
                "ident": {"type": "string", "format": "uuid"},
                "path": {"type": "string", "format": "path"},
            },
            "required": ["when", "day", "at", "span", "ident", "path"],
            "additionalProperties": False,
        }
    )


def test_decimal() -> None:
    assert schema(money) == snapshot(
        {
            "type": "object",
            "properties": {"amount": {"anyOf": [{"type": "number"}, {"type": "string"}]}},
            "required": ["amount"],
            "additionalProperties": False,
        }
    )


def test_annotated_description_wins_over_docstring() -> None:
    assert schema(described) == snapshot(
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city name."},
                "days": {
                    "type": "integer",
                    "description": "How many days ahead.",
                    "default": 0,
                    "minimum": 0,
                },
            },
            "required": ["city"],
            "additionalProperties": False,
        }
    )


def test_run_context_is_left_out() -> None:
    assert schema(with_context) == snapshot(
        {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "What to look for."}},
            "required": ["query"],
            "additionalProperties": False,
        }
    )


def test_mutable_defaults_are_shown() -> None:
    assert schema(mutable_default) == snapshot(
        {
            "type": "object",
            "properties": {
                "tags": {"type": "array", "default": ["a", "b"], "items": {"type": "string"}},
                "options": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                    "default": {"n": 1},
                },
            },
            "additionalProperties": False,
        }
    )


def test_model_default_is_shown_as_json() -> None:
    assert schema(model_default) == snapshot(
        {
            "type": "object",
            "properties": {
                "address": {
                    "type": "object",
                    "description": "A postal address.",
                    "properties": {
                        "street": {"type": "string"},
                        "city": {"type": "string"},
                        "zip_code": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "default": None,
                        },
                    },
                    "required": ["street", "city"],
                    "additionalProperties": False,
                    "default": {"street": "1 Main St", "city": "X", "zip_code": None},
                }
            },
            "additionalProperties": False,
        }
    )


def test_parameters_named_like_schema_keywords_or_pydantic_attributes() -> None:
    assert schema(param_named_like_keywords) == snapshot(
        {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "type": {"type": "string"},
                "properties": {"type": "array", "items": {"type": "string"}},
                "model_config": {"type": "integer"},
            },
            "required": ["title", "type", "properties", "model_config"],
            "additionalProperties": False,
        }
    )


def test_google_docstring_without_summary() -> None:
    assert tool(google_without_summary).definition == snapshot(
        {
            "name": "google_without_summary",
            "description": "Returns: The two, joined.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "foo": {"type": "integer", "description": "The foo thing."},
                    "bar": {"type": "string", "description": "The bar thing."},
                },
                "required": ["foo", "bar"],
                "additionalProperties": False,
            },
        }
    )


def test_attribute_docstrings() -> None:
    assert schema(attribute_docstrings) == snapshot(
        {
            "type": "object",
            "properties": {
                "extent": {
                    "type": "object",
                    "properties": {
                        "width": {"type": "integer", "description": "Width, in pixels."},
                        "height": {"type": "integer"},
                    },
                    "required": ["width", "height"],
                    "additionalProperties": False,
                },
                "anchor": {
                    "type": "object",
                    "properties": {
                        "x": {"type": "number", "description": "Distance from the left edge."},
                        "y": {"type": "number", "default": 0.0},
                    },
                    "required": ["x"],
                    "additionalProperties": False,
                },
            },
            "required": ["extent", "anchor"],
            "additionalProperties": False,
        }
    )


def test_open_and_closed_models() -> None:
    assert schema(open_and_closed_models) == snapshot(
        {
            "type": "object",
            "properties": {
                "strict": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                    "additionalProperties": False,
                },
                "loose": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                    "additionalProperties": True,
                },
                "many": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["strict", "loose", "many"],
            "additionalProperties": False,
        }
    )


def test_var_keyword() -> None:
    assert schema(var_keyword) == snapshot(
        {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "required": ["query"],
            "additionalProperties": {"type": "integer"},
        }
    )


def test_var_positional() -> None:
    assert schema(var_positional) == snapshot(
        {
            "type": "object",
            "properties": {
                "first": {"type": "string"},
                "rest": {
                    "type": "array",
                    "default": [],
                    "items": {
                        "type": "object",
                        "properties": {
                            "x": {"type": "number"},
                            "y": {"type": "number"},
                            "tags": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["x", "y"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["first"],
            "additionalProperties": False,
        }
    )


def test_positional_only() -> None:
    assert schema(positional_only) == snapshot(
        {
            "type": "object",
            "properties": {
                "a": {"type": "integer"},
                "b": {"type": "string", "default": "x"},
                "c": {"type": "boolean", "default": False},
            },
            "required": ["a"],
            "additionalProperties": False,
        }
    )
