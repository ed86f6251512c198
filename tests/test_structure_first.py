"""Structure first, judge where needed (annotation.structure_first): a clean numbered list of
the k arguments asked for is split without a call; every answer with a doubt goes to the
judge, and a server that counts what it received sees exactly those; the cost estimate and the
run summary count both paths."""

import json

import pytest
from servers import ScriptedChatServer
from test_annotation import SETTINGS, run

from valueprefs.annotation.structure import clean_list

from conftest import model_entry

CLEAN = (
    "I would report it.\n1. Honesty builds trust.\n2. Owning a mistake is responsible,\n   and others learn.\n"
    "3. Silence harms."
)


@pytest.mark.parametrize(
    ("text", "k", "expected"),
    [
        (CLEAN, 3, ["Honesty builds trust.", "Owning a mistake is responsible, and others learn.", "Silence harms."]),
        ("1) One.\n2) Two.", 2, ["One.", "Two."]),
        ("\n\n1. One.\n2. Two.\n\n", 2, ["One.", "Two."]),
    ],
)
def test_a_clean_numbered_list_of_k_is_split_by_structure(text, k, expected):
    assert clean_list(text, k) == expected


@pytest.mark.parametrize(
    ("text", "k", "why"),
    [
        (
            "Honesty matters because trust is hard to rebuild. Lying costs more.\n1. A.\n2. B.",
            2,
            "a preamble that argues",
        ),
        ("Honesty matters:\nit builds trust.\n1. A.\n2. B.", 2, "a preamble of two lines"),
        ("1. A.\n2. B.\n4. C.", 3, "a missing number"),
        ("1. A.\n2. B.\n3. C.\n4. D.\n5. E.", 3, "k + 2 items"),
        ("1. A.\n2. B.", 3, "fewer items than asked"),
        ("1. A.\n1. B.\n2. C.", 3, "a repeated number"),
        ("1. A.\n2) B.", 2, "two numbering styles"),
        ("1. A.\n2.  \n3. C.", 3, "an empty item"),
        ("1. A.\n2. B.\n\nIn the end, honesty wins because it lasts.", 2, "a closing paragraph"),
        ("- A.\n- B.", 2, "bullets"),
        ("1. A. 2. B.", 2, "numbers inside one line"),
        ("I would do it for three reasons, honesty first.", 1, "no list"),
    ],
)
def test_an_answer_with_any_doubt_goes_to_the_judge(text, k, why):
    assert clean_list(text, k) is None, why


def extraction_judge(messages):
    return '[{"argument": "Judged one."}, {"argument": "Judged two."}]'


def test_only_the_unclear_answers_reach_the_judge_and_both_paths_are_counted(tmp_path):
    rows = [
        {"item_id": "demo-01", "sample": 0, "status": "ok", "k": 3, "task": "long_k3", "text": CLEAN},
        {"item_id": "demo-02", "sample": 0, "status": "ok", "k": 3, "task": "long_k3",
         "text": "Trust matters because it is hard to rebuild. Also, lies spread.\n1. A.\n2. B.\n3. C."},
        {"item_id": "demo-03", "sample": 0, "status": "ok", "k": 3, "task": "long_k3", "text": "1. A.\n2. B."},
    ]  # fmt: skip
    settings = {**SETTINGS, "structure_first": True, "specificity": []}
    with ScriptedChatServer(extraction_judge) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        judge["steps"] = ["arguments"]
        offline = {"name": "offline", "backend": "offline", "steps": ["values"]}
        summary, arguments, labels = run(tmp_path, [judge, offline], settings, rows=rows)
        sent = [request["body"]["messages"][0]["content"] for request in server.requests]
    assert len(sent) == 2 and not any("Honesty builds trust" in prompt for prompt in sent)
    by_item = {}
    for argument in arguments:
        by_item.setdefault(argument["item_id"], []).append(argument["argument"])
    assert by_item["demo-01"] == ["Honesty builds trust.", "Owning a mistake is responsible, and others learn.",
                                  "Silence harms."]  # fmt: skip
    assert by_item["demo-02"] == by_item["demo-03"] == ["Judged one.", "Judged two."]
    extraction = [label for label in labels if label["step"] == "arguments"]
    assert [label.get("by") for label in extraction] == ["structure", None, None]
    assert summary["split_by_structure"] == 1 and summary["judge_calls"] == 2 == summary["spent"]["gpt-4o"]["requests"]


def test_the_cost_estimate_leaves_out_extraction_calls_of_clean_lists(tmp_path):
    from valueprefs.annotation.cost import estimate_costs
    from valueprefs.data.demo import demo_vocabulary
    from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths

    responses = tmp_path / "long_k3.jsonl"
    rows = [{"sample": 0, "status": "ok", "k": 3, "text": text} for text in (CLEAN, "Because.\n\nSo.", "1. A.\n2. B.")]
    responses.write_text("".join(json.dumps(row) + "\n" for row in rows))
    judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "steps": ["arguments"]}
    templates = Templates(default_template_paths(JUDGE_TEMPLATE_NAMES))
    vocabulary = list(demo_vocabulary()["value"])
    calls = {}
    for first in (False, True):
        settings = {**SETTINGS, "structure_first": first, "specificity": []}
        table = estimate_costs([str(responses)], vocabulary, [judge], settings, templates, {}, str(tmp_path))
        calls[first] = int(table.set_index("step").loc["arguments", "calls"])
    assert calls == {False: 3, True: 2}
