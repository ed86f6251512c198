"""Value-recognition data: ValuePrism's format, gold values standardized by a judge."""

import json

import pytest
from servers import ScriptedChatServer

from valueprefs.annotation.standardize import standardize_gold
from valueprefs.data import prepare_dataset
from valueprefs.data.demo import demo_vocabulary
from valueprefs.errors import DataError
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, default_template_paths

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

    with ScriptedChatServer(reply) as server:
        judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "base_url": server.base_url}
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
