"""Statistics, attributes, recognition and consistency analyses on inputs with known answers."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.attributes import ArgumentValues, compression_ratio
from valueprefs.analysis.estimates import Estimates
from valueprefs.analysis.inputs import RunFiles, RunInputs, load_run_inputs
from valueprefs.analysis.measures import Measure, long_measure, short_measure
from valueprefs.analysis.recognition import Recognition
from valueprefs.analysis.settings import Settings
from valueprefs.analysis.stats import correlate, interval, item_weights, resampled_p, row_correlations
from valueprefs.analysis.views import framework_view
from valueprefs.annotation.recognized import named_values
from valueprefs.io import write_csv, write_jsonl
from valueprefs.preferences.jobs import write_short_preferences
from valueprefs.preferences.long_form import position_matrix
from valueprefs.preferences.short_form import ShortEvidence, decision_games, dilemma_sides
from valueprefs.preferences.trueskill_games import replicate_orders
from valueprefs.tasks import SWAPPED, long_task


def test_a_measure_is_a_data_set_and_a_task_at_one_sample():
    assert short_measure("dd", "short_swapped") == Measure("dd", SWAPPED)
    assert long_measure("dd", 5, 1) == Measure("dd", long_task(5).at(1)) != long_measure("dd", 5)
    assert long_measure("dd", 5).within_sides() == Measure("dd", long_task(5), side_ranks=True)
    with pytest.raises(ValueError, match="only a long-form measure is ranked within"):
        short_measure("dd").within_sides()


def test_the_short_form_reads_its_greedy_answers_whatever_the_preference_sample(tmp_path):
    """Generation asks a short task greedily only: with temperature samples and a preference
    sample of 1 (long-form preferences from a sampled answer), the analysis still reads the
    short form's sample-0 decisions, where its sample 1 has none."""
    write_csv(tmp_path / "values.csv", pd.DataFrame({"value": ["care", "comfort", "honesty"]}))
    items = [
        {"dilemma_id": "a", "values_to_do": ["honesty"], "values_not_to_do": ["comfort"]},
        {"dilemma_id": "b", "values_to_do": ["care"], "values_not_to_do": ["honesty"]},
    ]
    write_jsonl(tmp_path / "items.jsonl", items)
    decisions = {"a": "to_do", "b": "not_to_do"}
    write_jsonl(tmp_path / "short.jsonl", [{"item_id": i, "sample": 0, "decision": d} for i, d in decisions.items()])
    tables = {sample: str(tmp_path / f"sample{sample}.csv") for sample in (0, 1)}
    paths = {name: str(tmp_path / name) for name in ("short.jsonl", "items.jsonl", "values.csv", "games.npz")}
    sources = (paths[name] for name in ("short.jsonl", "items.jsonl", "values.csv"))
    write_short_preferences(*sources, tables, {"shuffles": 3, "seed": 0}, paths["games.npz"])
    assert "shuffle_sd" in pd.read_csv(tables[0]) and "shuffle_sd" not in pd.read_csv(tables[1])
    files = RunFiles(
        vocabulary=paths["values.csv"], items={"dd": paths["items.jsonl"]}, kinds={"dd": "dilemmas"},
        short={"dd": {"short": paths["games.npz"]}}, long={}, recognition={},
    )  # fmt: skip
    evidence = load_run_inputs(files, preference_sample=1, limits={}).short["dd"]["short"]
    assert evidence.decisions == decisions and len(evidence.games) == 2


def test_row_correlations_match_scipy_over_shared_values():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4, 40)), rng.normal(size=(4, 40))
    x[0, :5] = np.nan
    y[1, 10:12] = np.nan
    for method, reference in (("pearson", stats.pearsonr), ("spearman", stats.spearmanr)):
        r, n = row_correlations(x, y, method)
        for row in range(4):
            keep = np.isfinite(x[row]) & np.isfinite(y[row])
            assert r[row] == pytest.approx(reference(x[row][keep], y[row][keep])[0])
            assert n[row] == keep.sum()


def test_p_values_come_from_the_replicates_behind_the_interval():
    """z = estimate / replicate spread: 0.3 / 0.1 gives p = 2 (1 - Phi(3)) = 0.0027 (a table
    of the normal distribution); p < 0.05 exactly when the interval excludes 0."""
    replicates = np.array([0.2, 0.4] * 50)  # spread (ddof 1) 0.1005
    spread = replicates.std(ddof=1)
    assert resampled_p(replicates, 0.3) == pytest.approx(2 * stats.norm.sf(0.3 / spread))
    assert resampled_p(np.full(100, 0.1) + np.tile([-0.1, 0.1], 50) * 1.0, 0.3) == pytest.approx(0.00270, abs=2e-4)
    rng = np.random.default_rng(0)
    for point in rng.uniform(-0.5, 0.5, size=200):
        draws = rng.normal(point, 0.15, size=50)
        low, high = interval(draws, point, bounds=(-9, 9))
        assert (resampled_p(draws, point) < 0.05) == (low > 0 or high < 0)
    assert np.isnan(resampled_p(np.array([0.3]), 0.3)) and np.isnan(resampled_p(np.full(5, 0.3), 0.3))


def test_bootstrap_draws_are_seeded_per_data_set_and_keep_the_item_count():
    first, again = item_weights(10, 5, 0, "dd", "bootstrap"), item_weights(10, 5, 0, "dd", "bootstrap")
    assert np.array_equal(first, again) and (first.sum(axis=1) == 10).all()
    assert not np.array_equal(first, item_weights(10, 5, 0, "oqa", "bootstrap"))
    orders = replicate_orders(np.array([[2, 0, 1], [0, 3, 0]], dtype=float), game_positions=[0, 2])
    assert orders.tolist() == [[0, 0, 1], [-1, -1, -1]]  # item 1 has no game; item 2 is game 1


def test_correlate_reports_an_interval_around_a_strong_correlation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    y = x + rng.normal(scale=0.3, size=50)
    noise = rng.normal(scale=0.05, size=(200, 50))
    result, draws = correlate(x, y, x + noise, y + noise)
    assert result["n"] == 50 and result["p"] < 1e-10 and len(draws) == 200
    assert result["ci_low"] < result["r"] < result["ci_high"]


def test_compression_ratio_is_higher_for_redundant_arguments():
    same = ["Honesty builds trust between friends."] * 20
    varied = [
        f"Argument {i}: {word} matters because of reason {i * 7}." for i, word in enumerate("abcdefghijklmnopqrst")
    ]
    assert compression_ratio(same) > 2 * compression_ratio(varied)
    assert np.isnan(compression_ratio([]))


def test_the_equal_size_ratio_does_not_grow_with_how_often_a_value_is_argued_for():
    """Arguments of equal diversity (sentences of random words): the paper's ratio of a value
    argued for 200 times is far above one argued for 5 times, the equal-size ratio is not; a
    value argued in repeated phrases keeps a higher equal-size ratio than a varied one."""
    rng = np.random.default_rng(3)

    def sentence() -> str:  # the synthetic model's varied wording: fixed frame, made-up words
        words = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=rng.integers(4, 9))) for _ in range(6)]
        return "Care bears on the {} {}. It touches the {} {}, the {} and the {}.".format(*words)

    arguments = [{"item_id": f"d{i}", "argument": sentence(), "values": ["often"]} for i in range(200)]
    arguments += [{"item_id": f"d{i}", "argument": sentence(), "values": ["rarely"]} for i in range(5)]
    arguments += [
        {"item_id": f"d{i}", "argument": "Care first, care always, care.", "values": ["care"]} for i in range(8)
    ]
    arguments += [{"item_id": f"d{i}", "argument": sentence(), "values": ["few"]} for i in range(3)]
    index = {"often": 0, "rarely": 1, "care": 2, "few": 3}
    table = ArgumentValues(arguments, index, {f"d{i}": i for i in range(200)})
    paper = table.compression()[0]
    equal = table.equal_size_compression(size=5, subsets=20, seed=0)[0]
    assert paper[0] > 1.3 * paper[1]  # the paper's ratio: more arguments, more to share
    assert abs(equal[0] - equal[1]) < 0.05 * equal[1]  # equal size: the same diversity reads the same
    assert equal[2] > 1.5 * equal[1]  # repeated phrasing still compresses better
    assert np.isnan(equal[3])  # fewer arguments than a subset holds
    halves = np.zeros((2, 200))
    halves[0, :100], halves[1, 100:] = 1, 1  # the second half holds none of the rare values' items
    replicated = table.equal_size_compression(size=5, subsets=20, seed=0, item_weights=halves)
    assert np.isfinite(replicated[0, :3]).all() and np.isfinite(replicated[1, 0]) and np.isnan(replicated[1, 1])
    assert np.array_equal(equal, table.equal_size_compression(size=5, subsets=20, seed=0)[0], equal_nan=True)  # seeded


def test_attributes_per_value_with_item_weights():
    arguments = [
        {"item_id": "a", "argument": "x", "values": ["care"], "specificity_path": 2},
        {"item_id": "a", "argument": "y", "values": ["care", "honesty"], "specificity_path": 4},
        {"item_id": "b", "argument": "z", "values": ["honesty"], "specificity_path": None},
    ]
    table = ArgumentValues(arguments, {"care": 0, "honesty": 1, "comfort": 2}, {"a": 0, "b": 1})
    assert table.counts().tolist() == [2, 2, 0]
    mean = table.mean_specificity("path")[0]
    assert mean[0] == 3 and mean[1] == 4 and np.isnan(mean[2])
    weighted = table.mean_specificity("path", np.array([[0.0, 2.0]]))[0]
    assert np.isnan(weighted[0]) and np.isnan(weighted[1])  # item a not drawn; b's level is missing


def test_named_values_and_recognition_scores():
    assert named_values("1. Honesty\n2. Respect for rules and care\n\nBecause honesty matters a lot.") == [
        "Honesty",
        "Respect for rules",
        "care",
    ]
    assert named_values("Honesty:\n \nCare:") == ["Honesty", "Care"]
    gold = {"s1": ["honesty", "care"], "s2": ["autonomy"]}
    recognized = {"s1": ["honesty", "autonomy"], "s2": ["autonomy"]}
    scores = Recognition(gold, recognized, ["honesty", "care", "autonomy"])
    per_value = scores.per_value()
    assert per_value["precision"][0].tolist() == [1.0, pytest.approx(np.nan, nan_ok=True), 0.5]
    assert per_value["recall"][0][:2].tolist() == [1.0, 0.0]
    # tp = 2 (honesty in s1, autonomy in s2), fp = 1 (autonomy in s1), fn = 1 (care in s1)
    assert scores.micro_f1()[0] == pytest.approx(4 / 6)
    # within a category: only honesty and care (tp 1, fn 1) -> 2 / 3; autonomy alone (tp 1, fp 1) -> 2 / 3
    assert scores.micro_f1(columns=np.array([True, True, False]))[0] == pytest.approx(2 / 3)
    assert scores.micro_f1(columns=np.array([False, False, True]))[0] == pytest.approx(2 / 3)
    assert scores.gold_count(np.array([True, True, False])) == 2


def test_framework_view_averages_fine_values_per_category():
    attributes = pd.DataFrame(
        {
            "model": "m", "alignment": "base", "dataset": "dd", "k": 5,
            "value": ["honesty", "truthfulness", "care"], "specificity_path": [2.0, 4.0, 5.0],
            "compression_ratio": [1.0, 2.0, np.nan],
        }
    )  # fmt: skip
    vocabulary = pd.DataFrame({"value": ["honesty", "truthfulness", "care"], "Virtue": ["Truth", "Truth", ""]})
    view = framework_view(attributes, vocabulary.replace("", np.nan)).set_index(["metric", "category"])
    assert view.loc[("specificity_path", "Truth"), "score"] == 3.0
    assert view.loc[("compression_ratio", "Truth"), "values"] == 2
    assert set(view["framework"]) == {"virtues"}


def synthetic_run(n=40, seed=0):
    """Dilemmas decided by known preferences, and long answers that argue the dilemma's values
    and one more, ordered by the same preferences."""
    rng = np.random.default_rng(seed)
    values = [f"v{i}" for i in range(12)]
    latent = np.linspace(2, -2, 12)
    items, decisions, arguments = [], [], []
    for i in range(n):
        chosen = rng.choice(12, size=4, replace=False)
        to_do, not_to_do = chosen[:2], chosen[2:]
        items.append({"dilemma_id": f"d{i}", "values_to_do": [values[v] for v in to_do],
                      "values_not_to_do": [values[v] for v in not_to_do]})  # fmt: skip
        decision = "to_do" if latent[to_do].sum() > latent[not_to_do].sum() else "not_to_do"
        decisions.append({"item_id": f"d{i}", "sample": 0, "decision": decision})
        another = next(v for v in rng.choice(12, size=5, replace=False) if v not in chosen)  # and one more
        for position, v in enumerate(sorted([*chosen, another]), start=1):
            arguments.append({"item_id": f"d{i}", "sample": 0, "position": position, "n_arguments": 5,
                              "argument": f"argument about {values[v]}", "values": [values[v]]})  # fmt: skip
    explicit = [dict(d, decision="not_to_do") if i < 4 else d for i, d in enumerate(decisions)]
    index = {value: i for i, value in enumerate(values)}
    sides = dilemma_sides(items, index)

    def evidence(rows):
        found = {row["item_id"]: row["decision"] for row in rows}
        games, positions, _ = decision_games(sides, found)
        return ShortEvidence(games, positions, found)

    frame = pd.DataFrame(arguments)
    return RunInputs(
        values=values,
        items={"dd": items},
        kinds={"dd": "dilemmas"},
        short={"dd": {"short": evidence(decisions), "short_explicit": evidence(explicit)}},
        arguments={"dd": {3: frame, 5: frame}},
        positions={"dd": {3: position_matrix(frame, index), 5: position_matrix(frame, index)}},
        recognized={},
        dropped_names={},
        frameworks={},
    ), decisions


INTERVALS = {"bootstrap": 10, "resampling": "half"}  # what figure captions are told


def settings(**changes) -> Settings:
    """Analysis settings for these tests (the workflow's come from the config schema)."""
    chosen = {"bootstrap": 50, "resampling": "bootstrap", "seed": 0, "preference_sample": 0, "temperature_samples": [],
              "reference_dataset": None, "compression_replicates": 0, "compression_subset_size": 5,
              "compression_subsets": 10, "specificity": ["path", "attribute"],
              "estimator": "trueskill", "reliability_splits": 20, "min_evidence": 1}  # fmt: skip
    return Settings(**{**chosen, **changes})


def test_run_analysis_on_known_preferences():
    inputs, decisions = synthetic_run()
    correlations, replicates, attributes = analyze_run(inputs, settings(bootstrap=50))
    rows = correlations.set_index("key")
    # Long answers list values in latent order (v0 first): both estimators agree.
    assert rows.loc["short_vs_long/dd/3", "r"] > 0.6
    assert rows.loc["between_k/dd/3/5", "r"] == pytest.approx(1.0)
    changed = sum(1 for i in range(4) if decisions[i]["decision"] != "not_to_do")
    assert rows.loc["implicit_vs_explicit/dd/fraction", "r"] == pytest.approx(1 - changed / 40)
    assert {entry["key"] for entry in replicates} == set(rows.index)
    bootstrapped = [entry for entry in replicates if not entry["key"].startswith("reliability/")]
    assert all(len(entry["replicates"]) == 50 for entry in bootstrapped)
    assert set(attributes["k"]) == {3, 5} and attributes["arguments"].sum() == 2 * 200
    # noise ceilings: both halves of the dilemmas rank the values alike, so reliabilities are high
    short = rows.loc["reliability/dd/split_half/short"]
    long = rows.loc["reliability/dd/split_half/long_k3/3"]
    assert 0.8 < short["r"] <= 1 and 0.8 < long["r"] <= 1 and short["splits"] == 20
    compared = rows.loc["short_vs_long/dd/3"]
    assert 0.8 < compared["reliability_x"] <= 1 and 0.8 < compared["reliability_y"] <= 1
    assert compared["ceiling"] == pytest.approx(np.sqrt(compared["reliability_x"] * compared["reliability_y"]))
    # short and long answers follow one ranking: the headline consistency (across halves of the
    # dilemmas, corrected for both measures' noise) is 1, its interval away from 0
    assert compared["consistency"] > 0.9 and compared["consistency_low"] <= 1.0 <= compared["consistency_high"]
    assert 0.5 < compared["consistency_low"] and compared["consistency_p"] < 0.001
    assert 3 <= compared["consistency_n"] <= compared["n"]
    drawn = next(entry for entry in replicates if entry["key"] == "short_vs_long/dd/3")
    assert len(drawn["consistency"]) == 50 and len(drawn["replicates"]) == 50


def test_batch_estimator_in_the_run_analysis():
    correlations, _, _ = analyze_run(synthetic_run()[0], settings(bootstrap=10, estimator="logistic"))
    rows = correlations.set_index("key")
    assert rows.loc["short_vs_long/dd/3", "r"] > 0.6 and rows.loc["short_vs_long/dd/3", "ci_low"] > 0


def test_figures_map_the_papers_settings_onto_the_config():
    from valueprefs.figures.captions import caption
    from valueprefs.figures.figure_data import missing
    from valueprefs.figures.registry import BY_NUMBER, FIGURES, lacks_k, resolve

    kinds = {"dd": "dilemmas", "oqa": "questions", "vp": "recognition"}
    found = resolve(BY_NUMBER["03b"], kinds, [20, 5, 10], None)
    assert found == {"dataset": "dd", "k": 10, "paper_k": 10, "ks": [5, 10, 20]}
    # fewer k values: matched in order, and the paper's k = 20 has none (never a copy of another figure)
    assert resolve(BY_NUMBER["03b"], kinds, [3, 5], "dd")["k"] == 5
    short = resolve(BY_NUMBER["12"], kinds, [3, 5], "dd")
    assert short["k"] is None and short["paper_k"] == 20 and lacks_k(BY_NUMBER["12"], short)
    assert missing(BY_NUMBER["12"], short) == (
        "This config has no k for the paper's k = 20: generation.k (3, 5) is matched to the paper's 5, 10, 20 in order."
    )
    assert "this config has no k for the paper's k = 20" in caption(BY_NUMBER["12"], short, INTERVALS)
    assert resolve(BY_NUMBER["29"], kinds, [5, 10, 20], None)["dataset"] == "oqa"
    assert resolve(BY_NUMBER["36"], kinds, [5], None)["dataset"] == "vp"
    assert resolve(BY_NUMBER["15"], {"dd": "dilemmas"}, [5], None)["dataset"] is None
    expected = {"03a", "03b", "12", "04", "13", "14", "15", "16", "17", "05a", "05b", "18", "19", "20", "06"}
    expected |= {str(n) for n in range(24, 41)} | {"07"}
    assert {figure.number for figure in FIGURES} == expected


def figure_inputs(folder) -> dict[str, str]:
    """The analysis tables a figure reads, as its rule names them."""
    names = {"correlations": "c.csv", "replicates": "r.jsonl", "frameworks": "f.csv"}
    return {name: str(folder / file) for name, file in names.items()}


def figure_outputs(folder) -> dict[str, str]:
    """A figure's files as its rule names them: png, pdf, and its data as csv."""
    return {"png": str(folder / "fig.png"), "pdf": str(folder / "fig.pdf"), "data": str(folder / "fig.csv")}


def test_a_figure_without_its_data_set_says_so(tmp_path):
    from valueprefs.figures.jobs import FigureStudy, render_figure

    (tmp_path / "c.csv").write_text("key,analysis,dataset,k,k2,method,r,p,n,ci_low,ci_high,model,alignment\n")
    (tmp_path / "r.jsonl").write_text("")
    (tmp_path / "f.csv").write_text("")
    out = figure_outputs(tmp_path)
    text = render_figure("16", figure_inputs(tmp_path), FigureStudy({"dd": "dilemmas"}, [5, 10], None, INTERVALS), out)
    assert text.startswith("Paper figure 16: Consistency across temperature samples")
    assert "10 resamples of the items (random halves, the delete-half jackknife" in text
    assert (tmp_path / "fig.png").stat().st_size > 1000 and (tmp_path / "fig.pdf").exists()


def test_figure_style_sets_resolution_and_height(tmp_path):
    from matplotlib.image import imread

    from valueprefs.figures.jobs import FigureStudy, render_figure

    (tmp_path / "c.csv").write_text("key,analysis,dataset,k,k2,method,r,p,n,ci_low,ci_high,model,alignment\n")
    (tmp_path / "r.jsonl").write_text("")
    (tmp_path / "f.csv").write_text("")
    shapes = []
    for style in ({}, {"dpi": 300}):
        out = {
            name: str(tmp_path / f"fig.{suffix}") for name, suffix in (("png", "png"), ("pdf", "pdf"), ("data", "csv"))
        }
        study = FigureStudy({"dd": "dilemmas"}, [5, 10], None, INTERVALS)
        render_figure("16", figure_inputs(tmp_path), study, out, style=style)
        shapes.append(imread(out["png"]).shape[:2])
    assert shapes[1][0] == pytest.approx(2 * shapes[0][0], abs=2)


def test_figure_overrides_name_an_existing_figure():
    from valueprefs.errors import ConfigError
    from valueprefs.figures.style import style_for

    known = {"06", "12"}
    assert style_for({"style": {"dpi": 200}, "overrides": {"06": {"height": 6}}}, "06", known) == {
        "dpi": 200, "font_scale": 1.05, "palette": "tableau-colorblind10", "height": 6,
    }  # fmt: skip
    assert style_for({"overrides": {"06": {"height": 6}}}, "12", known)["height"] == 4.2
    with pytest.raises(ConfigError, match=r"figures\.overrides\.99"):
        style_for({"overrides": {"99": {"dpi": 100}}}, "06", known)


def test_pairwise_spearman_equals_scipy_with_and_without_missing_values():
    from valueprefs.analysis.stats import pairwise_spearman

    rng = np.random.default_rng(1)
    series = [np.round(rng.normal(size=(3, 30)), 1) for _ in range(3)]  # rounding makes ties
    series[1][2, :4] = np.nan
    r, n = pairwise_spearman(series)
    for pair, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)]):
        for row in range(3):
            keep = np.isfinite(series[a][row]) & np.isfinite(series[b][row])
            assert r[pair, row] == pytest.approx(stats.spearmanr(series[a][row][keep], series[b][row][keep])[0])
            assert n[pair, row] == keep.sum()


def test_values_with_too_little_evidence_are_excluded_and_counted():
    everything = analyze_run(synthetic_run()[0], settings(bootstrap=5))[0].set_index("key")
    strict = analyze_run(synthetic_run()[0], settings(bootstrap=5, min_evidence=14))[0].set_index("key")
    before, after = everything.loc["short_vs_long/dd/3"], strict.loc["short_vs_long/dd/3"]
    assert before["excluded_x"] == 0 and before["min_evidence"] == 1
    assert after["min_evidence"] == 14 and after["excluded_x"] > 0
    lost = before["n"] - after["n"]  # a value may fall short on both sides
    assert max(after["excluded_x"], after["excluded_y"]) <= lost <= after["excluded_x"] + after["excluded_y"]


def test_every_statistic_of_a_row_is_over_one_set_of_values():
    """The paper's r, its ceiling and the headline of a row compare the same values: those with
    min_evidence games and answers to dilemmas that annotate them, counted here by hand from
    the inputs; the ceiling's
    reliabilities and the headline, per split, over those present in all four halves
    (scipy on the halves)."""
    inputs = synthetic_run()[0]
    chosen = settings(bootstrap=5, min_evidence=12)
    row = analyze_run(inputs, chosen)[0].set_index("key").loc["short_vs_long/dd/3"]
    games = pd.Series([v for item in inputs.items["dd"] for v in item["values_to_do"] + item["values_not_to_do"]])
    answered = set(inputs.arguments["dd"][3]["item_id"])
    annotated = [
        v
        for item in inputs.items["dd"]
        if item["dilemma_id"] in answered
        for v in {*item["values_to_do"], *item["values_not_to_do"]}
    ]
    responses = pd.Series(annotated).value_counts()
    both = [v for v in inputs.values if games.value_counts().get(v, 0) >= 12 and responses.get(v, 0) >= 12]
    assert 3 <= len(both) < len(inputs.values) and row["n"] == len(both)

    estimates = Estimates(inputs, settings(bootstrap=5))  # min_evidence 1: every value on all items
    keep = np.isin(inputs.values, both)
    short, long = estimates.short_preferences("dd")[0], estimates.long_preferences("dd", 3, 0)[0]
    assert row["r"] == pytest.approx(stats.pearsonr(short[keep], long[keep])[0])
    halves = (*estimates.halves(short_measure("dd")), *estimates.halves(long_measure("dd", 3)))
    present = keep & np.logical_and.reduce([np.isfinite(half) for half in halves])
    assert row["consistency_n"] == int(np.median(present.sum(axis=1)))
    for column, (first, second) in (("reliability_x", halves[:2]), ("reliability_y", halves[2:])):
        half = np.mean([stats.pearsonr(a[m], b[m])[0] for a, b, m in zip(first, second, present, strict=True)])
        assert row[column] == pytest.approx(2 * half / (1 + half))
    alone = estimates.short_reliability("dd")  # the short form over all of its own values
    assert alone["n"] > row["consistency_n"] and alone["reliability"] != pytest.approx(row["reliability_x"])


def test_consistency_figures_show_the_headline_and_the_papers_r(tmp_path):
    import pandas as pd

    from valueprefs.figures.jobs import FigureStudy, render_figure

    rows = [
        {"key": "short_vs_long/dd/10", "analysis": "short_vs_long", "dataset": "dd", "k": 10, "k2": None,
         "method": "pearson", "r": r, "p": 0.01, "n": 250, "ci_low": r - 0.1, "ci_high": r + 0.1, "model": "m",
         "alignment": alignment, "ceiling": ceiling, "min_evidence": 3}
        for alignment, r, ceiling in (("base", 0.12, 0.45), ("instruct", 0.25, 0.6))
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "r.jsonl").write_text("")
    (tmp_path / "f.csv").write_text("")
    out = figure_outputs(tmp_path)
    study = FigureStudy({"dd": "dilemmas"}, [5, 10, 20], None, INTERVALS)
    render_figure("03b", figure_inputs(tmp_path), study, out)
    data = pd.read_csv(out["data"])
    assert list(data["ceiling"]) == [0.45, 0.6] and set(data["min_evidence"]) == {3}
    from valueprefs.figures.figure_data import evidence_note

    note = evidence_note(data)
    assert "noise ceiling" in note and "fewer than 3 games or annotated answers excluded" in note
    # with the headline consistency in the rows, the bars are the headline and the dots the paper's r
    headline = {"consistency": [0.3, 0.7], "consistency_low": [0.0, 0.5], "consistency_high": [0.6, 0.9]}
    headline |= {"consistency_p": [0.04, 0.001], "consistency_n": [180, 200], "correction": ["applied", "applied"]}
    pd.DataFrame(rows).assign(**headline).to_csv(tmp_path / "c.csv", index=False)
    render_figure("03b", figure_inputs(tmp_path), study, out)
    data = pd.read_csv(out["data"])
    assert list(data["r"]) == [0.3, 0.7] and list(data["ci_low"]) == [0.0, 0.5] and list(data["p"]) == [0.04, 0.001]
    assert list(data["paper_r"]) == [0.12, 0.25] and "ceiling" not in data
    assert list(data["n"]) == [180, 200] and list(data["correction"]) == ["applied", "applied"]
    assert "values in fewer than 3 games or annotated answers excluded" in evidence_note(data)
    assert "dots: the paper's r" in evidence_note(data) and "noise ceiling" not in evidence_note(data)


def test_whiskers_are_labelled_with_the_resampling_in_use():
    from valueprefs.figures.figure_data import note
    from valueprefs.figures.registry import BY_NUMBER, resolve

    spec = BY_NUMBER["03b"]
    setting = resolve(spec, {"dd": "dilemmas"}, [5, 10, 20], None)
    assert "whiskers: delete-half jackknife 95% interval" in note(spec, setting, "half")
    assert "whiskers: bootstrap 95% interval" in note(spec, setting, "bootstrap")


def test_bars_tell_absent_runs_from_too_few_values_and_show_n():
    import pandas as pd

    from valueprefs.figures.plots import by_family
    from valueprefs.figures.style import FigureStyle

    style = FigureStyle(dpi=50, font_scale=1.0, palette="colorblind", height=3)
    rows = [
        {"model": "a", "alignment": "base", "r": 0.4, "p": 0.01, "n": 50, "ci_low": 0.2, "ci_high": 0.6},
        {"model": "a", "alignment": "instruct", "r": np.nan, "p": np.nan, "n": 2, "ci_low": np.nan, "ci_high": np.nan},
        {"model": "b", "alignment": "base", "r": -0.3, "p": 0.2, "n": 40, "ci_low": -0.5, "ci_high": 0.0},
    ]  # b has no instruct run in the config: no bar and no label there
    ax = by_family(pd.DataFrame(rows), "t", "r", "note", style).axes[0]
    texts = sorted(text.get_text() for text in ax.texts)
    assert texts == ["*", "n/a (n=2)", "n=40", "n=50"]

    empty = pd.DataFrame([{**rows[1], "model": m} for m in ("a", "b")])
    ax = by_family(empty, "t", "r", "note", style).axes[0]
    [reason] = [text.get_text() for text in ax.texts if text.get_text().startswith("no data")]
    assert " ".join(reason.split()) == "no data: no correlation has enough values in common (largest n = 2)"
    assert ax.get_ylim() == (-1.0, 1.0)  # a readable axis, not a collapsed one


def test_palettes_come_from_matplotlib_or_seaborn_by_name():
    import matplotlib
    import seaborn as sns

    from valueprefs.figures.plots import palette_colors

    blue, orange = palette_colors("tableau-colorblind10", 2)  # the default: base blue, instruct orange
    assert matplotlib.colors.to_hex(blue) == "#006ba4" and matplotlib.colors.to_hex(orange) == "#ff800e"
    assert palette_colors("Set1", 3) == list(matplotlib.colormaps["Set1"].colors[:3])
    assert palette_colors("muted", 2) == list(sns.color_palette("muted", 2))
    assert len(palette_colors("Dark2", 12)) == 12  # more colours than the map has: it repeats


def test_the_mean_over_families_takes_its_interval_from_the_headline_replicates():
    import pandas as pd

    from valueprefs.analysis.stats import interval
    from valueprefs.figures.figure_data import figure_data
    from valueprefs.figures.registry import BY_NUMBER

    rows = pd.DataFrame(
        [
            {"key": "between_k/dd/5/10", "analysis": "between_k", "dataset": "dd", "k": 5, "k2": 10,
             "model": model, "alignment": "instruct", "r": r, "p": 0.01, "n": 50, "ci_low": 0, "ci_high": 1,
             "consistency": c, "consistency_low": c - 0.2, "consistency_high": c + 0.2, "consistency_p": 0.02}
            for model, r, c in (("a", 0.5, 0.8), ("b", 0.3, 0.6))
        ]
    )  # fmt: skip
    draws = {"a": [0.7, 0.8, 0.9], "b": [0.4, 0.6, 0.8]}
    replicates = {(m, "instruct", "between_k/dd/5/10/consistency"): d for m, d in draws.items()}
    replicates |= {(m, "instruct", "between_k/dd/5/10"): [0.0, 0.5, 1.0] for m in draws}  # the paper's r: not used
    mean = figure_data(BY_NUMBER["05a"], {"dataset": "dd", "k": None}, rows, replicates).iloc[0]
    assert mean["r"] == pytest.approx(0.7) and mean["paper_r"] == pytest.approx(0.4)
    assert (mean["ci_low"], mean["ci_high"]) == pytest.approx(interval(np.array([0.55, 0.7, 0.85]), 0.7))


def test_the_mean_over_families_leaves_controls_out_and_shows_each_beside_it():
    """Controls plant different truths, so averaging them is meaningless: the families' mean is
    over the real families only and each control is shown apart, marked; with controls only,
    the figure shows the controls rather than nothing."""
    import pandas as pd

    from valueprefs.figures.figure_data import figure_data
    from valueprefs.figures.registry import BY_NUMBER

    def row(model, r):
        return {"key": "between_k/dd/3/5", "analysis": "between_k", "dataset": "dd", "k": 3, "k2": 5, "model": model,
                "alignment": "instruct", "r": r, "p": 0.5, "n": 9, "ci_low": r - 0.1, "ci_high": r + 0.1}  # fmt: skip

    rows = pd.DataFrame([row("a", 0.2), row("b", 0.4), row("control-consistent", 0.9), row("control-null", 0.0)])
    controls = ("control-consistent", "control-null")
    found = figure_data(BY_NUMBER["05a"], {"dataset": "dd", "k": None}, rows, {}, controls).set_index("model")
    assert list(found.index) == ["mean over families", "control-consistent", "control-null"]
    assert found.loc["mean over families", "r"] == pytest.approx(0.3) and found.loc["mean over families", "n"] == 2
    assert list(found["control"]) == [False, True, True] and found.loc["control-null", "r"] == 0.0
    only = figure_data(BY_NUMBER["05a"], {"dataset": "dd", "k": None}, rows.iloc[2:], {}, controls)
    assert list(only["model"]) == list(controls) and only["control"].all()
