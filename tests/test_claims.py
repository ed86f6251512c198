"""The scorecard of the paper's claims (valueprefs.analysis.claims): verdicts from intervals by
hand, untestable claims naming the key to set, controls kept apart from the study's models, and
a synthetic pair whose alignment gain is planted."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_comparisons import row, two_families
from test_synthetic import PLANTED, SETTINGS

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.claims import CLAIMS, claims_table, judge
from valueprefs.analysis.control_study import control_study
from valueprefs.data.demo import demo_vocabulary
from valueprefs.synthetic.behaviour import ControlParams


def test_verdicts_follow_the_interval():
    assert judge("positive", 0.1, 0.4) == "supported" and judge("positive", -0.4, -0.1) == "contradicted"
    assert judge("positive", -0.1, 0.4) == "undecided" and judge("negative", -0.4, -0.1) == "supported"
    assert judge("negative", 0.05, 0.2) == "contradicted"
    assert judge("weak", -0.1, 0.25) == "supported" and judge("weak", 0.35, 0.6) == "contradicted"
    assert judge("weak", 0.1, 0.45) == "undecided" and judge("positive", float("nan"), 0.3) == "undecided"


def test_alignment_gain_of_two_families_is_supported_and_the_rest_named_untestable():
    """Instruct beats base by 0.3 and 0.5 in the two families (small shared-item noise): the
    alignment claim is supported at their mean, 0.4; with no k pairs, no questions data set and
    no recognition, those claims say which key would make them testable."""
    table, drawn = two_families()
    found = claims_table(table, drawn, {"dd": "dilemmas"}).set_index("claim")
    gain = found.loc["alignment_short_long"]
    assert gain["verdict"] == "supported" and gain["estimate"] == pytest.approx(0.4) and gain["parts"] == 2
    assert gain["runs"] == "models" and gain["section"] == "abstract (3), section 4.1"
    for claim, key in (("k_large_agree", "generation.k"), ("dilemmas_over_questions", "kind: questions")):
        assert found.loc[claim, "verdict"] == "untestable" and key in found.loc[claim, "needs"]
    assert set(found.index) == {claim.name for claim in CLAIMS}


def test_without_base_models_alignment_claims_are_untestable():
    table, drawn = two_families()
    instruct = table[table["alignment"] == "instruct"]
    found = claims_table(instruct, drawn, {"dd": "dilemmas"}).set_index("claim")
    for claim in ("alignment_short_long", "alignment_temperature", "alignment_recognition"):
        assert found.loc[claim, "verdict"] == "untestable" and "base and instruct" in found.loc[claim, "needs"]
    assert found.loc["short_long_weak", "verdict"] != "untestable"


def test_a_statistic_that_could_not_be_estimated_leaves_the_claim_undecided_not_untestable():
    """Base and instruct are there, but no run had a headline (too unreliable): the config can
    test the claim, the data could not; ``needs`` says so."""
    table, drawn = two_families()
    table["consistency"] = float("nan")
    found = claims_table(table, drawn, {"dd": "dilemmas"}).set_index("claim").loc["alignment_short_long"]
    assert found["verdict"] == "undecided" and found["parts"] == 0 and "more items" in found["needs"]


def test_a_model_choosing_by_its_strongest_values_is_named_beside_its_short_form_claims():
    table, drawn = two_families()
    table["set_rule"] = "sum"
    assert (claims_table(table, drawn, {"dd": "dilemmas"})["caveat"].fillna("") == "").all()
    table.loc[(table["model"] == "n") & (table["alignment"] == "base"), "set_rule"] = "strongest"
    found = claims_table(table, drawn, {"dd": "dilemmas"}).set_index("claim")
    for claim in ("short_long_weak", "alignment_short_long"):
        assert found.loc[claim, "caveat"].startswith("n/base choose by each action's strongest value (set_rule)")
        assert "lower bound" in found.loc[claim, "caveat"]
    assert (found.drop(["short_long_weak", "alignment_short_long"])["caveat"].fillna("") == "").all()


def test_controls_are_scored_apart_from_the_models():
    table, drawn = two_families()
    control = [row("ctl", "instruct", r=0.9, consistency=0.9), row("ctl", "instruct", key="control_consistency/dd/5")]
    reps = [0.9, 0.8]
    drawn.append(
        {"model": "ctl", "alignment": "instruct", "key": control[0]["key"], "replicates": reps, "consistency": reps}
    )
    found = claims_table(pd.concat([table, pd.DataFrame(control)]), drawn, {"dd": "dilemmas"})
    weak = found[found["claim"] == "short_long_weak"].set_index("runs")
    assert set(weak.index) == {"models", "controls"}
    assert weak.loc["controls", "estimate"] == pytest.approx(0.9) and weak.loc["controls", "parts"] == 1
    assert weak.loc["controls", "ci_high"] == 1.0  # 0.9 + 1.96 x 0.07, kept within a correlation's bounds
    assert weak.loc["models", "parts"] == 4


def test_a_planted_alignment_gain_is_supported_and_a_planted_null_is_not():
    """A base control with rho 0.2 and an instruct one with rho 0.8 on the same 200 dilemmas: the
    alignment claim is supported. Two runs with the same rho (other latent draws): it is not."""
    values = list(demo_vocabulary()["value"])

    def scored(pair):
        tables, drawn = [], []
        for alignment, (rho, latent_seed) in pair.items():
            params = ControlParams.from_spec({**PLANTED, "consistency": rho, "latent_seed": latent_seed})
            rows, replicates, _ = analyze_run(
                control_study(params, values, 200, [5], 0, seed=4), replace(SETTINGS, seed=4)
            )
            run = {"model": "pair", "alignment": alignment}
            tables.append(rows.assign(**run))
            drawn += [{**run, **line} for line in replicates]
        table = pd.concat(tables, ignore_index=True)
        found = claims_table(table, drawn, {"dilemmas": "dilemmas"})
        return found[found["runs"] == "controls"].set_index("claim").loc["alignment_short_long"]

    gain = scored({"base": (0.2, 1), "instruct": (0.8, 1)})
    assert gain["verdict"] == "supported" and gain["estimate"] > 0.3 and gain["scheme"] == "paired"
    null = scored({"base": (0.5, 1), "instruct": (0.5, 2)})
    assert null["verdict"] == "undecided" and np.isfinite(null["estimate"])
