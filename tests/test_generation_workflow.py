"""Generation end to end through the workflow: llama.cpp with SmolLM2 (instruct) and Gemma 3 (base),
checked on the session's demo run (``demo_run``)."""

import json
import shutil
from functools import partial

import numpy as np
import pandas as pd
import pytest
from demo_run import RUNS

from conftest import REPO, copy_checkout, planned_rules, run_snakemake

pytestmark = pytest.mark.slow  # the workflow end to end: minutes

SUMMARIES = [f"results/generation/{run}/summary.json" for run in RUNS]


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def rerun(demo_run, tmp_path_factory):
    """A copy of the demo run, its generation (and the data it reads) forced to run again by a
    copy of the workflow, whose templates a test may edit while other tests run."""
    workdir = tmp_path_factory.mktemp("rerun") / "run"
    shutil.copytree(demo_run.workdir, workdir, ignore=shutil.ignore_patterns(".snakemake"))
    run = partial(run_snakemake, workdir, snakefile=copy_checkout(workdir / "checkout"))
    again = run("--cores", "2", "--forceall", *SUMMARIES, configfile=workdir / "config.yaml")
    assert again.returncode == 0, again.stderr[-3000:]
    return workdir, run


def test_every_task_file_has_every_item_and_sample(demo_run):
    workdir = demo_run.workdir
    for run in RUNS:
        base = workdir / "results/generation" / run
        for task in ("short", "short_swapped", "short_explicit"):
            rows = read_jsonl(base / f"dailydilemmas/{task}.jsonl")
            assert [r["item_id"] for r in rows] == ["demo-01", "demo-02"]
            assert all(r["decision"] in ("to_do", "not_to_do", "unparsed") and r["status"] == "ok" for r in rows)
        for dataset, items in (("dailydilemmas", 2), ("opinionqa", 1)):
            rows = read_jsonl(base / f"{dataset}/long_k2.jsonl")
            assert len(rows) == items * 2
            assert {(r["sample"], r["temperature"]) for r in rows} == {(0, 0.0), (1, 0.9)}
            assert all(r["text"] and 0 < r["completion_tokens"] <= 24 for r in rows)
        recognized = read_jsonl(base / "valueprism/recognize.jsonl")
        assert [(r["item_id"], r["sample"], r["mode"]) for r in recognized] == [("demo-r1", 0, "recognize")]
        summary = json.loads((base / "summary.json").read_text())
        # 3 short tasks x 2 dilemmas, 2 long calls (greedy, sampled) x 3 items, 1 situation
        assert summary["calls"] == 3 * 2 + 3 * 2 + 1 == summary["cache_hits"] + summary["model_calls"]
        short = [
            r
            for task in ("short", "short_swapped", "short_explicit")
            for r in read_jsonl(base / f"dailydilemmas/{task}.jsonl")
        ]
        assert summary["decisions"] == len(short) == 6  # the denominator of the unparsed count
        assert summary.get("unparsed_decisions", 0) == sum(r["decision"] == "unparsed" for r in short)
        unparsed = {
            f"dailydilemmas/{r['task']}/{r['item_id']}/{r['sample']}": r for r in short if r["decision"] == "unparsed"
        }
        assert len(summary["unparsed_examples"]) == min(3, len(unparsed))  # quoted in the run summary
        for where, text in summary["unparsed_examples"].items():
            assert " ".join(unparsed[where]["text"].split()).startswith(text)
        # truncation counted per task against the files: answers that stopped at the token limit
        for task, counted in summary["truncated"].items():
            rows = read_jsonl(base / f"{task}.jsonl")
            cut = sum(r["finish_reason"] == "length" for r in rows)
            assert counted == {"truncated": cut, "answers": len(rows)}, task
        assert summary["truncated"]["dailydilemmas/long_k2"]["answers"] == 4
        assert summary["truncated_responses"] == sum(n["truncated"] for n in summary["truncated"].values())
        # answer lengths per task against the tokens in the files (rule answer_lengths)
        table = pd.read_csv(workdir / "results/answer_lengths.csv")
        lengths = table[table["job"] == run]
        lengths = lengths.set_index(lengths["dataset"] + "/" + lengths["task"])
        assert sorted(lengths.index) == sorted(summary["truncated"])
        for task, row in lengths.iterrows():
            tokens = [r["completion_tokens"] for r in read_jsonl(base / f"{task}.jsonl")]
            assert (row["answers"], row["tokens_max"]) == (len(tokens), max(tokens)), task
            assert row["tokens_p50"] == int(np.quantile(tokens, 0.5, method="inverted_cdf")), task
            kind = "short" if row["task"].startswith("short") else row["task"]
            assert row["limit"] == {"short": 8, "long_k2": 24, "recognize": 32}[kind], task
    orders = {
        r["order"]
        for r in read_jsonl(workdir / "results/generation/gemma3-270m/base/dailydilemmas/short_swapped.jsonl")
    }
    assert orders == {"not_to_do_first"}


def test_rerun_makes_zero_model_calls_and_same_bytes(demo_run, rerun):
    workdir, _run = rerun
    for run in RUNS:
        summary = json.loads((workdir / f"results/generation/{run}/summary.json").read_text())
        assert summary["model_calls"] == 0 and summary["cache_hits"] == summary["calls"] == 13
        for path in (demo_run.workdir / "results/generation" / run).rglob("*.jsonl"):
            if path.name != "timings.jsonl":
                assert (workdir / path.relative_to(demo_run.workdir)).read_bytes() == path.read_bytes(), path


def test_editing_a_template_reruns_generation_only_where_prompts_changed(rerun):
    workdir, run = rerun
    configfile = workdir / "config.yaml"
    plan = run("-n", "--cores", "2", *SUMMARIES, configfile=configfile)
    assert "Nothing to be done" in plan.stdout + plan.stderr
    template = workdir / "checkout/src/valueprefs/templates/long_form.txt"
    template.write_text(template.read_text() + " ")
    plan = run("-n", "--cores", "2", *SUMMARIES, configfile=configfile)
    assert planned_rules(plan) == {"generate": 2}  # both models' prompts changed; nothing upstream reruns


ACCOUNTING = ("judge_calls", "cache_hits", "spent")  # calls this job made, not what they answered


def test_sharded_generation_and_annotation_write_the_files_of_one_job(tmp_path):
    """generation.shards = 3 and annotation.shards = 2: three generation jobs per model, each
    asking a contiguous third of every data set's items, and two jobs per annotation step, each
    annotating half of a response file's items; merged, the response files and the annotated
    argument tables are byte-identical to one job's (few-shot prompts of a base model
    included), each run from a cache of its own."""
    import yaml

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    base = config["models"]["control-consistent"]["instruct"] | {"limits": {"dailydilemmas": 40}}
    config["models"] = {"control-consistent": {"base": base}}
    config["generation"]["k"] = [3]
    alignments = ("base",)
    outputs = {}
    for generation_shards, annotation_shards in ((1, 1), (3, 2)):
        workdir = tmp_path / f"shards{generation_shards}"
        workdir.mkdir()
        config["generation"]["shards"] = generation_shards
        config["annotation"]["shards"] = annotation_shards
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))
        targets = [f"results/generation/control-consistent/{a}/summary.json" for a in alignments]
        targets += [f"results/annotation/control-consistent/{a}/dailydilemmas/long_k3.jsonl" for a in alignments]
        result = run_snakemake(workdir, "--cores", "2", *targets, configfile=workdir / "config.yaml")
        assert result.returncode == 0, result.stderr[-3000:]
        generation = workdir / "results" / "generation" / "control-consistent"
        annotation = workdir / "results" / "annotation" / "control-consistent"
        files = [*generation.glob("*/*/*.jsonl"), *annotation.glob("*/dailydilemmas/long_k3.*")]
        outputs[generation_shards] = {path.relative_to(workdir): path.read_bytes() for path in files}
        for path in annotation.glob("*/dailydilemmas/long_k3.summary.json"):  # who made a shared call varies
            summary = {key: value for key, value in json.loads(path.read_bytes()).items() if key not in ACCOUNTING}
            outputs[generation_shards][path.relative_to(workdir)] = summary
        summaries = {a: json.loads((generation / a / "summary.json").read_text()) for a in alignments}
        outputs[generation_shards, "summary"] = {
            a: {key: value for key, value in summary.items() if "seconds" not in key and key != "shards"}
            for a, summary in summaries.items()
        }
    # 6 response files (3 short, 2 long, 1 recognition); the argument table, its CSV, labels, summary
    assert len(outputs[1]) == 6 + 4 and outputs[3].keys() == outputs[1].keys()
    differing = [str(path) for path in outputs[1] if outputs[3][path] != outputs[1][path]]
    assert differing == [] and outputs[3, "summary"] == outputs[1, "summary"] and summaries["base"]["shards"] == 3
    lengths = summaries["base"]["answer_tokens"]["dailydilemmas/long_k3"]
    assert sum(lengths.values()) == 40 * 3  # shards added up
    # the control's own token_caps (512) replace generation.long_max_tokens (64): nothing cut
    assert max(map(int, lengths)) > config["generation"]["long_max_tokens"] == 64
    assert summaries["base"]["truncated"]["dailydilemmas/long_k3"]["truncated"] == 0
    shard_items = [
        [row["item_id"] for row in read_jsonl(generation / f"base/shards/{shard}/dailydilemmas/short.jsonl")]
        for shard in range(3)
    ]
    assert [len(items) for items in shard_items] == [13, 13, 14]  # contiguous thirds of 40
    merged = read_jsonl(generation / "base/dailydilemmas/short.jsonl")
    assert sorted(item for items in shard_items for item in items) == [row["item_id"] for row in merged]
    assert (workdir / "results/logs/generate/control-consistent/base/shards/2.log").is_file()
    shards = annotation / "base/dailydilemmas/long_k3/shards"
    halves = [{row["item_id"] for row in read_jsonl(shards / f"{shard}/arguments.jsonl")} for shard in range(2)]
    assert len(halves[0]) == len(halves[1]) == 20 and not halves[0] & halves[1]
