"""The 100-point rubric as a deterministic static scorer (see shared rubric.md).

`scoring` imports neither `farm` nor `workers`: it is a pure function of a directory tree plus the
pinned TypeScript / Prisma toolchain (`scoring.toolchain`).
"""

from scoring.axes.golden import GoldenScenario, GoldenSetResult
from scoring.report import ScoreReport
from scoring.scorer import score_tree
from scoring.version import SCORER_VERSION

__all__ = ["SCORER_VERSION", "GoldenScenario", "GoldenSetResult", "ScoreReport", "score_tree"]
