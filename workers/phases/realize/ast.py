"""The Realize phase's AST: the body of one function whose signature our compiler generated.

This is the one place the model writes code text; the real TypeScript compiler checks it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_BODY = 30_000


class FunctionBody(BaseModel):
    """Arguments of `realize_function`: the statements of one generated function."""

    model_config = ConfigDict(extra="forbid")

    plan: str = Field(min_length=1, max_length=4000,
                      description="briefly: the steps the body takes, the queries it runs and the errors it throws")
    body: str = Field(min_length=1, max_length=MAX_BODY,
                      description="TypeScript statements between the function's braces, indented two spaces; "
                      "no imports: the names listed as available are imported for you when the body uses them")
