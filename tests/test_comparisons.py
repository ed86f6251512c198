"""The paper's comparisons as differences with intervals (valueprefs.analysis.comparisons):
hand computations on a small fixed table, Holm's adjustment by hand, and pairing on two real
control runs that answered the same dilemmas."""

from dataclasses import replace
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from test_synthetic import PLANTED, SETTINGS

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.comparisons import comparisons_table, holm
from valueprefs.analysis.control_study import control_study
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.behaviour import ControlParams

Z = NormalDist().inv_cdf(0.975)
KEY = "short_vs_long/dd/5"


def row(model, alignment, key=KEY, items="6:aa", **stats):
    analysis, dataset = key.split("/")[:2]
    k = int(key.split("/")[2]) if key.count("/") >= 2 else None
    base = {"model": model, "alignment": alignment, "key": key, "analysis": analysis, "dataset": dataset, "k": k}
    return {**base, "k2": None, "items": items, "n": 10, "consistency_n": 9, **stats}


def two_families(items_b="6:aa"):
    """Two families, base and instruct each, one short-vs-long row with both statistics, and
    fixed replicates (five per row)."""
    rng = np.random.default_rng(3)
    table, drawn = [], []
    for family, (base, instruct) in {"m": (0.2, 0.5), "n": (0.1, 0.6)}.items():
        shared = rng.normal(0, 0.2, 5)  # what the same items do to both runs
        for alignment, value in (("base", base), ("instruct", instruct)):
            items = items_b if alignment == "base" else "6:aa"
            table.append(row(family, alignment, r=value, consistency=value + 0.1, items=items))
            reps = value + shared + rng.normal(0, 0.02, 5)
            drawn.append({"model": family, "alignment": alignment, "key": KEY,
                          "replicates": list(reps), "consistency": list(reps + 0.1)})  # fmt: skip
    return pd.DataFrame(table), drawn


def test_differences_equal_hand_computations():
    table, drawn = two_families()
    found = comparisons_table(table, drawn, {"dd": "dilemmas"})
    paper = found[(found["statistic"] == "paper's statistic") & (found["comparison"] == "alignment")]
    reps = {(d["model"], d["alignment"]): np.array(d["replicates"]) for d in drawn}
    per_family = {}
    for family, expected in (("m", 0.3), ("n", 0.5)):
        line = paper.set_index("family").loc[family]
        differences = reps[(family, "instruct")] - reps[(family, "base")]
        sd = differences.std(ddof=1)
        assert line["estimate"] == pytest.approx(expected) and line["scheme"] == "paired"
        assert line["ci_low"] == pytest.approx(expected - Z * sd) and line["ci_high"] == pytest.approx(
            expected + Z * sd
        )
        assert line["p"] == pytest.approx(2 * (1 - NormalDist().cdf(expected / sd)))
        assert line["a"] == f"{family}/instruct: {KEY}" and line["n_a"] == 10
        per_family[family] = differences
    pooled = paper.set_index("family").loc["pooled"]
    mean = (per_family["m"] + per_family["n"]) / 2
    assert pooled["estimate"] == pytest.approx(0.4) and pooled["families"] == 2
    assert pooled["ci_high"] - pooled["ci_low"] == pytest.approx(2 * Z * mean.std(ddof=1))
    assert (paper["adjustment"] == "holm").all() and (paper["family_size"] == 3).all()
    assert list(paper["p_adjusted"]) == pytest.approx(list(holm(paper["p"].to_numpy())))
    headline = found[found["statistic"] == "headline consistency"].set_index("family")
    assert headline.loc["m", "estimate"] == pytest.approx(0.3) and headline.loc["m", "n_a"] == 9


def test_holm_by_hand():
    """Sorted 0.01, 0.03, 0.04 of three: 3 x 0.01, then max(0.03, 2 x 0.03), then max(0.06, 0.04)."""
    adjusted = holm(np.array([0.01, 0.04, 0.03, np.nan]))
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06]) and np.isnan(adjusted[3])
    assert holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])


def test_rows_on_other_items_are_independent_and_wider():
    """The same numbers, but base computed on other items: no replicate-by-replicate difference,
    the variances add, and what the shared items did no longer cancels."""
    paired, independent = (
        comparisons_table(*two_families(items), {"dd": "dilemmas"}).set_index(["statistic", "family"])
        for items in ("6:aa", "6:bb")
    )
    line = ("paper's statistic", "m")
    assert independent.loc[line, "scheme"] == "independent"
    assert independent.loc[line, "estimate"] == paired.loc[line, "estimate"]
    width = {name: t.loc[line, "ci_high"] - t.loc[line, "ci_low"] for name, t in (("p", paired), ("i", independent))}
    assert width["i"] > 3 * width["p"]


def test_k_and_data_set_comparisons():
    rows = [row("m", "instruct", key=f"between_k/dd/{a}/{b}", r=r) for (a, b), r in
            {(5, 10): 0.5, (5, 20): 0.4, (10, 20): 0.8}.items()]  # fmt: skip
    for line, (a, b) in zip(rows, [(5, 10), (5, 20), (10, 20)], strict=True):
        line.update(k=a, k2=b)
    rows += [row("m", "instruct", key="temperature/dd/5", r=0.7), row("m", "instruct", key="temperature/oq/5", r=0.3)]
    rows[-1]["items"] = "3:cc"
    drawn = [{"model": "m", "alignment": "instruct", "key": line["key"], "replicates": [line["r"], line["r"] + 0.1]}
             for line in rows]  # fmt: skip
    found = comparisons_table(pd.DataFrame(rows), drawn, {"dd": "dilemmas", "oq": "questions"})
    paper = found[found["statistic"] == "paper's statistic"].set_index("setting")
    assert paper.loc["k 10-20 minus k 5-10", "estimate"] == pytest.approx(0.3)
    assert paper.loc["k 10-20 minus k 5-20", "estimate"] == pytest.approx(0.4)
    assert paper.loc["k 5-20 minus k 5-10", "estimate"] == pytest.approx(-0.1)
    data = paper.loc["k 5"]
    assert data["dataset"] == "dd minus oq" and data["estimate"] == pytest.approx(0.4)
    assert data["scheme"] == "independent" and data["comparison"] == "dataset"


def test_two_runs_on_the_same_dilemmas_pair_and_narrow_the_interval():
    """A "base" control with rho 0.2 and an "instruct" one with rho 0.8 (same latent seed) answer
    the same 200 dilemmas: their rows carry the same items, the difference is paired, its
    interval narrower than the independent one of the same rows, and it sees the planted gap."""
    values = list(demo_vocabulary()["value"])
    tables = []
    for alignment, rho in (("base", 0.2), ("instruct", 0.8)):
        params = ControlParams.from_spec({**PLANTED, "consistency": rho})
        inputs = control_study(params, values, 200, [5], 0, seed=4)
        rows, drawn, _ = analyze_run(inputs, replace(SETTINGS, seed=4))
        run = {"model": "control", "alignment": alignment}
        tables.append((rows.assign(**run), [{**run, **line} for line in drawn]))
    table = pd.concat([t for t, _ in tables], ignore_index=True)
    drawn = [line for _, lines in tables for line in lines]
    assert table.groupby("alignment")["items"].first().nunique() == 1
    found = comparisons_table(table, drawn, {"dilemmas": "dilemmas"}).set_index(["analysis", "statistic"])
    paired = found[found["comparison"] == "alignment"].loc[("short_vs_long", "headline consistency")]
    assert paired["scheme"] == "paired" and paired["ci_low"] > 0
    table.loc[table["alignment"] == "base", "items"] = "other items"
    independent = comparisons_table(table, drawn, {"dilemmas": "dilemmas"}).set_index(["analysis", "statistic"])
    loose = independent[independent["comparison"] == "alignment"].loc[("short_vs_long", "headline consistency")]
    assert loose["scheme"] == "independent" and loose["estimate"] == paired["estimate"]
    assert loose["ci_high"] - loose["ci_low"] > paired["ci_high"] - paired["ci_low"]
    controls = found[found["comparison"] == "controls"].loc[("short_vs_long", "headline consistency")]
    assert controls["a"].startswith("control/base") and controls["estimate"] == pytest.approx(-paired["estimate"])
    assert controls["ci_high"] < 0 and controls["scheme"] == "paired"  # the planted 0.2 and 0.8 told apart
