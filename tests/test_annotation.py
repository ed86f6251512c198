"""Annotation end to end: offline annotators, LLM judges over real OpenAI-compatible servers."""

import json

import pandas as pd
import pytest
from servers import LlamaServer, ScriptedServer

from valueprefs.annotation.agreement import judge_agreement, level_agreement, value_agreement
from valueprefs.annotation.jobs import annotate_step, merge_annotation
from valueprefs.data.demo import demo_vocabulary
from valueprefs.planning import active_steps
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, default_template_paths

from conftest import model_entry

SETTINGS = {
    "specificity": ["path", "attribute"],
    "specificity_samples": None,
    "value_batching": False,
    "embedding_threshold": 0.25,
    "max_arguments_per_k": 2,
    "exclude_truncated": False,
    "max_tokens": {"arguments": 512, "values": 48, "specificity": 48},
}
FIRST = "Yes.\n\n1. Honesty builds trust with her.\n2. Owning the mistake is responsible."
SECOND = "1. Keeping quiet avoids an awkward talk.\n2. She may never notice."
RESPONSES = [
    {"item_id": "demo-01", "sample": 0, "status": "ok", "text": FIRST},
    {"item_id": "demo-01", "sample": 1, "status": "ok", "text": SECOND},
    {"item_id": "demo-02", "sample": 0, "status": "failed", "error": "HTTP 500"},
]


def run(tmp_path, judges, settings=SETTINGS, name="run", rows=RESPONSES):
    """Every annotation step over files, then the merge, as the workflow's rules run them."""
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    vocabulary = tmp_path / "vocabulary.csv"
    demo_vocabulary().to_csv(vocabulary, index=False)
    out = tmp_path / name
    judging = {"judges": judges, "settings": settings, "templates": default_template_paths(JUDGE_TEMPLATE_NAMES),
               "cache_dir": str(tmp_path / "cache")}  # fmt: skip
    steps = active_steps(judges, settings)
    for step in steps:
        source = responses if step == "arguments" else out / "arguments.jsonl"
        outputs = {"labels": str(out / f"{step}.labels.jsonl"), "stats": str(out / f"{step}.stats.json")}
        if step == "arguments":
            outputs["arguments"] = str(out / "arguments.jsonl")
        annotate_step(step, str(source), str(vocabulary), judging, outputs)
    merged = {"arguments": "merged.jsonl", "labels": "labels.jsonl", "summary": "summary.json", "table": "table.csv"}
    summary = merge_annotation(
        str(responses), [str(out / "arguments.jsonl")],
        [str(out / f"{step}.labels.jsonl") for step in steps], [str(out / f"{step}.stats.json") for step in steps],
        judges, {name: str(out / file) for name, file in merged.items()},
    )  # fmt: skip
    read = {key: [json.loads(line) for line in open(out / f"{key}.jsonl")] for key in ("merged", "labels")}
    return summary, read["merged"], read["labels"]


OFFLINE = {"name": "offline", "backend": "offline", "steps": ["arguments", "values"]}


def test_offline_annotators_on_numbered_lists(tmp_path):
    summary, arguments, labels = run(tmp_path, [OFFLINE], {**SETTINGS, "specificity": [], "embedding_threshold": -1})
    assert summary["responses"] == 2 and summary["arguments"] == 4
    assert [a["argument"] for a in arguments[:2]] == [
        "Honesty builds trust with her.",
        "Owning the mistake is responsible.",
    ]
    assert [(a["position"], a["n_arguments"]) for a in arguments] == [(1, 2), (2, 2), (1, 2), (2, 2)]
    vocabulary = set(demo_vocabulary()["value"])
    assert all(set(a["values"]) <= vocabulary and len(a["values"]) == 5 for a in arguments)
    assert "honesty" in arguments[0]["values"] or "trust" in arguments[0]["values"]
    assert {label["step"] for label in labels} == {"arguments", "values"}


def test_cut_off_answers_can_be_left_out_and_are_counted(tmp_path):
    cut = {
        "item_id": "demo-03",
        "sample": 0,
        "status": "ok",
        "text": "1. Honesty matters and",
        "finish_reason": "length",
    }
    settings = {**SETTINGS, "specificity": [], "embedding_threshold": -1}
    kept, _, _ = run(tmp_path, [OFFLINE], settings, name="kept", rows=[*RESPONSES, cut])
    excluding = {**settings, "exclude_truncated": True}
    left_out, arguments, _ = run(tmp_path, [OFFLINE], excluding, name="left-out", rows=[*RESPONSES, cut])
    assert kept["arguments"] == 5 and kept["excluded_truncated"] == 0
    assert left_out["arguments"] == 4 and left_out["excluded_truncated"] == 1
    assert "demo-03" not in {a["item_id"] for a in arguments}
    assert left_out["responses"] == 3  # still counted as answered


READER = {"name": "reader", "backend": "synthetic", "model": "synthetic-judge"}
READER["steps"] = ["arguments", "values", "specificity"]
VARIED = [  # arguments of 1 to 4 sentences: the synthetic judge rates a level per sentence
    {"item_id": "demo-01", "sample": 0, "status": "ok", "text": "1. Honesty matters.\n2. It builds trust. It lasts."},
    {"item_id": "demo-02", "sample": 0, "status": "ok",
     "text": "1. Care comes first. Family needs it. Friends too. So do we.\n2. Rest helps. It heals. It restores."},
]  # fmt: skip


def test_batched_specificity_rates_as_one_call_per_argument_does_in_one_call_per_response(tmp_path):
    """The synthetic judge reads both protocols: the same levels for every argument and both
    prompts, with 2 calls per prompt (one per response) instead of 4 (one per argument)."""
    _, arguments, _ = run(tmp_path, [READER], rows=VARIED)
    batched, together, labels = run(tmp_path, [READER], {**SETTINGS, "specificity_batching": True}, "batched", VARIED)
    levels = [(a["specificity_path"], a["specificity_attribute"]) for a in arguments]
    assert levels == [(1, 1), (2, 2), (4, 4), (3, 3)]
    assert [(a["specificity_path"], a["specificity_attribute"]) for a in together] == levels
    calls = {
        name: json.loads((tmp_path / name / "specificity.stats.json").read_text())["meters"]["reader"]["completions"]
        for name in ("run", "batched")
    }
    assert calls == {"run": 2 * 4, "batched": 2 * 2}
    assert batched["judge_calls"] == 2 * 2  # extraction and values came from the cache
    rated = [label for label in labels if label["step"].startswith("specificity_")]
    assert len(rated) == 8 and all(label["batched"] for label in rated)
    assert sum(label["prompt_tokens"] > 0 for label in rated) == 4  # each call's tokens counted once


def scripted_judge(messages):
    """gpt-4o's part: well-formed answers, except a malformed first try on some prompts."""
    prompt = messages[0]["content"]
    repairing = len(messages) > 1
    if prompt.startswith("Extract all the arguments"):
        return '[{"argument": "Honesty builds trust."}, {"argument": "It is responsible."}]'
    if prompt.startswith("You will be given an argument"):
        return (
            "List supporting values: Honesty, Trust" if "Honesty" in prompt.split("Argument:")[-1] else "values: Zest"
        )
    if prompt.startswith("Analyze the given argument"):
        return "3" if repairing else "Quite specific."
    return '{"score": 4, "explanation": "clear"}' if not repairing else "still not json"


def test_llm_judge_with_repairs_and_failures_counted(tmp_path):
    with ScriptedServer(scripted_judge) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        judge["steps"] = ["arguments", "values", "specificity"]
        summary, arguments, labels = run(tmp_path, [judge])
        made = len(server.requests)
        again, _, _ = run(tmp_path, [judge], name="again")
        assert len(server.requests) == made and again["judge_calls"] == 0 and again["spent"]["gpt-4o"]["requests"] == 0
    # the counts are what the server saw: every request, and the usage it reported (10 + 5 each)
    assert summary["judge_calls"] == made == summary["spent"]["gpt-4o"]["requests"]
    assert summary["spent"]["gpt-4o"]["prompt_tokens"] == 10 * made
    assert summary["spent"]["gpt-4o"]["completion_tokens"] == 5 * made
    assert [a["argument"] for a in arguments] == ["Honesty builds trust.", "It is responsible."] * 2
    assert arguments[0]["values"] == ["honesty", "trust"] and arguments[1]["values"] == []
    assert arguments[0]["specificity_path"] == 3 and arguments[0]["specificity_attribute"] == 4
    statuses = summary["statuses"]
    assert statuses["gpt-4o/specificity_path/repaired"] == 4
    assert statuses["gpt-4o/values/failed"] == 2 and statuses["gpt-4o/values/ok"] == 2
    assert summary["failures"]["gpt-4o/values: none of the names are in the given list of values"] == 2
    failed = [label for label in labels if label["status"] == "failed"]
    assert failed and all(label["problem"] and len(label["raw"]) == 2 for label in failed)
    assert sum(statuses.values()) == len(labels) == summary["labels"]


def test_llama_server_as_judge_beside_the_offline_annotator(tmp_path):
    server = LlamaServer(log_dir=tmp_path).start()
    try:
        smol = model_entry(name="smollm2", backend="openai", model="smollm2", base_url=server.base_url)
        smol["steps"] = ["values", "specificity"]
        # short answers: SmolLM2 rambles to the cap, and the subject is the protocol
        settings = {
            **SETTINGS,
            "specificity": ["path"],
            "max_tokens": {**SETTINGS["max_tokens"], "values": 24, "specificity": 8},
        }
        summary, _, labels = run(tmp_path, [OFFLINE, smol], settings)
    finally:
        server.stop()
    steps = {(label["judge"], label["step"]) for label in labels}
    assert steps == {
        ("offline", "arguments"),
        ("offline", "values"),
        ("smollm2", "values"),
        ("smollm2", "specificity_path"),
    }
    assert sum(summary["statuses"].values()) == len(labels)
    assert all(label["problem"] for label in labels if label["status"] == "failed")
    vocabulary = set(demo_vocabulary()["value"])
    assert all(set(label["value"] or []) <= vocabulary for label in labels if label["step"] == "values")
    agreement = judge_agreement(pd.DataFrame(labels).assign(source="x"))
    assert list(agreement[["step", "judge_a", "judge_b"]].itertuples(index=False, name=None)) == [
        ("values", "offline", "smollm2")
    ]
    assert agreement.loc[0, "n"] == 4


def test_agreement_formulas():
    assert value_agreement(pd.Series([["a", "b"], []]), pd.Series([["b", "c"], []])) == {
        "n": 2,
        "jaccard": pytest.approx((1 / 3 + 1) / 2),
        "f1": pytest.approx(2 * 1 / 4),
    }
    same = level_agreement(pd.Series([1, 2, 3, 4]), pd.Series([1, 2, 3, 4]))
    assert same["krippendorff_alpha"] == pytest.approx(1.0) and same["n"] == 4
    opposite = level_agreement(pd.Series([1, 5, 1, 5]), pd.Series([5, 1, 5, 1]))
    assert opposite["krippendorff_alpha"] < 0


def test_agreement_intervals_resample_whole_responses():
    """Two responses: one whose two arguments the judges label alike, one where they differ
    completely: the interval spans [0, 1] around the estimate 1/2; two identical judges get
    [1, 1]; the draws are seeded."""
    rows = []
    for judge, labels in (("a", [["x"], ["y"], ["z"], ["w"]]), ("b", [["x"], ["y"], ["q"], ["r"]])):
        for (item, position), value in zip([("i1", 1), ("i1", 2), ("i2", 1), ("i2", 2)], labels, strict=True):
            rows.append({"judge": judge, "step": "values", "source": "f", "item_id": item, "sample": 0,
                         "position": position, "value": value})  # fmt: skip
    table = judge_agreement(pd.DataFrame(rows)).iloc[0]
    assert table["jaccard"] == pytest.approx(0.5) and table["n"] == 4
    assert (table["jaccard_low"], table["jaccard_high"]) == (0.0, 1.0)
    draws = [judge_agreement(pd.DataFrame(rows), resamples=50, seed=seed).iloc[0] for seed in (1, 1)]
    assert draws[0].equals(draws[1])
    same = pd.DataFrame([{**row, "judge": "c", "value": row["value"]} for row in rows if row["judge"] == "a"])
    identical = judge_agreement(pd.concat([pd.DataFrame(rows[:4]), same])).iloc[0]
    assert (identical["jaccard"], identical["jaccard_low"], identical["jaccard_high"]) == (1.0, 1.0, 1.0)


def test_agreement_table_reads_label_files_record_by_record(tmp_path):
    """Two judges' labels in one file (raw answers included) and an empty file: the table is
    the one computed from the records themselves, and the extraction step is left out."""
    from valueprefs.annotation.agreement import agreement_table

    where = [{"item_id": "d1", "sample": 0, "position": p} for p in (1, 2, 3)]
    records = [{"judge": "j", "step": "arguments", "item_id": "d1", "sample": 0, "value": ["x"], "raw": ["..."]}]
    for judge, levels in (("a", [1, 3, 5]), ("b", [1, 3, 4])):
        records += [{"judge": judge, "step": "specificity_path", **w, "value": v, "raw": ["long " * 50]}
                    for w, v in zip(where, levels, strict=True)]  # fmt: skip
        records += [{"judge": judge, "step": "values", **w, "value": ["care"], "raw": ["x"]} for w in where]
    full = tmp_path / "one.labels.jsonl"
    full.write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "empty.labels.jsonl").write_text("")
    table = agreement_table([str(full), str(tmp_path / "empty.labels.jsonl")])
    expected = judge_agreement(pd.DataFrame(records[1:]).assign(source=str(full)))
    assert list(table["step"]) == ["specificity_path", "values"] and table["n"].tolist() == [3, 3]
    pd.testing.assert_frame_equal(table, expected)


def test_standardizing_foreign_value_names(tmp_path):
    from valueprefs.annotation.annotator import Annotator
    from valueprefs.prompts import Templates

    def reply(messages):
        return {"Truth-telling": "Honesty", "Wellbeing": "none of these"}[
            messages[0]["content"].split("Input Value: ")[1]
        ]

    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), JUDGE_TEMPLATE_NAMES)
    vocabulary = list(demo_vocabulary()["value"])
    annotator = Annotator([], vocabulary, SETTINGS, templates, tmp_path)
    with ScriptedServer(reply) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        standardized = annotator.standardize(judge, ["TRUST", "Truth-telling", "Wellbeing"])
        asked = len(server.requests)
    assert standardized == ["trust", "honesty", None]
    assert asked == 3  # two names, plus one repair for the unusable answer; "TRUST" needed no call


def test_a_runaway_extraction_is_capped_flagged_and_costs_no_extra_calls(tmp_path):
    """2,000 arguments for a k = 3 answer: 6 kept (2 x k), the response flagged, every max_tokens bounded."""
    many = json.dumps([{"argument": f"Point {i} about honesty."} for i in range(2000)])

    def reply(messages):
        prompt = messages[0]["content"]
        if prompt.startswith("Extract all the arguments"):
            return many
        if "arguments are numbered" in prompt or "\n1. " in prompt.split("Arguments:")[-1]:
            return "\n".join(f"{n}: honesty" for n in range(1, 7))
        return "List supporting values: Honesty"

    responses = [{"item_id": "demo-01", "sample": 0, "status": "ok", "k": 3, "text": "1. a\n2. b\n3. c"}]
    path = tmp_path / "responses.jsonl"
    path.write_text(json.dumps(responses[0]) + "\n")
    vocabulary = tmp_path / "vocabulary.csv"
    demo_vocabulary().to_csv(vocabulary, index=False)
    templates = default_template_paths(JUDGE_TEMPLATE_NAMES)
    with ScriptedServer(reply) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        judge["steps"] = ["arguments", "values"]
        for batching in (False, True):
            out = tmp_path / f"batching-{batching}"
            settings = {**SETTINGS, "value_batching": batching, "specificity": []}
            judging = {
                "judges": [judge],
                "settings": settings,
                "templates": templates,
                "cache_dir": str(tmp_path / "cache"),
            }
            extracted = {"labels": str(out / "a.labels"), "stats": str(out / "a.stats"), "arguments": str(out / "args")}
            annotate_step("arguments", str(path), str(vocabulary), judging, extracted)
            before = len(server.requests)
            labelled = {"labels": str(out / "v.labels"), "stats": str(out / "v.stats")}
            stats = annotate_step("values", str(out / "args"), str(vocabulary), judging, labelled)
            arguments = [json.loads(line) for line in open(out / "args")]
            assert len(arguments) == 6 and {a["n_arguments"] for a in arguments} == {6}
            [record] = [json.loads(line) for line in open(out / "a.labels")]
            assert record["extracted"] == 2000 and record["over_cap"] == 6
            made = len(server.requests) - before
            assert made == (1 if batching else 6) == stats["judge_calls"]
        assert all(request["body"]["max_tokens"] <= 8192 for request in server.requests)


def test_a_judge_restating_the_rubric_is_read_by_its_level_over_http(tmp_path):
    """A hosted judge (scripted, OpenAI wire protocol) that restates the scale before its level:
    every path label is the stated level, none the rubric's 1, and no repair call is needed."""

    with ScriptedServer(lambda messages: "Specificity (1 = general, 5 = specific): 4") as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        judge["steps"] = ["specificity"]
        settings = {**SETTINGS, "specificity": ["path"]}
        summary, _, labels = run(tmp_path, [OFFLINE, judge], settings)
        asked = len(server.requests)
    levels = [label["value"] for label in labels if label["step"] == "specificity_path"]
    assert levels == [4] * summary["arguments"] and summary["arguments"] == 4 and asked == 4
    assert all(label["status"] == "ok" for label in labels if label["step"] == "specificity_path")
