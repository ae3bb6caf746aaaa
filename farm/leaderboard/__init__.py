"""A round's leaderboard, built purely from the store, and rendered as a table, Markdown, JSON or HTML."""

from farm.leaderboard.build import build_leaderboard
from farm.leaderboard.compare import Comparison, compare
from farm.leaderboard.model import Leaderboard
from farm.leaderboard.reading import LeaderboardError

__all__ = ["Comparison", "Leaderboard", "LeaderboardError", "build_leaderboard", "compare"]
