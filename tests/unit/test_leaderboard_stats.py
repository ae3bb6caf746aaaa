"""The leaderboard's statistics against known answers: hand-computed values, exact enumerations made
here independently of the module, and simulations from a known model (coverage, null rejection)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest

from farm.leaderboard.stats import (
    ALPHA,
    Difference,
    Estimate,
    Runs,
    VarianceSplit,
    bootstrap_mean,
    mean_of,
    paired_difference,
    pareto_front,
    pooled_variance_split,
    seed_for,
    significant,
    tied_groups,
    variance_split,
)


def simulated(rng: np.random.Generator, projects: int, repeats: int, effects: np.ndarray | None = None) -> Runs:
    """Runs from the model score = 60 + project effect ~ N(0, 5) + run noise ~ N(0, 3)."""
    effects = rng.normal(0, 5, projects) if effects is None else effects
    return {f"p{i}": list(60 + effects[i] + rng.normal(0, 3, repeats)) for i in range(projects)}


def arrangement_differences(a: list[float], b: list[float]) -> np.ndarray:
    """mean_a - mean_b over every labelling of one project's pooled runs, by brute force."""
    pooled = np.array(a + b)
    labelled_a = np.zeros((math.comb(pooled.size, len(a)), pooled.size), dtype=bool)
    for row, chosen in zip(labelled_a, itertools.combinations(range(pooled.size), len(a)), strict=True):
        row[list(chosen)] = True
    return np.where(labelled_a, pooled, 0).sum(axis=1) / len(a) - np.where(labelled_a, 0, pooled).sum(axis=1) / len(b)


def interval(estimate: Estimate) -> tuple[float, float]:
    assert estimate.ci95 is not None
    return estimate.ci95


# mean_of


def test_mean_of_weighs_every_project_the_same_whatever_its_repeats() -> None:
    assert mean_of({"one": [10.0], "three": [20.0, 30.0, 40.0]}) == 20.0  # not 25, the mean of the 4 runs


def test_mean_of_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="no projects"):
        mean_of({})
    with pytest.raises(ValueError, match="without runs"):
        mean_of({"p": []})


# bootstrap_mean


def test_a_single_run_has_no_interval() -> None:
    assert bootstrap_mean({"p": [42.0]}, seed=1) == Estimate(mean=42.0, ci95=None)


def test_a_single_project_resamples_its_repeats_only() -> None:
    # Resampled means of [10, 20]: 10, 15, 20 with probabilities 1/4, 1/2, 1/4.
    assert bootstrap_mean({"p": [10.0, 20.0]}, seed=1) == Estimate(mean=15.0, ci95=(10.0, 20.0))


def test_single_runs_on_several_projects_resample_the_projects() -> None:
    assert bootstrap_mean({"a": [0.0], "b": [10.0]}, seed=1) == Estimate(mean=5.0, ci95=(0.0, 10.0))


def test_projects_of_unequal_repeats_resample_their_own_runs_only() -> None:
    # Every replicate is 100, 55 or 10: padding a's single run with b's width must not leak zeros.
    assert bootstrap_mean({"a": [100.0], "b": [10.0, 10.0, 10.0]}, seed=1).ci95 == (10.0, 100.0)
    # A drawn slot is 0 or 100 (1/8 each: a, then a's two runs resampled) or 50 (3/4); the mean of
    # two slots is 0 with probability 1/64, 25 with 3/16: the 2.5% quantile is 25, the 97.5% one 75.
    # Averaging as many draws as b has runs (3, not a's 2) would give other values.
    assert bootstrap_mean({"a": [0.0, 100.0], "b": [50.0, 50.0, 50.0]}, seed=1).ci95 == (25.0, 75.0)


def test_within_a_project_the_interval_matches_the_mean_s_standard_error() -> None:
    runs = list(np.random.default_rng(3).normal(50, 10, 400))
    low, high = interval(bootstrap_mean({"p": runs}, seed=1))
    half_width = 1.96 * np.std(runs) / np.sqrt(len(runs))
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.05)


def test_the_bootstrap_is_deterministic_given_its_seed() -> None:
    runs = simulated(np.random.default_rng(0), projects=4, repeats=3)
    first = bootstrap_mean(runs, seed=7)
    assert bootstrap_mean(runs, seed=7) == first
    assert bootstrap_mean(dict(reversed(list(runs.items()))), seed=7) == first  # project order is irrelevant
    other = bootstrap_mean(runs, seed=8)
    assert first.ci95 is not None and other.ci95 is not None
    assert other.ci95 != first.ci95
    assert other.ci95 == pytest.approx(first.ci95, abs=0.3)


def test_the_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    # 1000 datasets of 6 projects x 3 repeats from the known model (true mean 60). Measured coverage:
    # 0.875 here, 0.8805 over 4000 datasets; a percentile cluster bootstrap with 6 clusters
    # undercovers a little (the resampled between-project variance is (k-1)/k of the sample's).
    # On the same datasets, resampling the 18 runs as if independent covers 0.715, resampling the
    # repeats only 0.372: both fail here.
    rng = np.random.default_rng(2024)
    datasets = 1000
    covered = 0
    for i in range(datasets):
        low, high = interval(bootstrap_mean(simulated(rng, projects=6, repeats=3), seed=i, resamples=2_000))
        covered += low <= 60 <= high
    assert 0.85 <= covered / datasets <= 0.97


# paired_difference


def test_only_common_projects_are_compared() -> None:
    a = {"x": [90.0], "shared": [70.0, 80.0]}
    b = {"shared": [60.0], "z": [0.0]}
    difference = paired_difference(a, b, seed=1)
    assert difference.projects == 1
    assert difference.delta.mean == 15.0


def test_no_common_project_is_an_error() -> None:
    with pytest.raises(ValueError, match="no project in common"):
        paired_difference({"x": [1.0]}, {"y": [1.0]}, seed=1)


def test_without_repeats_nothing_is_significant() -> None:
    # 4 projects x 1 run: 2^4 = 16 arrangements; only the observed one and its mirror reach |4|.
    a = {f"p{i}": [44.0 + 10 * i] for i in range(4)}
    b = {f"p{i}": [40.0 + 10 * i] for i in range(4)}
    difference = paired_difference(a, b, seed=1)
    assert difference.p_value == 0.125
    assert not significant(difference)
    # Projects drawn jointly for both sides: every replicate is 4, whatever the projects' levels.
    assert difference.delta == Estimate(mean=4.0, ci95=(4.0, 4.0))


def test_exact_p_value_with_unequal_repeats() -> None:
    # Pooled [1, 2, 3], two labelled a: differences -1.5, 0, 1.5; two of three reach |-1.5|.
    difference = paired_difference({"p": [1.0, 2.0]}, {"p": [3.0]}, seed=1)
    assert difference.p_value == pytest.approx(2 / 3)
    assert difference.delta.mean == -1.5


def test_one_run_each_has_no_interval_and_no_evidence() -> None:
    difference = paired_difference({"p": [1.0]}, {"p": [3.0]}, seed=1)
    assert difference == Difference(delta=Estimate(mean=-2.0, ci95=None), p_value=1.0, projects=1)


def test_identical_runs_give_p_one() -> None:
    runs = simulated(np.random.default_rng(5), projects=4, repeats=2)
    difference = paired_difference(runs, runs, seed=1)
    assert difference.delta.mean == 0.0
    assert difference.p_value == 1.0


def test_exact_p_value_matches_a_brute_force_enumeration() -> None:
    rng = np.random.default_rng(11)
    effects = rng.normal(0, 5, 3)
    a, b = simulated(rng, 3, 2, effects), simulated(rng, 3, 3, effects)  # 6 x 10 x 10 = 600 arrangements
    per_project = [arrangement_differences(list(a[p]), list(b[p])) for p in sorted(a)]
    statistics = np.array([abs(np.mean(combination)) for combination in itertools.product(*per_project)])
    observed = abs(np.mean([np.mean(a[p]) - np.mean(b[p]) for p in a]))
    expected = np.mean(statistics >= observed - 1e-9)
    assert paired_difference(a, b, seed=1).p_value == pytest.approx(expected, abs=1e-12)


def test_swapping_the_sides_negates_delta_and_keeps_p() -> None:
    rng = np.random.default_rng(12)
    effects = rng.normal(0, 5, 4)
    a, b = simulated(rng, 4, 2, effects), simulated(rng, 4, 2, effects)
    forward, backward = paired_difference(a, b, seed=1), paired_difference(b, a, seed=1)
    assert backward.delta.mean == pytest.approx(-forward.delta.mean)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_a_clear_difference_with_repeats_is_significant() -> None:
    rng = np.random.default_rng(13)
    effects = rng.normal(0, 5, 4)
    a = {p: [run + 15 for run in runs] for p, runs in simulated(rng, 4, 3, effects).items()}
    b = simulated(rng, 4, 3, effects)
    difference = paired_difference(a, b, seed=1)
    assert difference.p_value < 0.01
    assert significant(difference)
    low, high = interval(difference.delta)
    assert 0 < low < difference.delta.mean < high


def test_the_paired_difference_is_deterministic_given_its_seed() -> None:
    rng = np.random.default_rng(14)
    effects = rng.normal(0, 5, 4)
    a, b = simulated(rng, 4, 3, effects), simulated(rng, 4, 3, effects)
    first = paired_difference(a, b, seed=3)
    assert paired_difference(a, b, seed=3) == first
    assert paired_difference(dict(reversed(list(a.items()))), b, seed=3) == first
    other = paired_difference(a, b, seed=4)
    assert other.delta.ci95 != first.delta.ci95
    assert other.p_value == pytest.approx(first.p_value, abs=0.02)


def test_monte_carlo_p_value_across_projects_agrees_with_the_exact_one() -> None:
    # 8 projects x 3 repeats each side: C(6, 3)^8 = 2.6e10 arrangements, so Monte Carlo. The exact
    # p-value is computed here meet-in-the-middle: the 20^4 sums of the first four projects against
    # the sorted 20^4 sums of the last four.
    rng = np.random.default_rng(15)
    effects = rng.normal(0, 5, 8)
    a = {p: [run + 1.5 for run in runs] for p, runs in simulated(rng, 8, 3, effects).items()}
    b = simulated(rng, 8, 3, effects)
    per_project = [arrangement_differences(list(a[p]), list(b[p])) for p in sorted(a)]

    def sums(projects: list[np.ndarray]) -> np.ndarray:
        return np.array([sum(combination) for combination in itertools.product(*projects)])

    first, second = sums(per_project[:4]), np.sort(sums(per_project[4:]))
    threshold = abs(sum(np.mean(a[p]) - np.mean(b[p]) for p in a)) - 1e-9 * 8
    at_least = (second.size - np.searchsorted(second, threshold - first)) + np.searchsorted(
        second, -threshold - first, side="right"
    )
    exact = at_least.sum() / (first.size * second.size)
    assert 0.02 < exact < 0.5  # a p-value worth estimating
    assert paired_difference(a, b, seed=1).p_value == pytest.approx(exact, abs=0.015)  # SE <= 0.005


def test_monte_carlo_p_value_within_a_large_project_agrees_with_the_exact_one() -> None:
    # 9 + 9 runs: C(18, 9) = 48,620 arrangements of the one project, so random permutations.
    rng = np.random.default_rng(16)
    a, b = list(rng.normal(61, 3, 9)), list(rng.normal(60, 3, 9))
    differences = np.abs(arrangement_differences(a, b))
    exact = np.mean(differences >= abs(np.mean(a) - np.mean(b)) - 1e-9)
    assert 0.02 < exact < 0.5
    assert paired_difference({"p": a}, {"p": b}, seed=1).p_value == pytest.approx(exact, abs=0.015)


def test_monte_carlo_p_value_counts_the_observed_arrangement() -> None:
    # Exact p = 2 / 20^8: no random arrangement reaches the observed one, p is 1 / (resamples + 1).
    a = {f"p{i}": [90.0, 91.0, 92.0] for i in range(8)}
    b = {f"p{i}": [10.0, 11.0, 12.0] for i in range(8)}
    assert paired_difference(a, b, seed=1, resamples=999).p_value == 1 / 1000


def test_under_the_null_the_test_rejects_at_most_alpha() -> None:
    # 400 pairs of contestants drawn from the same model (4 projects x 3 repeats, Monte Carlo branch).
    # Measured rejection rate at alpha 0.05: 0.06 here (standard error 0.011), 0.046 over 4000
    # pairs: valid, and not so conservative that it never rejects (the lower bound).
    rng = np.random.default_rng(2025)
    pairs = 400
    rejected = 0
    for i in range(pairs):
        effects = rng.normal(0, 5, 4)
        a, b = simulated(rng, 4, 3, effects), simulated(rng, 4, 3, effects)
        rejected += significant(paired_difference(a, b, seed=i, resamples=2_000))
    assert 0.02 <= rejected / pairs <= 0.08


def test_significance_is_p_strictly_below_alpha() -> None:
    def difference(p: float) -> Difference:
        return Difference(delta=Estimate(mean=1.0, ci95=None), p_value=p, projects=4)

    assert ALPHA == 0.05
    assert significant(difference(0.049))
    assert not significant(difference(0.05))
    assert significant(difference(0.09), alpha=0.1)


# tied_groups


def differs_on(*pairs: str) -> set[frozenset[str]]:
    return {frozenset(pair) for pair in pairs}


def relation(different: set[frozenset[str]]) -> Callable[[str, str], bool]:
    return lambda x, y: frozenset((x, y)) in different


def test_a_chain_opens_a_group_where_it_breaks() -> None:
    # A ~ B ~ C but A != C: C cannot join A's group.
    assert tied_groups("ABC", relation(differs_on("AC"))) == {"A": 1, "B": 1, "C": 2}


def test_the_grouping_is_greedy_along_the_ranking() -> None:
    # D is tied with B, but B's group is closed once C opened group 2; D joins C.
    assert tied_groups("ABCD", relation(differs_on("AC", "AD"))) == {"A": 1, "B": 1, "C": 2, "D": 2}


def test_a_contestant_must_tie_with_every_member() -> None:
    assert tied_groups("ABC", relation(differs_on("BC"))) == {"A": 1, "B": 1, "C": 2}


def test_group_edges() -> None:
    tied = relation(set())
    assert tied_groups([], tied) == {}
    assert tied_groups(["solo"], tied) == {"solo": 1}
    assert tied_groups("ABCD", tied) == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert tied_groups("ABC", lambda x, y: True) == {"A": 1, "B": 2, "C": 3}


# variance_split


def test_identical_repeats_have_no_run_to_run_variance() -> None:
    assert variance_split({"a": [10.0, 10.0], "b": [20.0, 20.0]}) == VarianceSplit(0.0, 50.0, 0.0)


def test_identical_project_means_have_no_between_project_variance() -> None:
    # Within: (25 + 25 + 25 + 25) / 2 = 50; the means' variance 0 minus 50 / 2 floors at 0.
    assert variance_split({"a": [10.0, 20.0], "b": [20.0, 10.0]}) == VarianceSplit(50.0, 0.0, 1.0)


def test_constant_runs_have_no_share() -> None:
    assert variance_split({"a": [5.0, 5.0], "b": [5.0, 5.0]}) == VarianceSplit(0.0, 0.0, None)


def test_without_repeats_run_to_run_variance_is_unknown() -> None:
    assert variance_split({"a": [1.0], "b": [2.0]}) is None


def test_a_single_project_is_all_run_to_run() -> None:
    assert variance_split({"a": [1.0, 3.0]}) == VarianceSplit(2.0, 0.0, 1.0)


def test_unequal_repeats_by_hand() -> None:
    # Within: (1 + 1) + 0 + (4 + 0 + 4) = 10 over 1 + 0 + 2 df; means 2, 10, 6 vary by 16; harmonic
    # repeats 3 / (1/2 + 1 + 1/3) = 18/11.
    split = variance_split({"a": [1.0, 3.0], "b": [10.0], "c": [4.0, 6.0, 8.0]})
    run_to_run, between = 10 / 3, 16 - (10 / 3) * 11 / 18
    assert split == pytest.approx(VarianceSplit(run_to_run, between, run_to_run / (run_to_run + between)))


def test_the_components_approach_the_true_ones() -> None:
    runs = simulated(np.random.default_rng(17), projects=2000, repeats=5)
    split = variance_split(runs)
    assert split is not None
    assert split.run_to_run == pytest.approx(9, abs=0.5)
    assert split.between_projects == pytest.approx(25, abs=3)
    assert split.run_to_run_share == pytest.approx(9 / 34, abs=0.03)


def test_the_pooled_split_pools_sums_of_squares_and_averages_between() -> None:
    one = {"a": [1.0, 3.0], "b": [5.0, 5.0]}  # squares 2 over 2 df; between 4.5 - 1/2 = 4
    two = {"a": [0.0, 4.0], "b": [10.0]}  # squares 8 over 1 df; between 32 - 8 / (4/3) = 26
    no_repeats = {"a": [50.0], "b": [0.0]}  # no split: ignored
    run_to_run = 10 / 3
    assert pooled_variance_split([one, two, no_repeats]) == pytest.approx(
        VarianceSplit(run_to_run, 15.0, run_to_run / (run_to_run + 15))
    )
    assert pooled_variance_split([no_repeats]) is None
    assert pooled_variance_split([]) is None


# pareto_front


def test_dominated_points_leave_the_front() -> None:
    points = {"best": (80.0, 10.0), "cheap": (70.0, 5.0), "worse": (60.0, 20.0), "pricier": (80.0, 12.0)}
    assert pareto_front(points) == {"best", "cheap"}


def test_identical_points_both_stay() -> None:
    assert pareto_front({"a": (80.0, 10.0), "b": (80.0, 10.0), "c": (70.0, 10.0)}) == {"a", "b"}


def test_front_edges() -> None:
    assert pareto_front({"solo": (1.0, 1.0)}) == {"solo"}
    assert pareto_front({}) == set()


# seed_for


def test_seeds_are_stable_across_processes_and_distinct() -> None:
    assert seed_for("2026-07", "vendor/a") == 10741271337368702450  # computed once: pins sha256 use
    seeds = {seed_for("2026-07", "vendor/a"), seed_for("2026-07", "vendor/b")}
    seeds |= {seed_for("ab", "c"), seed_for("a", "bc")}  # joined, these would be the same
    assert len(seeds) == 4
    assert all(0 <= seed < 2**64 for seed in seeds)

