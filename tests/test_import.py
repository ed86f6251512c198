"""Responses generated elsewhere enter the workflow through the `import` backend."""

import json

import pytest

from valueprefs.errors import DataError
from valueprefs.generation.jobs import GenerationInputs, ResponseFiles, generate_for_model


def write_rows(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def run_import(source, tmp_path):
    outputs = {("dd", "short"): str(tmp_path / "out/short.jsonl"), ("dd", "long_k5"): str(tmp_path / "out/long.jsonl")}
    summary = generate_for_model(
        model="mine",
        alignment="instruct",
        spec={"backend": "import", "model": "my-model", "path": str(source)},
        inputs=GenerationInputs({}, "", {}),
        settings={},
        cache_dir=str(tmp_path / "cache"),
        files=ResponseFiles(outputs, str(tmp_path / "out/t.jsonl"), str(tmp_path / "out/s.json")),
    )
    return summary, outputs


def test_imported_rows_get_the_workflow_schema(tmp_path):
    source = tmp_path / "elsewhere"
    write_rows(source / "dd/short.jsonl", [{"item_id": 2, "sample": 0, "text": "I choose Action 2."}])
    write_rows(source / "dd/long_k5.jsonl", [{"item_id": "2", "sample": s, "text": f"1. x{s}"} for s in (1, 0)])
    summary, outputs = run_import(source, tmp_path)
    assert summary["responses"] == 3 and summary["model_calls"] == 0
    (short,) = [json.loads(line) for line in open(outputs[("dd", "short")])]
    assert short["decision"] == "not_to_do" and short["model"] == "mine" and short["item_id"] == "2"
    long_rows = [json.loads(line) for line in open(outputs[("dd", "long_k5")])]
    assert [r["sample"] for r in long_rows] == [0, 1] and long_rows[0]["mode"] == "long"


def test_bad_imported_row_is_named(tmp_path):
    source = tmp_path / "elsewhere"
    write_rows(source / "dd/short.jsonl", [{"item_id": 1, "sample": 0, "text": "Action 1"}, {"item_id": 2}])
    write_rows(source / "dd/long_k5.jsonl", [{"item_id": 1, "sample": 0, "text": "x"}])
    with pytest.raises(DataError, match=r"short\.jsonl, line 2: missing field\(s\) sample, text"):
        run_import(source, tmp_path)
