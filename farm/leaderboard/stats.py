"""The statistics behind the leaderboard: how sure a contestant's score is, whether two contestants
really differ, which ones are tied, and where the score varies (run to run or project to project).

A contestant (model x harness variant) has, per project, the totals of its repeated runs. Projects
are the units a benchmark samples (a new round could have drawn others), repeats are noise around a
project's own level, so every estimate here is two-level: projects first, repeats within them.

Everything is a pure function of its inputs and an explicit seed (`numpy.random.default_rng`), so a
leaderboard rebuilt from the same store (with the same numpy) shows the same intervals and groups.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

Runs = Mapping[str, Sequence[float]]  # project -> totals of its repeats (at least one each)

ALPHA = 0.05
# Up to this many label arrangements the permutation test enumerates them all (an exact p-value,
# no Monte Carlo noise, and cheap: the per-project differences are summed by broadcasting).
EXACT_ARRANGEMENTS = 20_000
# A permuted statistic counts as at least as extreme as the observed one up to float noise: the
# arrangements tying with it (the observed one included) must count, whatever the summation order.
TOLERANCE = 1e-9
# Bootstrap values drawn per vectorised step (see `_percentile_interval`).
BLOCK_DRAWS = 25_000


@dataclass(frozen=True)
class Estimate:
    mean: float
    ci95: tuple[float, float] | None  # None: nothing to resample (one run; one run a side on one project)


@dataclass(frozen=True)
class Difference:
    delta: Estimate  # a - b, over the common projects
    p_value: float
    projects: int  # common projects compared


@dataclass(frozen=True)
class VarianceSplit:
    run_to_run: float
    between_projects: float
    run_to_run_share: float | None  # None when both components are 0


def _groups(runs: Runs) -> list[np.ndarray]:
    """The repeats of each project, in a fixed (sorted) project order so results do not depend on
    the mapping's insertion order."""
    if not runs:
        raise ValueError("no projects: nothing to estimate")
    groups = [np.asarray(runs[project], dtype=float) for project in sorted(runs)]
    if any(group.size == 0 for group in groups):
        raise ValueError("a project without runs: every project needs at least one")
    return groups


def mean_of(runs: Runs) -> float:
    """Mean over projects of each project's mean over its repeats.

    Each project weighs the same whatever its number of repeats: repeats make a project's level more
    precise, they do not make the project matter more.
    """
    return float(np.mean([group.mean() for group in _groups(runs)]))


def _padded(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Projects as rows of one array (zero-padded to the most repeats) and their sizes, so that all
    resamples of all projects are drawn in one vectorised step."""
    sizes = np.array([group.size for group in groups])
    values = np.zeros((len(groups), sizes.max()))
    for row, group in zip(values, groups, strict=True):
        row[: group.size] = group
    return values, sizes


def _resampled_means(
    values: np.ndarray, sizes: np.ndarray, drawn: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Stage 2: for each drawn project (indices `drawn`, shape resamples x slots), the mean of its
    repeats resampled with replacement. The draw axis comes first (draw x resample x slot) so that
    masking the padding and summing work on whole contiguous blocks: this is the hot loop."""
    n = sizes[drawn]
    width = values.shape[1]
    picks = (rng.random((width, *drawn.shape)) * n).astype(np.intp)  # uniform in 0..n-1
    picked = values.ravel().take(drawn * width + picks)
    return np.where(np.arange(width)[:, None, None] < n, picked, 0.0).sum(axis=0) / n


def _drawn_projects(count: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Stage 1: projects resampled with replacement (all zeros, a no-op, for a single project)."""
    return rng.integers(0, count, size=(resamples, count))


def _percentile_interval(statistic: Callable[[int], np.ndarray], resamples: int, draws: int) -> tuple[float, float]:
    """95% percentile interval of `statistic(size)` (that many bootstrap replicates, `draws` values
    drawn for each), computed in blocks of about BLOCK_DRAWS values: the temporaries then stay in
    cache, about 3x faster than one step of 10,000 replicates. Percentile: no normality assumed,
    and the bounds stay within the range of the data."""
    block = max(1, BLOCK_DRAWS // draws)
    statistics = np.concatenate([statistic(min(block, resamples - start)) for start in range(0, resamples, block)])
    low, high = np.quantile(statistics, [0.025, 0.975])
    return float(low), float(high)


def bootstrap_mean(runs: Runs, *, seed: int, resamples: int = 10_000) -> Estimate:
    """`mean_of` with a 95% two-stage (cluster) bootstrap interval.

    Projects are resampled with replacement, then the repeats within each drawn project: the
    interval reflects both which projects happened to be in the round and run-to-run noise.
    Resampling only the runs would treat the projects as the whole population and make the interval
    far too narrow. With one project only its repeats vary; with one run there is no interval.
    """
    groups = _groups(runs)
    mean = mean_of(runs)
    if sum(group.size for group in groups) == 1:
        return Estimate(mean=mean, ci95=None)
    rng = np.random.default_rng(seed)
    values, sizes = _padded(groups)

    def statistic(size: int) -> np.ndarray:
        drawn = _drawn_projects(len(groups), size, rng)
        return _resampled_means(values, sizes, drawn, rng).mean(axis=1)

    return Estimate(mean=mean, ci95=_percentile_interval(statistic, resamples, values.size))


@cache
def _label_sets(pooled: int, first: int) -> np.ndarray:
    """Every choice of which `first` of `pooled` runs carry label a, one per row."""
    return np.array(list(itertools.combinations(range(pooled), first)), dtype=np.intp)


def _arrangement_differences(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """mean_a - mean_b for every arrangement of one project's pooled runs into sizes |a|, |b|.

    From the sum s of the runs labelled a and the pooled total t: s/|a| - (t - s)/|b|."""
    pooled = np.concatenate([a, b])
    sums = pooled[_label_sets(pooled.size, a.size)].sum(axis=1)
    return sums / a.size - (pooled.sum() - sums) / b.size


def _sampled_differences(a: np.ndarray, b: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """mean_a - mean_b for `draws` uniformly random arrangements of one project's runs: drawn from the
    enumerated arrangements when they are few (cheap), else from random permutations."""
    if math.comb(a.size + b.size, a.size) <= EXACT_ARRANGEMENTS:
        arrangements = _arrangement_differences(a, b)
        return arrangements[rng.integers(0, arrangements.size, size=draws)]
    pooled = np.concatenate([a, b])
    shuffled = rng.permuted(np.broadcast_to(pooled, (draws, pooled.size)), axis=1)
    sums = shuffled[:, : a.size].sum(axis=1)
    return sums / a.size - (pooled.sum() - sums) / b.size


def _all_arrangements(pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The statistic's sum over projects for every combination of per-project arrangements."""
    totals = np.zeros(1)
    for a, b in pairs:
        totals = (totals[:, None] + _arrangement_differences(a, b)[None, :]).ravel()
    return totals


def _permutation_p(
    pairs: list[tuple[np.ndarray, np.ndarray]], observed: float, resamples: int, rng: np.random.Generator
) -> float:
    """Two-sided stratified permutation test of 'within each project the two contestants' runs are
    exchangeable'.

    Labels are permuted within projects only (project difficulty is shared, not evidence), keeping
    each side's number of repeats. It needs no distributional assumption and is valid with few
    runs; the price is honesty: 4 projects x 1 repeat have 16 arrangements, so p >= 2/16 and
    nothing is significant without repeats. Exact when the arrangements are few enough to
    enumerate, else Monte Carlo with the observed statistic counted among the draws (p never 0).
    """
    threshold = abs(observed) - TOLERANCE
    arrangements = math.prod(math.comb(a.size + b.size, a.size) for a, b in pairs)
    if arrangements <= EXACT_ARRANGEMENTS:
        return float(np.mean(np.abs(_all_arrangements(pairs) / len(pairs)) >= threshold))
    totals = sum(_sampled_differences(a, b, resamples, rng) for a, b in pairs)
    return (1 + int(np.count_nonzero(np.abs(totals / len(pairs)) >= threshold))) / (1 + resamples)


def _paired_interval(
    pairs: list[tuple[np.ndarray, np.ndarray]], resamples: int, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Two-stage bootstrap of the paired difference: projects are drawn jointly for both sides (the
    pairing is what removes project difficulty), repeats independently within each side (their
    runs are independent)."""
    if len(pairs) == 1 and pairs[0][0].size == pairs[0][1].size == 1:
        return None
    values_a, sizes_a = _padded([a for a, _ in pairs])
    values_b, sizes_b = _padded([b for _, b in pairs])

    def statistic(size: int) -> np.ndarray:
        drawn = _drawn_projects(len(pairs), size, rng)
        side_a = _resampled_means(values_a, sizes_a, drawn, rng)
        return (side_a - _resampled_means(values_b, sizes_b, drawn, rng)).mean(axis=1)

    return _percentile_interval(statistic, resamples, values_a.size + values_b.size)


def paired_difference(a: Runs, b: Runs, *, seed: int, resamples: int = 10_000) -> Difference:
    """a - b on the projects both have, paired by project, with a bootstrap interval and a
    permutation p-value.

    Pairing by project compares like with like: a project hard for both does not count against
    either, and a project only one side ran cannot tilt the comparison. The interval says how big
    the difference is, the p-value whether it is distinguishable from noise (exchangeable runs).
    """
    common = sorted(set(a) & set(b))
    if not common:
        raise ValueError("no project in common: the two contestants cannot be compared")
    pairs = list(zip(_groups({p: a[p] for p in common}), _groups({p: b[p] for p in common}), strict=True))
    observed = float(np.mean([side_a.mean() - side_b.mean() for side_a, side_b in pairs]))
    # Independent streams: the p-value does not change with the number of bootstrap resamples.
    bootstrap_rng, permutation_rng = np.random.default_rng(seed).spawn(2)
    return Difference(
        delta=Estimate(mean=observed, ci95=_paired_interval(pairs, resamples, bootstrap_rng)),
        p_value=_permutation_p(pairs, observed, resamples, permutation_rng),
        projects=len(pairs),
    )


def significant(difference: Difference, alpha: float = ALPHA) -> bool:
    """p strictly below alpha, the usual convention: an exact p of 0.05 is not significant."""
    return difference.p_value < alpha


def tied_groups(ranked: Sequence[str], differs: Callable[[str, str], bool]) -> dict[str, int]:
    """Consecutive tie groups (1, 2, ...) along a ranking, best first.

    Walking down the ranking, a contestant joins the current group if it differs significantly from
    none of its members, else it opens the next group. Every pair inside a group is then 'not
    significantly different', which is what a shared group number claims. The grouping is greedy
    along the ranking: "not different" is not transitive (A ~ B ~ C with A != C), so another
    partition could exist; this one follows the ranking and never reorders it.
    """
    groups: dict[str, int] = {}
    members: list[str] = []
    group = 0
    for contestant in ranked:
        if not members or any(differs(member, contestant) for member in members):
            group, members = group + 1, []
        members.append(contestant)
        groups[contestant] = group
    return groups


@dataclass(frozen=True)
class _Components:
    within_squares: float  # sum of squared deviations from each project's mean
    within_df: int
    between_projects: float


def _components(runs: Runs) -> _Components | None:
    """One-way random-effects (ANOVA) components; None when no project has two repeats."""
    groups = _groups(runs)
    within_df = sum(group.size - 1 for group in groups)
    if within_df == 0:
        return None
    within_squares = float(sum(((group - group.mean()) ** 2).sum() for group in groups))
    run_to_run = within_squares / within_df
    if len(groups) == 1:  # one project shows no project-to-project spread
        return _Components(within_squares, within_df, 0.0)
    means = np.array([group.mean() for group in groups])
    harmonic_repeats = len(groups) / sum(1 / group.size for group in groups)
    between = max(0.0, float(means.var(ddof=1)) - run_to_run / harmonic_repeats)
    return _Components(within_squares, within_df, between)


def _split(run_to_run: float, between_projects: float) -> VarianceSplit:
    total = run_to_run + between_projects
    return VarianceSplit(run_to_run, between_projects, run_to_run / total if total > 0 else None)


def variance_split(runs: Runs) -> VarianceSplit | None:
    """How much of the score varies run to run versus project to project.

    run_to_run is the pooled within-project sample variance (weighted by degrees of freedom, so a
    project with more repeats counts more). The project means' variance also carries run noise,
    run_to_run / repeats; that part is subtracted (harmonic-mean repeats, as projects may differ)
    to leave between_projects, floored at 0 as a variance. A large run-to-run share says more
    repeats pay; a large between-project share says more projects do. None without any project
    with two repeats: run-to-run variance cannot be estimated.
    """
    components = _components(runs)
    if components is None:
        return None
    return _split(components.within_squares / components.within_df, components.between_projects)


def pooled_variance_split(contestants: Sequence[Runs]) -> VarianceSplit | None:
    """The round-level split: within-project sums of squares pooled over contestants (every repeat
    counts once), between-project components averaged over the contestants that have one. None
    when no contestant has a project with two repeats."""
    components = [c for c in map(_components, contestants) if c is not None]
    if not components:
        return None
    run_to_run = sum(c.within_squares for c in components) / sum(c.within_df for c in components)
    return _split(run_to_run, float(np.mean([c.between_projects for c in components])))


def pareto_front(points: Mapping[str, tuple[float, float]]) -> set[str]:
    """The (score, cost) points no other point dominates (score >= and cost <=, one strictly).

    Identical points do not dominate each other, so both stay: neither is a worse deal.
    """

    def dominates(p: tuple[float, float], q: tuple[float, float]) -> bool:
        return p[0] >= q[0] and p[1] <= q[1] and p != q

    return {name for name, q in points.items() if not any(dominates(p, q) for p in points.values())}


def seed_for(*parts: str) -> int:
    """A stable 64-bit seed from strings (round id, contestant, ...).

    sha256, not hash(): Python salts str hashes per process, which would change intervals between
    two builds of the same leaderboard. The parts are JSON-encoded so ("ab", "c") != ("a", "bc").
    """
    digest = hashlib.sha256(json.dumps(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def smallest_p(projects: int, repeats: int) -> float:
    """The smallest p-value the permutation test can give two contestants with `repeats` runs of each
    of `projects` projects: the observed arrangement and its mirror, of C(2·repeats, repeats) per project."""
    return 2 / math.comb(2 * repeats, repeats) ** projects
