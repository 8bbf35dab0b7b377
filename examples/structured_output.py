"""Structured output: a forced tool whose input is a validated pydantic model.

    python examples/structured_output.py

The tool ``record_invoice`` takes one parameter, an ``Invoice`` model, so its
``input_schema`` is the model's JSON Schema. ``tool_choice`` forces the model to
call it (forcing a tool needs thinking off). agentloop validates the call's
input against the schema and builds the ``Invoice``; an invalid call goes back
to the model as an error naming each bad field, and it tries again (the tool
stays forced until a call succeeds, then ``tool_choice`` falls back to auto).
The run is stopped at the first valid call: the model's closing words are
not needed.
Runs offline against a scripted fake model; set ANTHROPIC_API_KEY to ask Claude.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from _offline import MODEL, client
from pydantic import BaseModel, Field

from agentloop import Agent, Client, RunContext, ToolCallFinished, tool
from agentloop.testing import reply, tool_use


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


@tool
def record_invoice(ctx: RunContext[list[Invoice]], invoice: Invoice) -> str:
    """Record the invoice found in the document.

    Args:
        invoice: Every field of the invoice, copied from the document.
    """
    ctx.deps.append(invoice)  # already validated and converted by agentloop
    return "Recorded."


def extract_invoice(document: str, api: Client, max_attempts: int = 3) -> Invoice:
    """The invoice in ``document``, as a validated ``Invoice``."""
    agent: Agent[list[Invoice]] = Agent(
        model=MODEL,
        tools=[record_invoice],
        tool_choice={"type": "tool", "name": "record_invoice"},
        system="You extract data from documents. Copy values exactly; do not guess.",
        max_requests=max_attempts,
        client=api,
    )
    found: list[Invoice] = []
    for event in agent.iter(f"Record this invoice:\n\n{document}", deps=found):
        if isinstance(event, ToolCallFinished):
            status = "rejected" if event.result.is_error else "accepted"
            print(f"[{status}] {event.result.content}")
            if found:
                break  # a valid invoice: stop the run here
    if not found:
        raise ValueError(f"no valid invoice after {max_attempts} attempts")
    return found[0]


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
    # first try: a currency symbol instead of the code, and a quantity of 0
    reply(
        tool_use(
            "record_invoice",
            {"invoice": {**FIELDS, "currency": "£", "items": [{**ITEMS[0], "quantity": 0}]}},
        )
    ),
    reply(tool_use("record_invoice", {"invoice": {**FIELDS, "currency": "GBP", "items": ITEMS}})),
]


def main() -> None:
    invoice = extract_invoice(DOCUMENT, client(SCRIPT))
    print()
    print(invoice.model_dump_json(indent=2))
    print(f"total: {invoice.total:.2f} {invoice.currency}")


if __name__ == "__main__":
    main()
