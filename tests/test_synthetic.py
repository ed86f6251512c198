"""The synthetic model and judge: every template of the workflow is recognized and answered in
the format its parser reads; an edited template fails naming itself; and planted parameters come
back out of whole in-process control studies (known answers, no reading of our own outputs)."""

import json
from dataclasses import replace

import numpy as np
import pytest

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study
from valueprefs.analysis.inputs import Settings
from valueprefs.annotation.parsing import parse_level, parse_numbered_scores, parse_score_json
from valueprefs.data.generated import generated_dilemmas
from valueprefs.decisions import decision
from valueprefs.errors import ConfigError
from valueprefs.io import read_csv, write_csv
from valueprefs.prompts import (
    JUDGE_TEMPLATE_NAMES,
    TEMPLATE_NAMES,
    Templates,
    batched_specificity_prompt,
    batched_value_prompt,
    default_template_paths,
    few_shot_short_form,
    long_form_prompt,
    recognition_prompt,
    short_form_prompt,
    standardize_prompt,
    value_prompt,
)
from valueprefs.synthetic.behaviour import ControlParams, latents
from valueprefs.synthetic.engine import SyntheticEngine
from valueprefs.synthetic.recognize import TemplateRecognizer, UnrecognizedPrompt
from valueprefs.synthetic.truth import read_truth, truth_table
from valueprefs.synthetic.world import World

VALUES = [f"value{i:02d}" for i in range(40)]
PLANTED = dict(latent_seed=1, consistency=1.0, noise=0.5, position_bias=0.0, explicit_shift=0.0)
PLANTED |= dict(specificity=-0.8, diversity=2.0, recognition_recall=0.7)


def templates() -> Templates:
    return Templates.from_files(default_template_paths(TEMPLATE_NAMES + JUDGE_TEMPLATE_NAMES))


@pytest.fixture(scope="module")
def world():
    items = generated_dilemmas(VALUES, 30, seed=0).to_dict("records")
    found = World(VALUES)
    found.add_items([*items, {"situation_id": "s1", "situation": "A neighbour asks a favour.", "values": VALUES[:3]}])
    return found, items


def test_every_template_is_recognized_and_answered_in_the_format_its_parser_reads(world):
    found, items = world
    texts = templates()
    model = SyntheticEngine(texts, ControlParams(**PLANTED), found)
    judge = SyntheticEngine(texts)
    item = items[0]
    prompts = {
        "short_form": short_form_prompt(texts, item),
        "short_form swapped": short_form_prompt(texts, item, swapped=True),
        "short_form explicit": short_form_prompt(texts, item, explicit=True),
        "short_form few-shot": few_shot_short_form(texts, item, items, 3, 0),
    }
    for name, prompt in prompts.items():
        assert decision(model.answer(prompt), swapped="swapped" in name) in {"to_do", "not_to_do"}, name
    long = model.answer(long_form_prompt(texts, item["situation"], 4))
    extracted = json.loads(judge.answer(texts.render("extract_arguments", text=long)))
    assert len(extracted) == 4
    argument = extracted[0]["argument"]
    named = judge.answer(value_prompt(texts, VALUES, argument)).split(":", 1)[1]
    assert {name.strip() for name in named.split(",")} <= set(VALUES) and named.strip()
    batched = judge.answer(batched_value_prompt(texts, VALUES, [a["argument"] for a in extracted]))
    assert [line.split(":")[0] for line in batched.splitlines()] == ["1", "2", "3", "4"]
    assert parse_level(judge.answer(texts.render("specificity_path", argument=argument))).value in range(1, 6)
    attribute = json.loads(judge.answer(texts.render("specificity_attribute", argument=argument)))
    assert attribute["score"] in range(1, 6)
    texts_of = [a["argument"] for a in extracted]
    for template, parse in (("specificity_path", parse_level), ("specificity_attribute", parse_score_json)):
        rated = parse_numbered_scores(judge.answer(batched_specificity_prompt(texts, template, texts_of)), 4, parse)
        assert rated.ok and len(rated.value) == 4, template
    assert judge.answer(standardize_prompt(texts, VALUES, "Value03s")) == "value03"
    recognized = model.answer(recognition_prompt(texts, "A neighbour asks a favour.", VALUES))
    assert set(recognized.split(", ")) <= set(VALUES[:3]) or recognized == "none of them"
    assert model.answer(recognition_prompt(texts, "A neighbour asks a favour.", None))
    names = {TemplateRecognizer(texts).recognize(prompt).template for prompt in prompts.values()}
    assert names == {"short_form"}


def test_an_edited_template_fails_naming_it():
    texts = templates()
    without_k = replace(texts, texts={**texts.texts, "long_form": texts.texts["long_form"].replace("{k}", "some")})
    with pytest.raises(ConfigError, match=r"'long_form'.*no k placeholder"):
        SyntheticEngine(without_k)
    reworded = replace(texts, texts={**texts.texts, "long_form": "Argue about {question} in {k} points."})
    with pytest.raises(UnrecognizedPrompt, match=r"matches none of the templates.*long_form"):
        SyntheticEngine(reworded).answer(long_form_prompt(texts, "Should I go?", 3))


def test_a_model_prompt_to_a_judge_and_an_unknown_dilemma_are_errors(world):
    found, items = world
    texts = templates()
    with pytest.raises(ValueError, match="needs a synthetic model"):
        SyntheticEngine(texts).answer(short_form_prompt(texts, items[0]))
    stranger = {**items[0], "situation": "A dilemma nobody gave it."}
    with pytest.raises(ValueError, match="no dilemma"):
        SyntheticEngine(texts, ControlParams(**PLANTED), found).answer(short_form_prompt(texts, stranger))


def test_answers_are_deterministic_per_seed_and_vary_between_samples(world):
    found, items = world
    texts = templates()
    model = SyntheticEngine(texts, ControlParams(**PLANTED), found)
    prompt = long_form_prompt(texts, items[1]["situation"], 5)
    assert model.answer(prompt, 0.9, 7) == model.answer(prompt, 0.9, 7)
    assert model.answer(prompt) == model.answer(prompt, 0.0, 99)  # greedy ignores the seed
    assert len({model.answer(prompt, 0.9, seed) for seed in range(5)}) > 1


def test_the_truth_table_round_trips_and_its_latents_have_the_planted_correlation(tmp_path):
    for rho in (1.0, 0.0, -0.5):
        params = ControlParams(**{**PLANTED, "consistency": rho})
        write_csv(tmp_path / "truth.csv", truth_table(params, [f"v{i}" for i in range(50)]))
        table = read_csv(tmp_path / "truth.csv")  # as the analysis reads it: every cell a string
        read, truth = read_truth(table, list(table["value"]))
        assert read == params
        assert np.corrcoef(truth["short_latent"], truth["long_latent"])[0, 1] == pytest.approx(rho, abs=1e-9)
    with pytest.raises(ValueError, match="not the vocabulary"):
        read_truth(table, list(table["value"])[::-1])


SETTINGS = Settings(
    bootstrap=60,
    resampling="bootstrap",
    seed=0,
    preference_sample=0,
    temperature_samples=[1],
    reference_dataset=None,
    compression_replicates=0,
    compression_subset_size=5,
    compression_subsets=10,
    specificity=[],
    estimator="trueskill",
    reliability_splits=8,
    min_evidence=1,
)


def study_rows(n_items=150, **planted):
    params = ControlParams(**{**PLANTED, **planted})
    rows = analyze_run(control_study(params, VALUES, n_items, [4], 1, seed=5), SETTINGS)[0]
    return rows.set_index("key")


def test_position_bias_and_explicit_shift_come_back_as_planted():
    """Known answers: with position bias b, 1 - b of decisions survive a swapped order; a shift s
    of decisions when the values are revealed leaves 1 - s unchanged."""
    rows = study_rows(position_bias=0.3, explicit_shift=0.0)
    swap = rows.loc["control_order_swap/dilemmas/fraction"]
    assert swap["expected"] == pytest.approx(0.7)
    assert swap["ci_low"] <= 0.7 <= swap["ci_high"] and swap["passed"]
    assert "control_explicit/dilemmas/fraction" not in rows.index  # no exact expectation under a position bias
    rows = study_rows(position_bias=0.0, explicit_shift=0.25)
    explicit = rows.loc["control_explicit/dilemmas/fraction"]
    assert explicit["ci_low"] <= 0.75 <= explicit["ci_high"] and explicit["passed"]
    assert rows.loc["control_order_swap/dilemmas/fraction", "r"] == 1.0


def test_consistent_and_inconsistent_controls_are_told_apart():
    """250 dilemmas: at 150 the rho = 0 check of this seed misses (it passes in 86-88% of
    studies of 200, bench/RESULTS.md), a check that can fail as it should."""
    consistent = study_rows(250, consistency=1.0).loc["control_consistency/dilemmas/4"]
    inconsistent = study_rows(250, consistency=0.0).loc["control_consistency/dilemmas/4"]
    assert consistent["passed"] and inconsistent["passed"]
    assert consistent["ci_low"] > inconsistent["ci_high"]
    assert inconsistent["ci_low"] <= 0 <= inconsistent["ci_high"]
    assert consistent["planted"] == pytest.approx(1.0) and inconsistent["planted"] == pytest.approx(0.0, abs=1e-9)


def test_a_control_check_fails_when_the_measurement_is_wrong():
    """The checks can fail: a consistent model checked against the truth of an inconsistent one
    (a mislabelled control) fails, because its short and long answers agree while the truth
    says they should not."""
    params = ControlParams(**{**PLANTED, "consistency": 1.0})
    inputs = control_study(params, VALUES, 150, [4], 1, seed=5)
    short, long = latents(ControlParams(**{**PLANTED, "consistency": 0.0}), len(VALUES))
    inputs.truth = {"short_latent": short, "long_latent": long}
    row = analyze_run(inputs, SETTINGS)[0].set_index("key").loc["control_consistency/dilemmas/4"]
    assert abs(row["expected"]) < 0.1 < row["ci_low"] and not row["passed"]
