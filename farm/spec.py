"""The round file as pydantic models: what a round runs, against which endpoints, within which limits.

Unknown keys are errors everywhere (a typo in a budget must not silently mean "no budget").
API keys never appear here: a model names the environment variable that holds its key.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator
from pydantic.fields import FieldInfo

from workers.phases.base import PHASES

ROUND_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# Model ids become store path segments ("openai/gpt-5.4-nano"): letters, digits and ._:@/- only.
MODEL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
VARIANT_NAME = r"^[a-z0-9][a-z0-9_-]{0,31}$"
MAX_REPEATS = 20

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
SIMULATOR_KEY = "sim"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EndpointKind(StrEnum):
    OPENROUTER = "openrouter"
    OPENAI_COMPATIBLE = "openai-compatible"
    SIMULATOR = "simulator"  # the farm's own scripted endpoint; its URL is filled in at run time


class ToolSchemaMode(StrEnum):
    """How the forced tool's JSON schema is sent (issue: some servers reject recursive $refs)."""

    NATIVE = "native"  # $defs and $ref as pydantic emits them
    INLINE = "inline"  # $refs inlined, recursion cut at a bounded depth


class Dialect(StrEnum):
    """The serving stack behind an endpoint: what request shape it takes and what it gets wrong
    (shared/real-servers.md). `auto` asks the server (`/v1/models`, `/props`) and falls back to
    `openai`, the strict OpenAI shape."""

    AUTO = "auto"
    OPENAI = "openai"
    OPENROUTER = "openrouter"
    VLLM = "vllm"
    LLAMA_CPP = "llama.cpp"  # llama.cpp's llama-server and llama-cpp-python's server
    OLLAMA = "ollama"
    LMSTUDIO = "lmstudio"


class FeedbackRole(StrEnum):
    """How feedback on a tool call goes back: as the call's `tool` result, or as a `user` turn
    (some chat templates render `tool` messages as empty turns)."""

    TOOL = "tool"
    USER = "user"


class Endpoint(_Spec):
    kind: EndpointKind
    base_url: str | None = Field(default=None, description="OpenAI-compatible base URL, ending in /v1")
    api_key_env: str | None = Field(default=None, pattern=ENV_VAR, description="env var holding the key")
    timeout_s: float = Field(default=600.0, gt=0, le=3600)
    tool_schema: ToolSchemaMode | None = Field(default=None, description="native | inline; default: the dialect's")
    dialect: Dialect = Dialect.AUTO
    feedback_role: FeedbackRole | None = Field(default=None, description="tool | user; default: the dialect's")
    context_tokens: int | None = Field(
        default=None, ge=512, le=10_000_000, description="the served context size, when the server does not tell"
    )
    rpm: int | None = Field(default=None, gt=0, le=1_000_000, description="requests per minute, shared by all workers")

    @model_validator(mode="after")
    def _needs_url(self) -> Endpoint:
        if self.kind is EndpointKind.OPENAI_COMPATIBLE and not self.base_url:
            raise ValueError("base_url is required for an openai-compatible endpoint")
        if self.base_url and not re.match(r"^https?://", self.base_url):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        return self

    @property
    def key_env(self) -> str | None:
        """The env var to read the key from; OpenRouter's conventional one by default."""
        if self.api_key_env:
            return self.api_key_env
        return "OPENROUTER_API_KEY" if self.kind is EndpointKind.OPENROUTER else None

    def url(self, simulator_url: str | None = None) -> str:
        if self.kind is EndpointKind.OPENROUTER:
            return self.base_url or OPENROUTER_BASE_URL
        if self.kind is EndpointKind.SIMULATOR:
            url = self.base_url or simulator_url
            if not url:
                raise ValueError("a simulator endpoint needs base_url or a running simulator (FARM_SIM_URL)")
            return url
        assert self.base_url
        return self.base_url


class Prices(_Spec):
    """USD per million tokens. OpenRouter's billed `usage.cost` wins over these when present."""

    input: float = Field(ge=0)
    cached: float | None = Field(default=None, ge=0, description="cached input; defaults to input")
    output: float = Field(ge=0)

    @property
    def cached_or_input(self) -> float:
        return self.input if self.cached is None else self.cached


class Sampling(_Spec):
    temperature: float = Field(default=0.0, ge=0, le=2)
    seed: int | None = 0
    max_tokens: int = Field(default=8192, ge=16, le=262144)


class ProviderPins(_Spec):
    """OpenRouter provider routing (sent as `provider`): pin who serves a model, for comparability."""

    order: list[str] = Field(default_factory=list)
    only: list[str] = Field(default_factory=list)
    allow_fallbacks: bool = True
    quantizations: list[str] = Field(default_factory=list)


class ModelSpec(_Spec):
    id: Annotated[str, Field(pattern=MODEL_ID)]
    endpoint: Endpoint
    served_name: str | None = Field(default=None, description="name the endpoint knows; defaults to id")
    prices: Prices
    sampling: Sampling = Sampling()
    concurrency: int = Field(default=4, ge=1, le=256, description="max calls in flight for this model")
    provider: ProviderPins | None = None
    budget_usd: float | None = Field(default=None, gt=0, description="per-model budget; overrides budgets.model_usd")
    repeats: int | None = Field(default=None, ge=1, le=MAX_REPEATS, description="runs per project; overrides the round's")

    @field_validator("id")
    @classmethod
    def _no_traversal(cls, value: str) -> str:
        if ".." in value or "//" in value or value.endswith("/"):
            raise ValueError(f"must not contain '..' or empty path segments, got {value!r}")
        return value

    @property
    def request_name(self) -> str:
        return self.served_name or self.id


class RetryPolicy(_Spec):
    """Separate budgets per failure kind, per operation (pipeline.md, "The harness")."""

    validation: int = Field(default=3, ge=0, le=20)
    compiler: int = Field(default=3, ge=0, le=20)
    missing_call: int = Field(default=2, ge=0, le=20)
    truncation: int = Field(default=2, ge=0, le=20)
    transport: int = Field(default=5, ge=0, le=50)


def _optional_fields(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s fields, each left out by default but bounded as in `model`: the fields of an override
    of it, so the two never disagree on what a value may be."""
    return {name: (field.annotation | None, FieldInfo.merge_field_infos(field, default=None))
            for name, field in model.model_fields.items()}


class RetryOverride(create_model("RetryFields", __base__=_Spec, **_optional_fields(RetryPolicy))):  # type: ignore[misc]
    """A variant's changes to the round's retry budgets: fields left out keep the round's."""

    def over(self, policy: RetryPolicy) -> RetryPolicy:
        return policy.model_copy(update=self.model_dump(exclude_none=True))


class Variant(_Spec):
    """A named set of harness settings every model of the round also runs under (a contestant is a
    model × variant). Settings left out keep the model's and the round's."""

    description: str = ""
    temperature: float | None = Field(default=None, ge=0, le=2)
    retry: RetryOverride = RetryOverride()
    tool_schema: ToolSchemaMode | None = Field(default=None, description="native | inline")
    feedback_role: FeedbackRole | None = Field(default=None, description="tool | user: how feedback goes back")
    procedure: bool = Field(default=False, description="add the procedure-enforcement section to every system prompt")

    def over(self, model: ModelSpec) -> ModelSpec:
        """The model as this variant runs it (its id unchanged: limits and budgets stay the model's)."""
        endpoint = model.endpoint.model_copy(update={
            name: value for name, value in (("tool_schema", self.tool_schema), ("feedback_role", self.feedback_role))
            if value is not None})
        sampling = model.sampling if self.temperature is None else model.sampling.model_copy(
            update={"temperature": self.temperature})
        return model.model_copy(update={"endpoint": endpoint, "sampling": sampling})


class Budgets(_Spec):
    round_usd: float | None = Field(default=None, gt=0)
    model_usd: float | None = Field(default=None, gt=0, description="default budget of every model")


class RoundSpec(_Spec):
    round: Annotated[str, Field(pattern=ROUND_ID)]
    description: str = ""
    models: list[ModelSpec] = Field(min_length=1)
    projects: list[str] = Field(min_length=1, description="catalog names or paths to requirement files")
    phases: list[Literal["analyze", "database", "interface", "test", "realize"]] = Field(
        default_factory=lambda: list(PHASES)
    )
    retry: RetryPolicy = RetryPolicy()
    budgets: Budgets = Budgets()
    operation_concurrency: int = Field(default=4, ge=1, le=64, description="calls of one phase job in flight at once")
    repeats: int = Field(default=1, ge=1, le=MAX_REPEATS, description="runs of each model × project, each its own seed")
    variants: dict[Annotated[str, Field(pattern=VARIANT_NAME)], Variant] = Field(
        default_factory=dict, description="named harness settings; every model runs under each (none: as the models say)")

    @field_validator("models")
    @classmethod
    def _unique_models(cls, models: list[ModelSpec]) -> list[ModelSpec]:
        seen: set[str] = set()
        for model in models:
            if model.id in seen:
                raise ValueError(f"model id {model.id!r} appears twice")
            seen.add(model.id)
        return models

    @field_validator("projects")
    @classmethod
    def _unique_projects(cls, projects: list[str]) -> list[str]:
        if len(set(projects)) != len(projects):
            raise ValueError("a project appears twice")
        return projects

    @field_validator("phases")
    @classmethod
    def _phases_in_order(cls, phases: list[str]) -> list[str]:
        """Phases consume earlier phases' ASTs, so a round runs a prefix of the pipeline, in order."""
        if not phases or phases != list(PHASES[: len(phases)]):
            raise ValueError(f"must be a prefix of {list(PHASES)} in that order, got {phases}")
        return phases

    def model(self, model_id: str) -> ModelSpec:
        for model in self.models:
            if model.id == model_id:
                return model
        raise KeyError(model_id)

    def repeats_of(self, model_id: str) -> int:
        return self.model(model_id).repeats or self.repeats

    def model_budget(self, model_id: str) -> float | None:
        return self.model(model_id).budget_usd or self.budgets.model_usd
