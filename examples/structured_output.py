"""Structured output: ``output_type=Invoice`` makes ``result.output`` a validated ``Invoice``.

    python examples/structured_output.py

On a model with native structured outputs (Claude Sonnet 4.6 here) agentloop
sends the schema as ``output_config.format``, so the final text is the JSON,
and it works with thinking on. The API accepts only part of JSON Schema: the
bounds below (``ge=1``, ``min_length=1``) are not sent, agentloop checks them
itself. An invalid output goes back to the model with each bad field named, and
it tries again (``output_retries``, default 1); a model without native support
gets a final output tool instead. Runs offline against a scripted fake model;
set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

from _offline import MODEL, client
from pydantic import BaseModel, Field

from agentloop import Agent, Client
from agentloop.testing import reply, thinking


class LineItem(BaseModel):
    description: str
    quantity: int = Field(ge=1)
    unit_price: float = Field(ge=0, description="Price of one unit, in the invoice's currency.")


class Invoice(BaseModel):
    """An invoice, as printed on the document."""

    vendor: str
    number: str = Field(description="The invoice number, exactly as printed.")
    issued: dt.date
    currency: Literal["EUR", "USD", "GBP"]
    items: list[LineItem] = Field(min_length=1)

    @property
    def total(self) -> float:
        return sum(item.quantity * item.unit_price for item in self.items)


def extract_invoice(document: str, api: Client) -> Invoice:
    """The invoice in ``document``, as a validated ``Invoice``."""
    agent = Agent(
        model=MODEL,
        output_type=Invoice,
        thinking="adaptive",
        system="You extract data from documents. Copy values exactly; do not guess.",
        client=api,
    )
    result = agent.run(f"Extract this invoice:\n\n{document}")
    for message in result.messages:  # what went back to the model, if anything
        if message["role"] == "user" and str(message["content"]).startswith("Invalid output"):
            print(message["content"])
    print(f"requests: {result.requests}")
    return result.output  # an Invoice: mypy knows it


DOCUMENT = """\
ACME Paper Supplies Ltd.            Invoice no. INV-2024-0042
Date: 3 March 2024
  2 x A4 paper, 500 sheets          4.50 GBP each
  1 x Stapler                      12.00 GBP
"""

ITEMS = [
    {"description": "A4 paper, 500 sheets", "quantity": 2, "unit_price": 4.5},
    {"description": "Stapler", "quantity": 1, "unit_price": 12.0},
]
FIELDS = {"vendor": "ACME Paper Supplies Ltd.", "number": "INV-2024-0042", "issued": "2024-03-03"}
SCRIPT = [
    # first try: a quantity of 0, which the schema sent to the API cannot forbid
    reply(
        thinking("Two lines; copy them."),
        json.dumps({**FIELDS, "currency": "GBP", "items": [{**ITEMS[0], "quantity": 0}]}),
    ),
    reply(thinking("Fix the quantity."), json.dumps({**FIELDS, "currency": "GBP", "items": ITEMS})),
]


def main() -> None:
    invoice = extract_invoice(DOCUMENT, client(SCRIPT))
    print()
    print(invoice.model_dump_json(indent=2))
    print(f"total: {invoice.total:.2f} {invoice.currency}")


if __name__ == "__main__":
    main()
