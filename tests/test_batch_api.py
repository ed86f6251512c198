"""Batch API mode against a local server speaking the Files + Batches wire protocol."""

import json
from pathlib import Path

import pytest
import yaml
from servers import ScriptedServer
from test_annotation import OFFLINE, RESPONSES, SETTINGS, run

from valueprefs.annotation.batch import BatchPending, collect_answers, submit_requests
from valueprefs.llm.requests import Request

from conftest import REPO, model_entry, run_snakemake


def reply(messages):
    return "4" if messages[0]["content"].startswith("Analyze the given argument") else "List supporting values: care"


def requests(n):
    return [Request(messages=({"role": "user", "content": f"Analyze the given argument {i}"},)) for i in range(n)]


def test_submit_once_poll_while_running_then_collect_into_the_cache(tmp_path):
    with ScriptedServer(reply, batch_polls=1) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        state = submit_requests(judge, requests(3), tmp_path)
        assert state["requests"] == 3 and state["batch_id"] == "batch_1"
        # Submitting the same calls again (a rerun after a kill) finds the recorded batch.
        assert submit_requests(judge, requests(3), tmp_path)["batch_id"] == "batch_1"
        assert server.log.count("POST /v1/batches") == 1 and server.log.count("POST /v1/files") == 1
        with pytest.raises(BatchPending, match=r"batch batch_1 \(3 requests\) is in_progress"):
            collect_answers(judge, state, tmp_path, wait_seconds=0, poll_every=1)
        result = collect_answers(judge, state, tmp_path, wait_seconds=0, poll_every=1)
        assert result == {"judge": "gpt-4o", "batch_id": "batch_1", "collected": 3, "failed": 0}
        assert submit_requests(judge, requests(3), tmp_path) == {"judge": "gpt-4o", "batch_id": None, "requests": 0}
        assert server.log.count("POST /v1/batches") == 1


def test_collected_answers_are_what_the_annotation_step_reads(tmp_path):
    from valueprefs.annotation.jobs import submit_batch

    settings = {**SETTINGS, "specificity": ["path"]}
    with ScriptedServer(reply, batch_polls=2) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        judge.update(steps=["specificity"])
        run(tmp_path, [OFFLINE], settings, name="offline")  # the argument table the judge rates
        submitted = submit_batch(
            "specificity", judge, str(tmp_path / "offline/arguments.jsonl"), str(tmp_path / "vocabulary.csv"),
            settings, _templates(), str(tmp_path / "cache"), str(tmp_path / "submitted.json"),
        )  # fmt: skip
        assert submitted["planned"] == submitted["submitted"] == 4
        state = json.loads((tmp_path / "submitted.json").read_text())
        state = json.loads(Path(state["state_file"]).read_text())
        assert collect_answers(judge, state, tmp_path / "cache", wait_seconds=10, poll_every=0.05)["collected"] == 4
        assert server.log.count("GET /v1/batches/batch_1") == 3
        summary, arguments, _ = run(tmp_path, [OFFLINE, judge], settings)
    assert summary["judge_calls"] == 0 and summary["statuses"]["gpt-4o/specificity_path/ok"] == 4
    assert [a["specificity_path"] for a in arguments] == [4, 4, 4, 4]
    assert not any("chat/completions" in line for line in server.log)


def _templates():
    from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, default_template_paths

    return default_template_paths(JUDGE_TEMPLATE_NAMES)


def batch_config(workdir, base_url):
    """Imported responses, offline arguments, gpt-4o (our double) in Batch API mode for values."""
    source = workdir / "elsewhere" / "dailydilemmas"
    source.mkdir(parents=True)
    rows = [{**r, "item_id": f"demo-0{i + 1}"} for i, r in enumerate(RESPONSES[:2])]
    (source / "short.jsonl").write_text("".join(json.dumps({**r, "text": "Action 1"}) + "\n" for r in rows))
    (source / "long_k3.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"] = {"dailydilemmas": {"kind": "dilemmas", "source": "demo", "limit": 2}}
    config["models"] = {"mine": {"instruct": {"backend": "import", "model": "mine", "path": str(source.parent)}}}
    config["generation"].update(k=[3], counterbalance=False, explicit_values=False)
    gpt = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "base_url": base_url, "steps": ["values"]}
    config["judges"] = [{"name": "offline", "backend": "offline", "steps": ["arguments"]}, {**gpt, "batch": True}]
    config["annotation"]["specificity"] = []  # no judge rates specificity here
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_submit_and_collect_rules_resume_without_resubmitting(tmp_path):
    target = "results/annotation/mine/instruct/dailydilemmas/long_k3.jsonl"
    with ScriptedServer(reply, batch_polls=1) as server:
        configfile = batch_config(tmp_path, server.base_url)
        first = run_snakemake(tmp_path, target, "--cores", "1", configfile=configfile)
        assert first.returncode != 0 and "batch batch_1 (4 requests) is in_progress" in first.stderr
        submitted = tmp_path / "results/annotation/batches/gpt-4o/mine/instruct/dailydilemmas/long_k3/values"
        assert json.loads(submitted.with_suffix(".submitted.json").read_text())["batch_id"] == "batch_1"
        second = run_snakemake(tmp_path, target, "--cores", "1", configfile=configfile)
        assert second.returncode == 0, second.stderr[-3000:]
        assert server.log.count("POST /v1/batches") == 1 and server.log.count("POST /v1/files") == 1
        assert not any("chat/completions" in line for line in server.log)
        arguments = [json.loads(line) for line in (tmp_path / target).read_text().splitlines()]
        assert arguments and all(a["values"] == ["care"] for a in arguments)
        plan = run_snakemake(tmp_path, target, "-n", "--cores", "1", configfile=configfile)
        assert "Nothing to be done" in plan.stdout + plan.stderr


def test_extraction_goes_through_the_batch_api_for_the_answers_structure_cannot_split(tmp_path):
    """The arguments step in Batch API mode: with structure_first only the unclear answer is
    submitted, and the annotation step then reads it from the collected batch (no direct call)."""
    from test_structure_first import CLEAN

    from valueprefs.annotation.jobs import submit_batch

    def extraction(messages):
        return '[{"argument": "From the batch."}]'

    rows = [
        {"item_id": "demo-01", "sample": 0, "status": "ok", "k": 3, "task": "long_k3", "text": CLEAN},
        {"item_id": "demo-02", "sample": 0, "status": "ok", "k": 3, "task": "long_k3", "text": "Yes, because.\n\nSo."},
    ]
    settings = {**SETTINGS, "structure_first": True, "specificity": []}
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with ScriptedServer(extraction, batch_polls=0) as server:
        judge = model_entry(name="gpt-4o", backend="openai", model="gpt-4o", base_url=server.base_url)
        judge.update(steps=["arguments"], batch=True)
        run(tmp_path, [OFFLINE], settings, name="vocabulary-only", rows=rows)  # writes vocabulary.csv
        submitted = submit_batch(
            "arguments", judge, str(responses), str(tmp_path / "vocabulary.csv"), settings, _templates(),
            str(tmp_path / "cache"), str(tmp_path / "submitted.json"),
        )  # fmt: skip
        assert submitted["planned"] == submitted["submitted"] == 1
        state = json.loads(Path(json.loads((tmp_path / "submitted.json").read_text())["state_file"]).read_text())
        assert collect_answers(judge, state, tmp_path / "cache", wait_seconds=10, poll_every=0.05)["collected"] == 1
        offline_values = {"name": "offline", "backend": "offline", "steps": ["values"]}
        summary, arguments, _ = run(tmp_path, [judge, offline_values], settings, rows=rows)
    assert summary["judge_calls"] == 0 and summary["split_by_structure"] == 1
    assert [a["argument"] for a in arguments if a["item_id"] == "demo-02"] == ["From the batch."]
    assert len([a for a in arguments if a["item_id"] == "demo-01"]) == 3
    assert not any("chat/completions" in line for line in server.log)
