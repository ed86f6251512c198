"""Structure first, judge where needed (annotation.structure_first): a clean numbered list of
the k arguments asked for is split without a call; every answer with a doubt goes to the
judge, and a server that counts what it received sees exactly those; the cost estimate and the
run summary count both paths."""

import json

import pandas as pd
import pytest
from servers import ScriptedServer
from test_annotation import SETTINGS, run

from valueprefs.annotation.structure import clean_list

from conftest import model_entry

AUDIT = {"fraction": 0.05, "seed": 0, "judge": None, "floors": {"arguments": 0.8, "values": 0.5, "specificity": 0.5}}
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
    with ScriptedServer(extraction_judge) as server:
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
    # the ledger counts both paths: the answers split by structure, the calls the server received
    from valueprefs.accounting.ledger import ledger

    (tmp_path / "job.summary.json").write_text(json.dumps(summary))
    table = ledger({}, {"m/instruct/dd/long_k3": str(tmp_path / "job.summary.json")}, {}, [judge, offline], {})
    table = table.set_index("judge_or_model")
    assert table.loc["structure", ["split_by_structure", "calls_made", "requests_sent"]].tolist() == [1, 0, 0]
    assert table.loc["gpt-4o", ["split_by_structure", "calls_made", "requests_sent"]].tolist() == [0, 2, len(sent)]


def test_the_cost_estimate_leaves_out_extraction_calls_of_clean_lists(tmp_path):
    from valueprefs.accounting.cost import estimate_costs
    from valueprefs.data.demo import demo_vocabulary
    from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths

    responses = tmp_path / "long_k3.jsonl"
    texts = (CLEAN, "Because.\n\nSo.", "1. A.\n2. B.")
    rows = [{"item_id": f"d{i}", "sample": 0, "status": "ok", "k": 3, "text": text} for i, text in enumerate(texts)]
    responses.write_text("".join(json.dumps(row) + "\n" for row in rows))
    judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "steps": ["arguments"]}
    templates = Templates(default_template_paths(JUDGE_TEMPLATE_NAMES))
    vocabulary = list(demo_vocabulary()["value"])
    calls = {}
    for first in (False, True):
        settings = {**SETTINGS, "structure_first": first, "specificity": [], "audit": {**AUDIT, "fraction": 1.0}}
        auditor = {**judge, "name": "gpt-4o-audit", "audit": True}
        table = estimate_costs([str(responses)], vocabulary, [judge, auditor], settings, templates, {}, str(tmp_path))
        calls[first] = table.set_index(["judge", "step"])["calls"].to_dict()
    assert calls[False][("gpt-4o", "arguments")] == 3 and calls[True][("gpt-4o", "arguments")] == 2
    assert calls[True][("gpt-4o-audit", "arguments")] == 1  # the one clean list, audited (fraction 1)
    assert calls[False][("gpt-4o-audit", "arguments")] == 0  # nothing split by structure, nothing audited


def test_the_audit_sample_is_a_seeded_draw_per_answer():
    """The same seed picks the same answers whatever their order; another seed others; about
    the fraction asked for."""
    from valueprefs.planning import audited

    answers = [(f"d{i}", sample) for i in range(2000) for sample in (0, 1)]
    chosen = {answer for answer in answers if audited(*answer, AUDIT)}
    assert chosen == {answer for answer in reversed(answers) if audited(*answer, AUDIT)}
    assert 0.04 < len(chosen) / len(answers) < 0.06
    other = {answer for answer in answers if audited(*answer, {**AUDIT, "seed": 1})}
    assert other != chosen and len(other & chosen) < len(chosen) / 2
    assert not any(audited(*answer, {**AUDIT, "fraction": 0.0}) for answer in answers)


def test_the_audit_judge_rereads_structure_split_answers_with_the_papers_protocol(tmp_path):
    """The synthetic judge is exact on clean lists, so its audit agrees fully: every audited
    answer split into the same arguments and labelled with the same values, one call per
    argument where the primary batched them."""
    from test_annotation import READER

    from valueprefs.annotation.agreement import judge_agreement
    from valueprefs.planning import audit_judge

    texts = ["1. Honesty matters.\n2. Loyalty matters.", "I agree.\n1. Care matters.\n2. Fairness matters."]
    rows = [{"item_id": f"demo-0{i + 1}", "sample": 0, "status": "ok", "k": 2, "task": "long_k2", "text": text}
            for i, text in enumerate(texts)]  # fmt: skip
    annotation = {**SETTINGS, "structure_first": True, "specificity": [], "value_batching": True,
                  "audit": {**AUDIT, "fraction": 1.0}}  # fmt: skip
    primary = {**READER, "steps": ["arguments", "values"]}
    auditor = audit_judge([primary], annotation)
    assert auditor["name"] == "reader-audit" and auditor["steps"] == ["arguments", "values"] and auditor["audit"]
    summary, _, labels = run(tmp_path, [primary, auditor], annotation, rows=rows)
    assert summary["split_by_structure"] == 2
    audit_labels = [label for label in labels if label["judge"] == "reader-audit"]
    assert [label["same"] for label in audit_labels if label["step"] == "arguments"] == [True, True]
    assert sum(label["step"] == "values" and not label.get("batched") for label in audit_labels) == 4
    table = judge_agreement(pd.DataFrame(labels).assign(source="x")).set_index("step")
    assert table.loc["arguments", "exact_match"] == 1.0 and table.loc["arguments", "n"] == 2
    assert table.loc["values", "jaccard"] == 1.0 and table.loc["values", "n"] == 4


def test_the_audit_rates_specificity_one_argument_a_call_and_agrees_where_the_judge_is_exact(tmp_path):
    """The primary rates each answer's arguments in one batched call; the audit judge rates the
    audited answers' arguments one call each (the paper's protocol). The synthetic judge's level
    is the argument's sentence count, here 1 to 3, so both readings agree: alpha 1 over the
    four arguments, with the boundaries and values agreeing too."""
    from test_annotation import READER

    from valueprefs.annotation.agreement import judge_agreement
    from valueprefs.planning import audit_judge

    texts = [
        "1. Honesty matters. People rely on it.\n2. Loyalty matters.",
        "I agree.\n1. Care matters. It heals. It lasts.\n2. Fairness matters. Rules bind all.",
    ]
    rows = [{"item_id": f"demo-0{i + 1}", "sample": 0, "status": "ok", "k": 2, "task": "long_k2", "text": text}
            for i, text in enumerate(texts)]  # fmt: skip
    annotation = {**SETTINGS, "structure_first": True, "specificity": ["path"], "value_batching": True,
                  "specificity_batching": True, "audit": {**AUDIT, "fraction": 1.0}}  # fmt: skip
    primary = {**READER, "steps": ["arguments", "values", "specificity"]}
    _, _, labels = run(tmp_path, [primary, audit_judge([primary], annotation)], annotation, rows=rows)
    rated = [label for label in labels if label["step"] == "specificity_path"]
    assert sorted(label["value"] for label in rated if label["judge"] == "reader") == [1, 2, 2, 3]
    audit_calls = [label for label in rated if label["judge"] == "reader-audit"]
    assert all(label.get("batched") for label in rated if label["judge"] == "reader")
    assert len(audit_calls) == 4 and not any(label.get("batched") for label in audit_calls)
    table = judge_agreement(pd.DataFrame(labels).assign(source="x")).set_index("step")
    assert table.loc["specificity_path", ["n", "krippendorff_alpha"]].tolist() == [4, 1.0]
    assert table.loc["arguments", "exact_match"] == table.loc["values", "jaccard"] == 1.0


def test_boundary_agreement_and_floors_equal_a_hand_count(tmp_path):
    """Three audited answers, two split alike: exact match 2/3; the run summary names it below
    a floor of 0.8 and the values' Jaccard of 1 above 0.5."""
    from valueprefs.accounting.summary import audit_lines
    from valueprefs.annotation.agreement import judge_agreement

    records = [{"judge": "gpt-4o-audit", "step": "arguments", "source": "f", "item_id": f"d{i}", "sample": 0,
                "position": None, "value": [], "same": same} for i, same in enumerate([True, False, True])]  # fmt: skip
    records += [{"judge": judge, "step": "values", "source": "f", "item_id": "d0", "sample": 0, "position": p,
                 "value": ["honesty"], "same": None}
                for judge in ("gpt-4o", "gpt-4o-audit") for p in (1, 2)]  # fmt: skip
    table = judge_agreement(pd.DataFrame(records))
    boundary = table[table["step"] == "arguments"].iloc[0]
    assert boundary["exact_match"] == pytest.approx(2 / 3) and boundary["n"] == 3
    assert boundary["exact_match_low"] <= 2 / 3 <= boundary["exact_match_high"]
    path = tmp_path / "judge_agreement.csv"
    table.to_csv(path, index=False)
    lines = audit_lines(str(path), AUDIT["floors"])
    assert any("arguments: exact match 0.67" in line and "BELOW the floor 0.8" in line for line in lines), lines
    assert any("values: jaccard 1.00" in line and "BELOW" not in line for line in lines), lines


def test_a_cheap_judge_is_audited_by_a_reference_judge_and_both_are_priced(tmp_path):
    """gpt-4o-mini extracts and labels; gpt-4o, named by audit.judge, rereads the audit sample
    and does nothing else. Their value labels differ by one name in two, which the agreement
    row shows (Jaccard 1/2), and the estimate prices each at its own model's price."""
    from valueprefs.accounting.cost import estimate_costs
    from valueprefs.annotation.agreement import judge_agreement
    from valueprefs.data.demo import demo_vocabulary
    from valueprefs.planning import audit_judge
    from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths

    def answer(messages):
        return "List supporting values: Honesty"

    def reference(messages):
        prompt = messages[0]["content"]
        if prompt.startswith("Extract all the arguments"):
            return '[{"argument": "Honesty builds trust."}, {"argument": "Owning a mistake is responsible, and others learn."}, {"argument": "Silence harms."}]'  # noqa: E501
        return "List supporting values: Honesty, Trust"

    rows = [{"item_id": "demo-01", "sample": 0, "status": "ok", "k": 3, "task": "long_k3", "text": CLEAN}]
    annotation = {**SETTINGS, "structure_first": True, "specificity": [], "value_batching": False,
                  "audit": {**AUDIT, "fraction": 1.0, "judge": "gpt-4o"}}  # fmt: skip
    with ScriptedServer(answer) as cheap, ScriptedServer(reference) as gpt4o:
        mini = model_entry(name="gpt-4o-mini", backend="openai", model="gpt-4o-mini", base_url=cheap.base_url)
        mini["steps"] = ["arguments", "values"]
        full = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=gpt4o.base_url)
        full["steps"] = ["arguments"]  # second for arguments: it extracts only as the auditor
        auditor = audit_judge([mini, full], annotation)
        assert auditor["name"] == "gpt-4o-audit" and auditor["model"] == "gpt-4o"
        _, _, labels = run(tmp_path, [mini, full, auditor], annotation, rows=rows)
        assert len(cheap.requests) == 3  # one value call per argument; the clean list needed no extraction
        assert len(gpt4o.requests) == 1 + 3  # the audit: its extraction, then one value call per argument
    table = judge_agreement(pd.DataFrame(labels).assign(source="x")).set_index("step")
    assert table.loc["arguments", "exact_match"] == 1.0
    assert table.loc["values", "jaccard"] == pytest.approx(0.5)  # honesty against honesty and trust
    from valueprefs.accounting.summary import audit_lines

    table.reset_index().to_csv(tmp_path / "judge_agreement.csv", index=False)  # the audit judge sorts first here
    lines = audit_lines(str(tmp_path / "judge_agreement.csv"), AUDIT["floors"])
    assert any(line.startswith("  audit gpt-4o-audit, values: jaccard 0.50") for line in lines), lines
    responses = tmp_path / "long_k3.jsonl"
    responses.write_text(json.dumps(rows[0]) + "\n")
    prices = {"gpt-4o-mini": {"input": 0.15, "output": 0.6}, "gpt-4o": {"input": 2.5, "output": 10.0}}
    templates = Templates(default_template_paths(JUDGE_TEMPLATE_NAMES))
    estimate = estimate_costs([str(responses)], list(demo_vocabulary()["value"]), [mini, full, auditor], annotation,
                              templates, prices, str(tmp_path)).set_index(["judge", "step"])  # fmt: skip
    assert "gpt-4o" not in estimate.index.get_level_values("judge")  # it does nothing but audit
    for judge, price in (("gpt-4o-mini", prices["gpt-4o-mini"]), ("gpt-4o-audit", prices["gpt-4o"])):
        row = estimate.loc[(judge, "values")]
        expected = (row["input_tokens"] * price["input"] + row["output_tokens_estimate"] * price["output"]) / 1e6
        assert row["calls"] == 3 and row["usd_estimate"] == pytest.approx(round(expected, 4))
