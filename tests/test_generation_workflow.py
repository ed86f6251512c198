"""Generation end to end through the workflow: llama.cpp with SmolLM2 (instruct) and Gemma 3 (base)."""

import json

import pytest
import yaml

from conftest import REPO


def small_config(workdir, **generation):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["dailydilemmas"]["limit"] = 3
    config["datasets"]["opinionqa"]["limit"] = 1
    config["datasets"]["valueprism"]["limit"] = 2
    config["generation"].update(k=[2], n_samples=1, long_max_tokens=24, **generation)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generation rules run once on a small slice of the demo data, then again with --forcerun."""
    from conftest import run_snakemake

    workdir = tmp_path_factory.mktemp("generation")
    configfile = small_config(workdir)
    first = run_snakemake(workdir, "--cores", "2", configfile=configfile, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    summaries = {
        run: json.loads((workdir / f"results/generation/{run}/summary.json").read_text())
        for run in ("smollm2-135m/instruct", "gemma3-270m/base")
    }
    again = run_snakemake(workdir, "--cores", "2", "--forcerun", "generate", configfile=configfile, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    return workdir, summaries


def test_every_task_file_has_every_item_and_sample(generated):
    workdir, summaries = generated
    for run in ("smollm2-135m/instruct", "gemma3-270m/base"):
        base = workdir / "results/generation" / run
        for task in ("short", "short_swapped", "short_explicit"):
            rows = read_jsonl(base / f"dailydilemmas/{task}.jsonl")
            assert [r["item_id"] for r in rows] == ["demo-01", "demo-02", "demo-03"]
            assert all(r["decision"] in ("to_do", "not_to_do", "unparsed") and r["status"] == "ok" for r in rows)
        for dataset, items in (("dailydilemmas", 3), ("opinionqa", 1)):
            rows = read_jsonl(base / f"{dataset}/long_k2.jsonl")
            assert len(rows) == items * 2
            assert {(r["sample"], r["temperature"]) for r in rows} == {(0, 0.0), (1, 0.9)}
            assert all(r["text"] and 0 < r["completion_tokens"] <= 24 for r in rows)
        recognized = read_jsonl(base / "valueprism/recognize.jsonl")
        assert [(r["item_id"], r["sample"], r["mode"]) for r in recognized] == [
            ("demo-r1", 0, "recognize"),
            ("demo-r2", 0, "recognize"),
        ]
        # 3 short tasks x 3 dilemmas, 2 long calls (greedy, sampled) x 4 items, 2 situations
        assert summaries[run]["model_calls"] == summaries[run]["calls"] == 3 * 3 + 4 * 2 + 2
    orders = {
        r["order"]
        for r in read_jsonl(workdir / "results/generation/gemma3-270m/base/dailydilemmas/short_swapped.jsonl")
    }
    assert orders == {"not_to_do_first"}


def test_rerun_makes_zero_model_calls_and_same_bytes(generated):
    workdir, _ = generated
    for run in ("smollm2-135m/instruct", "gemma3-270m/base"):
        summary = json.loads((workdir / f"results/generation/{run}/summary.json").read_text())
        assert summary["model_calls"] == 0
        assert summary["cache_hits"] == summary["calls"] == 19


def test_editing_a_template_reruns_generation_only_where_prompts_changed(generated, tmp_path):
    workdir, _ = generated
    from conftest import run_snakemake

    plan = run_snakemake(workdir, "-n", "--cores", "2", configfile=workdir / "config.yaml")
    assert "Nothing to be done" in plan.stdout + plan.stderr
    template = REPO / "src/valueprefs/templates/long_form.txt"
    original = template.read_text()
    try:
        template.write_text(original + " ")
        plan = run_snakemake(workdir, "-n", "--cores", "2", configfile=workdir / "config.yaml")
    finally:
        template.write_text(original)
    assert "generate" in plan.stdout and "dataset " not in plan.stdout
