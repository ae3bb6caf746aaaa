"""Fast, repeated type checks of a generated project: a live compiler over a scratch tree."""

from workers.typecheck.workspace import CheckResult, ProjectChecker

__all__ = ["CheckResult", "ProjectChecker"]
