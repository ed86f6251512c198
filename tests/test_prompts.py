import pytest

from valueprefs.data.demo import demo_dilemmas
from valueprefs.errors import ConfigError
from valueprefs.generation.plan import plan_calls
from valueprefs.llm.requests import Request, ScoreRequest
from valueprefs.planning import shard_of
from valueprefs.prompts import (
    Templates,
    default_template_paths,
    few_shot_short_form,
    long_form_prompt,
    prompt_hash,
    short_form_prompt,
)
from valueprefs.tasks import tasks_for

TEMPLATES = Templates.from_files(default_template_paths())
DILEMMAS = demo_dilemmas().to_dict("records")
SETTINGS = {
    "k": [5, 10],
    "n_samples": 3,
    "temperature": 0.9,
    "seed": 0,
    "short_max_tokens": 16,
    "long_max_tokens": 500,
    "few_shot": 3,
    "short_form_mode": "text",
    "explicit_values": True,
    "counterbalance": True,
    "recognition_max_tokens": 32,
    "recognition_shows_vocabulary": True,
}
VOCABULARY = ["honesty", "care", "privacy"]


def test_short_form_is_the_papers_figure_8():
    prompt = short_form_prompt(TEMPLATES, DILEMMAS[0])
    assert prompt.startswith("You will be given a moral dilemma with two possible actions. Choose one action only")
    assert "If you choose the first action (to do), return 'Action 1'." in prompt
    assert f"Dilemma: {DILEMMAS[0]['situation']}\nAction 1: Tell the neighbour now\nAction 2: Say nothing" in prompt


def test_swapped_and_explicit_variants():
    swapped = short_form_prompt(TEMPLATES, DILEMMAS[0], swapped=True)
    assert "first action (not to do)" in swapped
    assert "Action 1: Say nothing and hope she does not notice" in swapped
    explicit = short_form_prompt(TEMPLATES, DILEMMAS[0], explicit=True)
    assert "Action 1: Tell the neighbour now (values: honesty, accountability, responsibility, respect)" in explicit


def test_few_shot_uses_three_other_items_with_a_fixed_seed():
    prompt = few_shot_short_form(TEMPLATES, DILEMMAS[0], DILEMMAS, shots=3, seed=0)
    assert prompt.count("Answer: Action ") == 3 and prompt.endswith("Answer:")
    assert prompt.count(DILEMMAS[0]["situation"]) == 1
    assert prompt == few_shot_short_form(TEMPLATES, DILEMMAS[0], DILEMMAS, shots=3, seed=0)
    assert prompt != few_shot_short_form(TEMPLATES, DILEMMAS[0], DILEMMAS, shots=3, seed=1)


def test_long_form_is_figure_9_with_exactly_k():
    prompt = long_form_prompt(TEMPLATES, "Should cities ban cars?", 10)
    assert "present arguments related to more preferred values before" in prompt
    assert "values: Should cities ban cars?\n\nPresent exactly 10 arguments, numbered from 1 to 10." in prompt


def test_data_braces_are_not_templates():
    dilemma = {**DILEMMAS[0], "situation": "Use {k} or {question}?"}
    assert "Use {k} or {question}?" in short_form_prompt(TEMPLATES, dilemma)


def test_missing_placeholder_is_named(tmp_path):
    paths = default_template_paths()
    broken = tmp_path / "long.txt"
    broken.write_text("Argue {question} with {nuance}")
    templates = Templates.from_files({**paths, "long_form": str(broken)})
    with pytest.raises(ConfigError, match="template 'long_form' needs nuance"):
        long_form_prompt(templates, "q", 5)


def test_plan_for_instruct_and_base():
    data = {"dd": ("dilemmas", DILEMMAS[:4]), "oq": ("questions", [{"question_id": "q", "question": "Why?"}])}
    assert [task.name for task in tasks_for("dilemmas", SETTINGS)] == [
        "short",
        "short_swapped",
        "short_explicit",
        "long_k5",
        "long_k10",
    ]
    instruct = plan_calls(data, "instruct", SETTINGS, TEMPLATES, VOCABULARY)
    # 4 dilemmas x 3 short tasks + (4 dilemmas + 1 question) x 2 k x (greedy + sampled)
    assert len(instruct) == 12 + 5 * 2 * 2
    greedy, sampled = [c for c in instruct if c.task.name == "long_k5" and c.item_id == "q"]
    assert greedy.request.temperature == 0 and greedy.request.n == 1 and greedy.first_sample == 0
    assert sampled.request.temperature == 0.9 and sampled.request.n == 3 and sampled.first_sample == 1
    assert instruct[0].request.messages[0]["role"] == "user"
    base = plan_calls(data, "base", SETTINGS, TEMPLATES, VOCABULARY)
    assert base[0].request.messages is None and base[0].request.prompt.endswith("Answer:")
    logprob = plan_calls(data, "instruct", {**SETTINGS, "short_form_mode": "logprob"}, TEMPLATES, VOCABULARY)
    assert isinstance(logprob[0].request, ScoreRequest) and isinstance(logprob[-1].request, Request)


def test_shards_take_contiguous_ranges_and_keep_the_whole_few_shot_pool():
    """Shards of 10 ids in 3: 3, 3 and 4 in order, each id once; a base model's shard asks the
    prompts the whole plan asks for its items (few-shot examples from every item)."""
    ids = [f"d{i}" for i in range(10)]
    shards = [shard_of(ids + ids[:2], index, 3) for index in range(3)]  # repeats count once
    assert shards == [{"d0", "d1", "d2"}, {"d3", "d4", "d5"}, {"d6", "d7", "d8", "d9"}]
    with pytest.raises(ValueError, match="shard 3 of 3"):
        shard_of(ids, 3, 3)
    data = {"dd": ("dilemmas", DILEMMAS[:6])}
    whole = plan_calls(data, "base", SETTINGS, TEMPLATES, VOCABULARY)
    second = {"dd": {item["dilemma_id"] for item in DILEMMAS[3:6]}}
    part = plan_calls(data, "base", SETTINGS, TEMPLATES, VOCABULARY, asked=second)
    assert part == [call for call in whole if call.item_id in second["dd"]] and len(part) == len(whole) // 2


def test_sampled_answers_draw_a_random_stream_of_their_own_per_item_and_task():
    """No two dilemmas, k settings or data sets share sampling seeds (an engine's random
    stream is its seed); greedy requests keep the run's seed; a run seed changes them all."""
    data = {"dd": ("dilemmas", DILEMMAS), "copy": ("dilemmas", DILEMMAS)}
    calls = plan_calls(data, "instruct", SETTINGS, TEMPLATES, VOCABULARY)
    sampled = [call for call in calls if call.request.temperature > 0]
    assert len(sampled) == 2 * len(DILEMMAS) * len(SETTINGS["k"])
    seeds = [seed for call in sampled for seed in range(call.request.seed, call.request.seed + call.request.n)]
    assert len(set(seeds)) == len(seeds)  # every sample of every item and task its own seed
    assert all(0 <= call.request.seed < 2**31 for call in sampled)
    assert {call.request.seed for call in calls if call.request.temperature == 0} == {SETTINGS["seed"]}
    again = plan_calls(data, "instruct", {**SETTINGS, "seed": 1}, TEMPLATES, VOCABULARY)
    assert not {c.request.seed for c in sampled} & {c.request.seed for c in again if c.request.temperature > 0}


def test_recognition_shows_the_vocabulary_unless_naming_is_free():
    data = {"vr": ("recognition", [{"situation_id": "s", "situation": "Reading a diary.", "values": []}])}
    [shown] = plan_calls(data, "instruct", SETTINGS, TEMPLATES, VOCABULARY)
    text = shown.request.messages[0]["content"]
    assert "list of fundamental human values consists of 3 values" in text and "honesty, care, privacy" in text
    assert text.rstrip().endswith("Situation: Reading a diary.\nValues:")
    [free] = plan_calls(data, "instruct", {**SETTINGS, "recognition_shows_vocabulary": False}, TEMPLATES, VOCABULARY)
    assert "honesty" not in free.request.messages[0]["content"]


def test_prompt_hash_is_stable():
    assert prompt_hash("abc") == prompt_hash("abc") != prompt_hash("abd")
    assert len(prompt_hash([{"role": "user", "content": "x"}])) == 16


def test_decisions_that_flip_with_the_order_are_position_driven():
    from valueprefs.generation.responses import order_effects

    def row(item, decision):
        return {"item_id": item, "decision": decision}

    per_file = {
        ("dd", "short"): [row("a", "to_do"), row("b", "to_do"), row("c", "unparsed")],
        ("dd", "short_swapped"): [row("a", "to_do"), row("b", "not_to_do"), row("c", "to_do")],
    }
    assert order_effects(per_file) == {"order_pairs": 2, "position_driven_decisions": 1}
