"""Noise ceilings and the batch estimator: formulas on constructed cases, recovery on simulations."""

from statistics import NormalDist

import numpy as np
import pytest
from scipy import optimize

from valueprefs.analysis.reliability import (
    corrected_ratio,
    cross_fit,
    disattenuate,
    headline,
    residuals,
    spearman_brown,
    split_half_reliability,
    split_weights,
)
from valueprefs.analysis.simulate import recovery
from valueprefs.preferences.logistic import logistic_preferences


def test_spearman_brown_steps_a_half_length_correlation_up():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    assert spearman_brown(0.0) == 0.0 and spearman_brown(1.0) == 1.0


def test_split_half_reliability_of_constructed_halves():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(20, 50))
    identical = split_half_reliability(truth, truth)
    assert identical["reliability"] == pytest.approx(1.0) and identical["splits"] == 20 and identical["n"] == 50
    # halves that correlate exactly 0.6 in every split: reliability 2 * 0.6 / 1.6 = 0.75
    noise = rng.normal(size=(20, 50))
    noise -= noise.mean(1, keepdims=True)
    centred = truth - truth.mean(1, keepdims=True)
    noise -= (noise * centred).sum(1, keepdims=True) / (centred**2).sum(1, keepdims=True) * centred
    noise *= np.linalg.norm(centred, axis=1, keepdims=True) / np.linalg.norm(noise, axis=1, keepdims=True)
    second = 0.6 * centred + 0.8 * noise
    result = split_half_reliability(truth, second)
    assert result["half_r"] == pytest.approx(0.6) and result["reliability"] == pytest.approx(0.75)


def test_split_weights_are_complementary_seeded_halves():
    first, second = split_weights(11, 5, seed=3, dataset="dd")
    assert (first + second == 1).all() and (first.sum(1) == 5).all()
    again, _ = split_weights(11, 5, seed=3, dataset="dd")
    other, _ = split_weights(11, 5, seed=3, dataset="oqa")
    assert (again == first).all() and not (other == first).all()


def test_disattenuation_with_known_answers():
    point = {"across": np.array([0.15]), "half_x": np.array([0.36]), "half_y": np.array([0.25])}
    draws = {"across": np.array([0.1, 0.15, 0.2]), "half_x": np.full(3, 0.36), "half_y": np.full(3, 0.25)}
    applied, drawn = disattenuate(0.2, point, draws, 0.5, 0.5)  # across-halves ceiling sqrt(0.09) = 0.3
    assert applied["r_cross"] == 0.15 and applied["consistency"] == pytest.approx(0.5)
    assert applied["ceiling"] == pytest.approx(0.5) and applied["ceiling_ratio"] == pytest.approx(0.4)
    assert applied["correction"] == "applied"
    # replicates 1/3, 1/2, 2/3 (sd 1/6) around the corrected 0.5: 0.5 - 1.96 / 6
    assert applied["consistency_low"] == pytest.approx(0.5 - 1.959964 / 6, rel=1e-6)
    assert drawn == pytest.approx([1 / 3, 1 / 2, 2 / 3])
    # p from the same replicates: 0.5 / (1/6) = 3 standard errors from 0
    assert applied["consistency_p"] == pytest.approx(2 * (1 - NormalDist().cdf(3.0)))
    assert applied["consistency_n"] == 0  # no value count given
    clipped = disattenuate(0.45, {**point, "across": np.array([0.45])}, draws, 0.5, 0.5)[0]
    assert clipped["consistency"] == 1.0 and clipped["correction"] == "clipped"
    unreliable = disattenuate(0.2, {**point, "half_x": np.array([0.05])}, draws, 0.5, 0.5)[0]
    assert unreliable["correction"] == "unreliable" and np.isnan(unreliable["consistency"])


def test_across_halves_the_corrected_consistency_recovers_the_true_correlation():
    """Two measures of true scores that correlate 0.6, each half with its own noise: the
    across-halves correlation over the half reliabilities is 0.6, while errors shared by the
    two measures on the same items inflate the same-items correlation."""
    rng = np.random.default_rng(5)
    n, splits, rho = 4000, 8, 0.6
    truth_x = rng.normal(size=n)
    truth_y = rho * truth_x + np.sqrt(1 - rho**2) * rng.normal(size=n)

    def half(truth):
        return truth + rng.normal(size=(splits, n))

    shared = rng.normal(size=(splits, n))  # item-level error both measures take from the same half
    x_first, x_second = half(truth_x) + shared, half(truth_x)
    y_first, y_second = half(truth_y) + shared, half(truth_y)
    found = cross_fit(x_first, x_second, y_first, y_second, "pearson")  # by hand below: Pearson's
    ratio = corrected_ratio(found["across"], found["half_x"], found["half_y"])
    half = 1 / np.sqrt(6)  # var(x_first) = 3, var(x_second) = 2, covariance 1
    assert np.nanmean(found["half_x"]) == pytest.approx(half, abs=0.03)
    assert ratio.mean() == pytest.approx(rho, abs=0.05)
    same_items = np.mean([np.corrcoef(x_first[i], y_first[i])[0, 1] for i in range(splits)])
    assert same_items == pytest.approx((rho + 1) / 3, abs=0.03)  # inflated by the shared error ...
    assert same_items / half > 1.2  # ... above the ceiling its reliabilities allow


def test_the_correction_uses_the_values_both_measures_have():
    """Identical true scores (rho = 1); y is measured only for the values with positive true
    scores (as long form lacks values nobody argues for). The reliabilities and the consistency
    are then taken over those values alike, and the corrected value is 1; x's reliability over
    all values (a wider spread) would have made it sqrt(0.266 / 0.5) = 0.73 (by hand: true
    variance 1 - 2 / pi over the positive half of a standard normal, noise variance 1)."""
    rng = np.random.default_rng(7)
    n, splits = 6000, 6
    truth = rng.normal(size=n)
    x_first, x_second, y_first, y_second = (truth + rng.normal(size=(splits, n)) for _ in range(4))
    for half in (y_first, y_second):
        half[:, truth <= 0] = np.nan
    found = cross_fit(x_first, x_second, y_first, y_second, "pearson")  # the hand computation is Pearson's
    assert corrected_ratio(found["across"], found["half_x"], found["half_y"]).mean() == pytest.approx(1.0, abs=0.04)
    whole_x = np.mean([np.corrcoef(x_first[i], x_second[i])[0, 1] for i in range(splits)])
    restricted = (1 - 2 / np.pi) / (1 - 2 / np.pi + 1)
    assert whole_x == pytest.approx(0.5, abs=0.02)
    assert np.nanmean(found["half_x"]) == pytest.approx(restricted, abs=0.02)
    assert (found["values"] == (truth > 0).sum()).all()  # the values all four halves have


def test_logistic_preferences_maximize_the_penalized_likelihood():
    rng = np.random.default_rng(4)
    latent = np.array([2.0, 1.0, 0.0, -1.0, -2.0, 0.0])
    games = []
    for _ in range(120):
        a, b = rng.choice(5, size=2, replace=False)
        win = rng.random() < 1 / (1 + np.exp(-(latent[a] - latent[b])))
        games.append(([a], [b]) if win else ([b], [a]))
    coefficients, errors, played = logistic_preferences(games, 6, l2=1.0)
    assert np.isnan(coefficients[5]) and played[5] == 0  # never played: no preference

    def penalized_loss(beta):
        margins = np.array([beta[won].sum() - beta[lost].sum() for won, lost in games])
        return np.logaddexp(0, -margins).sum() + 0.5 * (beta**2).sum()

    reference = optimize.minimize(penalized_loss, np.zeros(6), method="BFGS").x
    assert coefficients[:5] == pytest.approx(reference[:5], abs=1e-4)
    assert list(np.argsort(-coefficients[:5])) == [0, 1, 2, 3, 4]
    assert (errors[:5] > 0).all() and (errors[:5] < 1).all()


def test_batch_estimator_recovers_at_least_as_well_and_recovery_grows_with_dilemmas():
    values = [f"value{i}" for i in range(301)]
    rows = recovery(values, [2, 3, 4, 5, 6, 7], sizes=[340, 680, 1360], seed=1, zipf=1.0)
    trueskill = [row["short_spearman"] for row in rows]
    logistic = [row["logistic_spearman"] for row in rows]
    assert trueskill == sorted(trueskill) and logistic == sorted(logistic)
    assert all(b >= t for b, t in zip(logistic, trueskill, strict=True))
    assert all(0 < row["logistic_reliability"] < 1 for row in rows)


def test_simulate_recovery_rule_writes_the_table_and_figure(snakemake_in):
    import pandas as pd

    result = snakemake_in("--cores", "1", "simulate_recovery")
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(snakemake_in.workdir / "results/simulation/recovery.csv")
    assert list(table["items"].unique()) == [340, 680, 1360]
    assert set(table["estimator"]) == {"TrueSkill (short form)", "logistic batch (short form)", "long form (k = 10)"}
    assert table["spearman_with_truth"].between(0, 1).all()
    assert (snakemake_in.workdir / "results/simulation/recovery.png").stat().st_size > 20_000


def test_residuals_remove_an_exact_line_and_keep_missing_values_missing():
    covariate = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [np.nan]])
    preferences = np.array([[1.0, 3.0, 5.0, np.nan, 9.0, 4.0], [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]])
    found = residuals(preferences, covariate)
    assert np.allclose(found[0, [0, 1, 2, 4]], 0.0) and np.isnan(found[0, [3, 5]]).all()
    # 0 1 0 1 0 on 0..4: slope 0, mean 0.4
    assert np.allclose(found[1, :5], [-0.4, 0.6, -0.4, 0.6, -0.4]) and np.isnan(found[1, 5])
    assert residuals(preferences, None) is preferences


def test_a_value_level_confound_fools_the_cross_fit_unless_it_is_taken_out():
    """Two measures with independent value preferences (consistency 0), both lifted by a
    property of the values (their share of "to do" appearances, which a model that favours
    acting rewards in both formats and in every half of the items): the across-halves
    correlation sees a consistent model; net of the covariate it sees none, and a consistency
    of 1 is still recovered."""
    rng = np.random.default_rng(3)
    n_values, splits = 120, 40
    share = rng.uniform(0, 1, n_values)
    latent_x, latent_y = rng.standard_normal(n_values), rng.standard_normal(n_values)

    def halves(latent):
        return [latent + 4 * share + 0.7 * rng.standard_normal((splits, n_values)) for _ in range(2)]

    def consistency(x, y, covariates):
        parts = [residuals(half, covariates) for half in (*x, *y)]
        point = cross_fit(*parts)
        return headline(point, cross_fit(*parts))[0]

    x, y = halves(latent_x), halves(latent_y)
    fooled = consistency(x, y, None)
    assert fooled["consistency"] > 0.5 and fooled["consistency_low"] > 0
    net = consistency(x, y, share[:, None])
    truth = np.corrcoef(latent_x - np.polyval(np.polyfit(share, latent_x, 1), share),
                        latent_y - np.polyval(np.polyfit(share, latent_y, 1), share))[0, 1]  # fmt: skip
    assert abs(net["consistency"] - truth) < 0.05
    assert net["consistency_low"] <= truth <= net["consistency_high"]
    same = consistency(x, halves(latent_x), share[:, None])
    assert same["consistency"] > 0.95


def test_power_simulates_the_reference_data_sets_own_size(tmp_path):
    """Without listed sizes the power table is for as many dilemmas as the reference data set
    holds; ``detectable`` is 2.8 standard errors of the headline (its interval's width / 3.92)."""
    import json

    import pandas as pd
    import yaml

    from valueprefs.config import check_config
    from valueprefs.figures.jobs import write_power

    config = yaml.safe_load(open("config.yaml"))
    check_config(config, ["config.yaml"], "workflow/schemas/config.schema.yaml")
    values = [f"value {i:02d}" for i in range(24)]
    vocabulary = tmp_path / "vocabulary.csv"
    pd.DataFrame({"value": values}).to_csv(vocabulary, index=False)
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"dilemma_id": f"d{i}"}) + "\n" for i in range(80)))
    power = {**config["power"], "rho": [1.0], "studies": 2, "scenario": "assumptions"}
    frame = write_power(
        str(vocabulary), str(items), power, config["calibration"], config["analysis"], [3],
        {"table": str(tmp_path / "power.csv"), "figure": str(tmp_path / "power.png")}, {},
    )  # fmt: skip
    assert list(frame["items"]) == [80] and list(frame["values"]) == [24] and list(frame["studies"]) == [2]
    row = frame.iloc[0]
    assert row["se"] == pytest.approx(row["width"] / 3.92)
    assert row["detectable"] == pytest.approx(2.8 * row["se"])
    assert row["detectable_difference"] == pytest.approx(np.sqrt(2) * row["detectable"])
    assert pd.read_csv(tmp_path / "power.csv")["items"].tolist() == [80]


def test_power_rule_writes_the_table_and_figure_for_listed_sizes(snakemake_in):
    """`snakemake power` with sizes listed: one block per size, planted rho and k, and a figure."""
    import pandas as pd
    import yaml

    config = yaml.safe_load(open("config.yaml")) | {"power": {"items": [40], "studies": 2, "rho": [0.0, 1.0]}}
    configfile = snakemake_in.workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    result = snakemake_in("--cores", "1", "power", configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(snakemake_in.workdir / "results/simulation/power.csv")
    assert sorted(set(zip(table["rho"], table["k"], strict=True))) == [(0.0, 3), (0.0, 5), (1.0, 3), (1.0, 5)]
    assert set(table["items"]) == {40} and set(table["scenario"]) == {"everything"}
    assert (table["studies"] == 2).all() and table["unreliable"].between(0, 1).all()
    estimated = table["unreliable"] < 1  # 40 dilemmas with every confound: often too noisy to correct
    assert table["covers_planted"][estimated].between(0, 1).all() and table["covers_planted"][~estimated].isna().all()
    assert (snakemake_in.workdir / "results/simulation/power.png").stat().st_size > 20_000
    assert "power:" in (snakemake_in.workdir / "results/logs/power.log").read_text()
