"""The Analyze phase's output as later phases read it: actors for authorization, documents for prompts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.phases.analyze.ast import AnalysisDocument, AnalyzePlan

# Prompts carry the documents verbatim up to this size; beyond it each is cut with a visible note,
# so a huge analysis cannot push the operation past the model's context.
PROMPT_BUDGET = 60_000


@dataclass(frozen=True)
class Analysis:
    plan: AnalyzePlan
    documents: dict[str, AnalysisDocument]

    @classmethod
    def from_prior(cls, prior: dict[str, Any]) -> Analysis:
        return cls(
            plan=AnalyzePlan.model_validate(prior["plan"]),
            documents={name: AnalysisDocument.model_validate(doc) for name, doc in prior.get("documents", {}).items()},
        )

    @property
    def actor_names(self) -> list[str]:
        return [actor.name for actor in self.plan.actors]

    def render(self) -> str:
        """Actors and documents as markdown for a prompt, bounded by PROMPT_BUDGET."""
        parts = ["## Actors", ""]
        parts += [f"- `{actor.name}` ({actor.kind}): {actor.description}" for actor in self.plan.actors]
        share = PROMPT_BUDGET // max(1, len(self.documents))
        for filename, doc in sorted(self.documents.items()):
            body = "\n\n".join(f"### {section.heading}\n\n{section.content}" for section in doc.sections)
            body += "\n\n### Requirements\n\n" + "\n".join(f"- {req}" for req in doc.requirements)
            if len(body) > share:
                body = body[:share] + f"\n\n[… cut: {len(body) - share} more characters of {filename}]"
            parts += ["", f"## {doc.title} (`{filename}`)", "", doc.summary, "", body]
        return "\n".join(parts)
