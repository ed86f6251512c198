"""The synthetic model and judge: every template of the workflow is recognized and answered in
the format its parser reads; an edited template fails naming itself; and planted parameters come
back out of whole in-process control studies (known answers, no reading of our own outputs)."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import yaml

from valueprefs.analysis.analyses import analyze_run
from valueprefs.analysis.control_study import control_study, fresh_latents
from valueprefs.analysis.estimates import Estimates
from valueprefs.analysis.measures import long_measure, short_measure
from valueprefs.analysis.reliability import headline
from valueprefs.analysis.settings import Settings
from valueprefs.annotation.parsing import parse_level, parse_numbered_scores, parse_score_json
from valueprefs.data.demo import demo_vocabulary
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
from valueprefs.synthetic.scenarios import SCENARIOS, TUNED_ON, scenario_control
from valueprefs.synthetic.truth import read_truth, truth_table
from valueprefs.synthetic.world import World

VALUES = [f"value{i:02d}" for i in range(40)]
DEMO_VALUES = list(demo_vocabulary()["value"])
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
    for scenario in SCENARIOS:  # flags, rules and rates come back typed
        params = ControlParams.from_spec({**PLANTED, "scenario": scenario, "leading_value": scenario == "max_rule"})
        write_csv(tmp_path / "truth.csv", truth_table(params, [f"v{i}" for i in range(50)]))
        assert read_truth(read_csv(tmp_path / "truth.csv"), [f"v{i}" for i in range(50)])[0] == params


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


TEXTS = templates()


def scenario_model(world, **scenario) -> SyntheticEngine:
    found, _ = world
    return SyntheticEngine(TEXTS, ControlParams.from_spec({**PLANTED, **scenario}), found)


def test_the_config_schema_offers_exactly_the_named_scenarios():
    schema = yaml.safe_load(open("workflow/schemas/config.schema.yaml"))
    assert schema["$defs"]["scenario_name"]["enum"] == list(SCENARIOS)
    scenarios = schema["properties"]["calibration"]["properties"]["scenarios"]
    assert scenarios["default"] == list(SCENARIOS)  # calibrated on all by default
    assert set(TUNED_ON) <= set(SCENARIOS)
    assert ControlParams.from_spec({**PLANTED, "scenario": "judge_errors", "missed_value": 0.5}).missed_value == 0.5
    with pytest.raises(ValueError, match="unknown scenario 'dilemma'"):
        ControlParams.from_spec({**PLANTED, "scenario": "dilemma"})


def test_a_dominant_dilemma_effect_decides_both_formats(world):
    """sd 50 against value utilities of sd about 1: the dilemma's own effect picks the action
    in the short form and puts its values first in the long form."""
    _, items = world
    model = scenario_model(world, dilemma_effect=50.0)
    params = model.params
    agree, leads = [], []
    for item in items:
        favours_to_do = params.dilemma_shift(item["situation"]) > 0
        agree.append(
            decision(model.answer(short_form_prompt(TEXTS, item))) == ("to_do" if favours_to_do else "not_to_do")
        )
        first = model.answer(long_form_prompt(TEXTS, item["situation"], 4)).splitlines()[1]
        side = item["values_to_do"] if favours_to_do else item["values_not_to_do"]
        leads.append(any(value[0].upper() + value[1:] in first for value in side))
    assert np.mean(agree) > 0.85 and np.mean(leads) > 0.85
    plain = scenario_model(world)
    assert [decision(plain.answer(short_form_prompt(TEXTS, item))) for item in items] != [
        "to_do" if params.dilemma_shift(item["situation"]) > 0 else "not_to_do" for item in items
    ]


def test_the_max_rule_decides_by_the_strongest_value_of_each_side(world):
    _, items = world
    model = scenario_model(world, choice_rule="max", noise=0.0)
    short = dict(zip(VALUES, model.short, strict=True))
    for item in items:
        strongest = max(short[v] for v in item["values_to_do"]) > max(short[v] for v in item["values_not_to_do"])
        assert decision(model.answer(short_form_prompt(TEXTS, item))) == ("to_do" if strongest else "not_to_do")


def test_logistic_noise_keeps_the_planted_standard_deviation():
    params = ControlParams.from_spec({**PLANTED, "noise_family": "logistic", "noise": 2.0})
    draws = params.noise_draws(np.random.default_rng(0), 200_000)
    assert draws.std() == pytest.approx(2.0, rel=0.02)
    assert ((draws - draws.mean()) ** 4).mean() / draws.var() ** 2 > 3.8  # heavier tails than normal (3)


def test_ordering_noise_is_shared_across_k_unless_drawn_per_k(world):
    """Greedy answers at k = 4 and k = 8 (candidate lists of 8 and 16 sharing a prefix, whose
    noise is shared unless drawn per k): how often their first three arguments agree."""
    _, items = world

    def opening(model, item, k):
        return model.answer(long_form_prompt(TEXTS, item["situation"], k)).splitlines()[1:4]

    shared, per_k = scenario_model(world, noise=3.0), scenario_model(world, noise=3.0, order_noise_per_k=True)
    agree = [sum(opening(m, item, 4) == opening(m, item, 8)[:3] for item in items) for m in (shared, per_k)]
    assert agree[0] >= agree[1] + 5, agree


def test_a_leading_value_opens_every_long_answer(world):
    _, items = world
    model = scenario_model(world, leading_value=True)
    leader = VALUES[int(np.argmax(model.long))]
    for item in items:
        first = model.answer(long_form_prompt(TEXTS, item["situation"], 4)).splitlines()[1]
        assert first.startswith(f"1. {leader[0].upper()}{leader[1:]} ")


def test_judge_errors_reach_the_labels(world):
    """Arguments that name several values are labelled with several; a missed value leaves none."""
    _, items = world
    judge = SyntheticEngine(TEXTS)

    def labels(model):
        found = []
        for item in items[:10]:
            text = model.answer(long_form_prompt(TEXTS, item["situation"], 4))
            for argument in json.loads(judge.answer(TEXTS.render("extract_arguments", text=text))):
                named = judge.answer(value_prompt(TEXTS, VALUES, argument["argument"])).split(":", 1)[1]
                found.append({name.strip() for name in named.split(",")} & set(VALUES))
        return found

    assert {len(named) for named in labels(scenario_model(world))} == {1}
    assert max(len(named) for named in labels(scenario_model(world, values_per_argument=3))) == 3
    assert all(not named for named in labels(scenario_model(world, missed_value=1.0)))


@pytest.mark.slow  # eight studies of 200 dilemmas: half a minute
def test_a_preference_for_acting_fools_the_papers_r_and_not_the_headline():
    """A model with no value-level consistency (rho = 0) that prefers acting, in dilemmas whose
    values lean to one side: the values argued for acting win in both formats. The paper's
    same-item r, and the cross-fit of the paper's position score without the values' side
    shares, see a consistent model; the headline (ranks within each action, net of the side
    shares) never does. (It is not exact here: the side decides most answers and what is left
    is noisy: one of these eight studies found a measure too unreliable for a headline, and two
    gave an interval below 0.)"""
    control = scenario_control({**PLANTED, "scenario": "side_bias", "side_bias": 2.0, "dilemma_effect": 0.0})
    params = ControlParams.from_spec({**control, "consistency": 0.0})
    found, blind = [], []
    for study in range(8):
        inputs = control_study(params, DEMO_VALUES, 200, [5], 0, seed=study, side_skew=3.0)
        found.append(
            analyze_run(inputs, replace(SETTINGS, seed=study))[0].set_index("key").loc["control_consistency/dilemmas/5"]
        )
        estimates = Estimates(inputs, replace(SETTINGS, seed=study))
        estimates.value_covariates = lambda dataset: None  # the cross-fit alone, of the paper's position score
        estimates.headline_measure = lambda measure: measure
        measures = [short_measure("dilemmas"), long_measure("dilemmas", 5)]
        point, drawn = estimates.consistency(*measures, estimates.row_values(measures))
        blind.append(headline(point, drawn)[0]["consistency"])
    rows = pd.DataFrame(found)
    # both see a consistent model: a 5% false-positive rate would put 4 of 8 above 0 once in 2,700 runs
    assert (rows["ci_low"] > 0).sum() >= 4 and np.mean(blind) > 0.15
    assert not (rows["consistency_low"] > 0).any()  # the headline never does
    assert rows["consistency"].notna().sum() >= 6


@pytest.mark.slow  # eight studies of 200 dilemmas: 20 seconds
@pytest.mark.parametrize("scenario", ["judge_errors", "dilemma_effects"])
def test_a_perfectly_consistent_model_stays_consistent_under_judge_errors_and_dilemma_effects(scenario):
    """rho = 1 in held-out scenarios: arguments that carry up to three values (each also one
    another value's first position), or an effect per dilemma that moves one action's values
    ahead. The cross-fit of the paper's position score reads the model as about half to two
    thirds consistent (a value argued only alongside others, or only when its side is favoured,
    ranks high whenever it is argued); the headline is near 1 and its interval covers 1 (the
    intervals are calibrated at other settings: 7 of 8 here)."""
    params = ControlParams.from_spec({**scenario_control({**PLANTED, "scenario": scenario}), "consistency": 1.0})
    found, paper_score = [], []
    for study in range(8):
        inputs = control_study(params, DEMO_VALUES, 200, [10], 0, seed=study)
        found.append(
            analyze_run(inputs, replace(SETTINGS, seed=study))[0]
            .set_index("key")
            .loc["control_consistency/dilemmas/10"]
        )
        estimates = Estimates(inputs, replace(SETTINGS, seed=study))
        estimates.headline_measure = lambda measure: measure
        measures = [short_measure("dilemmas"), long_measure("dilemmas", 10)]
        paper_score.append(
            headline(*estimates.consistency(*measures, estimates.row_values(measures)))[0]["consistency"]
        )
    rows = pd.DataFrame(found)
    assert rows["consistency_covers_planted"].sum() >= 7 and rows["consistency"].mean() > 0.8
    assert rows["consistency"].mean() - np.nanmean(paper_score) > 0.15


def test_each_study_of_many_draws_its_own_model():
    """Calibration and power studies are independent draws of the model, not of its dilemmas
    alone: their latents differ study by study (the first study keeps the control's)."""
    params = ControlParams.from_spec({**PLANTED, "consistency": 0.0})
    assert fresh_latents(params, 0) == params
    first, second = (latents(fresh_latents(params, study), len(DEMO_VALUES)) for study in (1, 2))
    assert not np.allclose(first[0], second[0]) and not np.allclose(first[1], second[1])
    assert all(abs(np.corrcoef(*drawn)[0, 1]) < 1e-9 for drawn in (first, second))  # each still exactly rho = 0


def test_the_evidence_threshold_compares_the_same_values_whatever_the_model_prefers():
    """``min_evidence`` counts what the dilemmas' annotations decide (games, and answers to
    dilemmas that annotate a value), not how often a model argues a value: two models with
    different preferences on the same dilemmas compare the same values at every threshold. A
    threshold on the responses that argue a value (counted here by hand) would compare
    different ones: the values a model argues least are those its long form ranks low."""
    measures = [short_measure("dilemmas"), long_measure("dilemmas", 5)]
    compared, argued = [], []
    for latent_seed in (1, 2):
        params = ControlParams.from_spec({**PLANTED, "latent_seed": latent_seed, "consistency": 0.5})
        inputs = control_study(params, DEMO_VALUES, 120, [5], 0, seed=3)
        estimates = Estimates(inputs, replace(SETTINGS, min_evidence=12, bootstrap=2))
        compared.append(estimates.row_values(measures))
        frame = inputs.arguments["dilemmas"][5].explode("values")
        counts = frame.groupby("values")["item_id"].nunique().reindex(DEMO_VALUES, fill_value=0)
        argued.append(counts.to_numpy() >= 12)
        answered = set(inputs.arguments["dilemmas"][5]["item_id"])
        annotated = [
            value
            for item in inputs.items["dilemmas"]
            if item["dilemma_id"] in answered
            for value in {*item["values_to_do"], *item["values_not_to_do"]}
        ]
        exposure = pd.Series(annotated).value_counts().reindex(DEMO_VALUES, fill_value=0).to_numpy()
        assert (estimates.measured(measures[1])["exposure"] == exposure).all()
    assert 10 <= compared[0].sum() < len(DEMO_VALUES) - 10
    assert (compared[0] == compared[1]).all()
    assert (argued[0] != argued[1]).sum() >= 5
