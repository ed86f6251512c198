"""Value-recognition data: ValuePrism's format, gold values standardized by a judge."""

import json

import pytest
from servers import ScriptedServer

from valueprefs.annotation.jobs import recognized_values, standardize_gold
from valueprefs.data.demo import demo_vocabulary
from valueprefs.data.jobs import prepare_dataset
from valueprefs.errors import DataError
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, default_template_paths

from conftest import model_entry

# Rows in ValuePrism's layout (our own text): one row per situation and value/right/duty.
VALUEPRISM = """situation,vrd,text,explanation,valence
Lying to protect a friend,Value,Honesty,Telling the truth,Opposes
Lying to protect a friend,Value,Loyalty,Standing by a friend,Supports
Lying to protect a friend,Right,Right to truth,Others may expect it,Opposes
Lying to protect a friend,Value,Truth-telling,Being truthful,Opposes
Giving to charity,Value,Generosity,Sharing with others,Supports
Giving to charity,Value,Wellbeing,Helping others thrive,Supports
"""


def prepare(tmp_path, text=VALUEPRISM):
    (tmp_path / "valueprism.csv").write_text(text)
    demo_vocabulary().to_csv(tmp_path / "vocabulary.csv", index=False)
    spec = {"kind": "recognition", "source": "local", "path": str(tmp_path / "valueprism.csv")}
    report = prepare_dataset(
        spec, str(tmp_path / "vocabulary.csv"), str(tmp_path / "items.jsonl"), str(tmp_path / "r.json")
    )
    return report, [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]


def test_valueprism_rows_become_situations_with_gold_values(tmp_path):
    report, items = prepare(tmp_path)
    assert report["situations"] == 2 and report["value_rows"] == 5 and report["gold_names_unmatched"] == 2
    assert items[0]["values"] == ["honesty", "loyalty"] and items[0]["unmatched_values"] == ["truth-telling"]
    assert items[1]["values"] == ["generosity"] and items[1]["unmatched_values"] == ["wellbeing"]


def test_unmatched_gold_names_go_to_the_standardization_judge(tmp_path):
    prepare(tmp_path)

    def reply(messages):
        name = messages[0]["content"].split("Input Value: ")[1]
        return {"truth-telling": "Truthfulness", "wellbeing": "Health"}[name]

    with ScriptedServer(reply) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        report = standardize_gold(
            str(tmp_path / "items.jsonl"), str(tmp_path / "vocabulary.csv"), judge,
            default_template_paths(JUDGE_TEMPLATE_NAMES), str(tmp_path / "cache"),
            str(tmp_path / "gold.jsonl"), str(tmp_path / "gold.json"),
        )  # fmt: skip
    gold = [json.loads(line) for line in (tmp_path / "gold.jsonl").read_text().splitlines()]
    assert gold[0]["values"] == ["honesty", "loyalty", "truthfulness"] and gold[1]["values"] == ["generosity", "health"]
    assert report["standardized"] == 2 and report["dropped"] == [] and report["judge_calls"] == 2


def test_without_a_judge_unmatched_names_are_dropped_and_counted(tmp_path):
    prepare(tmp_path)
    report = standardize_gold(
        str(tmp_path / "items.jsonl"), str(tmp_path / "vocabulary.csv"), None,
        default_template_paths(JUDGE_TEMPLATE_NAMES), str(tmp_path / "cache"),
        str(tmp_path / "gold.jsonl"), str(tmp_path / "gold.json"),
    )  # fmt: skip
    assert report["dropped"] == ["truth-telling", "wellbeing"] and report["judge_calls"] == 0


def test_valueprism_file_without_its_columns_is_named(tmp_path):
    with pytest.raises(DataError, match=r"valueprism\.csv.*vrd"):
        prepare(tmp_path, "situation,text\nA,Honesty\n")


def test_a_models_answers_are_mapped_like_the_gold(tmp_path):
    """A paraphrase the judge maps onto the vocabulary counts as that value, as in the gold; a
    negation never becomes its opposite; without a judge, what spelling cannot match is dropped."""
    demo_vocabulary().to_csv(tmp_path / "vocabulary.csv", index=False)
    answers = [
        {"item_id": "s1", "status": "ok", "text": "Honesty, Truth-telling, Unfairness"},
        {"item_id": "s2", "status": "ok", "text": "1. Wellbeing\n2. Generosity\n\nThese matter because people care."},
        {"item_id": "s3", "status": "failed", "error": "HTTP 500"},
    ]
    (tmp_path / "recognize.jsonl").write_text("".join(json.dumps(row) + "\n" for row in answers))
    standardized = {"Truth-telling": "Truthfulness", "Wellbeing": "Health", "Unfairness": "none"}

    def reply(messages):
        return standardized[messages[0]["content"].split("Input Value: ")[1]]

    common = (str(tmp_path / "recognize.jsonl"), str(tmp_path / "vocabulary.csv"))
    templates = default_template_paths(JUDGE_TEMPLATE_NAMES)
    with ScriptedServer(reply) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        summary = recognized_values(
            *common, judge, templates, str(tmp_path / "cache"), str(tmp_path / "v.jsonl"), str(tmp_path / "s.json")
        )
        asked = len(server.requests)
    rows = {row["item_id"]: row for row in map(json.loads, (tmp_path / "v.jsonl").read_text().splitlines())}
    assert rows["s1"]["values"] == ["honesty", "truthfulness"] and rows["s1"]["dropped"] == ["Unfairness"]
    assert rows["s2"]["values"] == ["health", "generosity"] and set(rows) == {"s1", "s2"}
    assert summary["matched_by_spelling"] == 2 and summary["standardized_by_judge"] == 2
    assert summary["dropped_names"] == ["Unfairness"]
    assert asked == summary["judge_calls"] == 3 + 1  # three names asked, one repair of the unusable answer
    alone = recognized_values(
        *common, None, templates, str(tmp_path / "c2"), str(tmp_path / "w.jsonl"), str(tmp_path / "t")
    )
    assert alone["dropped_names"] == ["Truth-telling", "Unfairness", "Wellbeing"] and alone["judge_calls"] == 0
