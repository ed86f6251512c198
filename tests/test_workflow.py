"""The workflow end to end on the embedded default, and bad data stopping it with one clear line."""

import json
import os

import pandas as pd
import yaml

from conftest import REPO

DATA_TARGETS = ("results/data/summary.csv",)


def test_demo_data_rules_run_and_rerun_is_a_no_op(snakemake_in):
    previous = os.umask(0o002)  # a group-shared project directory on a cluster
    try:
        result = snakemake_in("--cores", "2", *DATA_TARGETS)
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    results = snakemake_in.workdir / "results"
    modes = {path: path.stat().st_mode & 0o777 for path in results.rglob("*") if path.is_file()}
    assert modes and all(mode == 0o664 for mode in modes.values()), modes  # collaborators can read and write
    summary = pd.read_csv(results / "data" / "summary.csv")
    # 6 demo dilemmas and the 300 generated for the controls
    assert summary.set_index("dataset")["items"].to_dict() == {"dailydilemmas": 306, "opinionqa": 3, "valueprism": 8}
    assert (results / "logs" / "dataset" / "dailydilemmas.log").read_text().count(
        "valueprefs: dailydilemmas:"
    ) == 1  # reported once
    again = snakemake_in("--cores", "2", "-n", *DATA_TARGETS)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_bad_data_file_stops_the_run_with_one_clear_line(snakemake_in):
    bad = snakemake_in.workdir / "mine.csv"
    bad.write_text(
        "dilemma_id,situation,action_to_do,action_not_to_do,values_to_do,values_not_to_do\n"
        "d1,Should you?,Do it,Do not,honesty,\"['comfort']\"\n"
    )
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["datasets"]["dailydilemmas"] = {"kind": "dilemmas", "source": "file", "path": str(bad)}
    configfile = snakemake_in.workdir / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    result = snakemake_in("--cores", "1", "--keep-going", *DATA_TARGETS, configfile=configfile)
    assert result.returncode != 0
    expected = f"error: {bad}, row 1, column 'values_to_do': not a list literal: 'honesty'"
    assert expected in result.stderr.splitlines()
    assert "valueprefs run summary" in result.stdout and "the run FAILED" in result.stdout  # printed on failure too
    # the failing job, its log and its error, in the summary printed last
    assert f"failed: results/logs/dataset/dailydilemmas.log: {expected.removeprefix('error: ')}" in result.stdout
    assert not (snakemake_in.workdir / "results" / "data" / "dailydilemmas" / "items.jsonl").exists()
    assert (snakemake_in.workdir / "results" / "data" / "opinionqa" / "items.jsonl").exists()


def test_run_summary_reads_every_job_summary(tmp_path):
    from valueprefs.accounting.summary import run_summary

    generation = tmp_path / "generation/m/instruct/summary.json"
    generation.parent.mkdir(parents=True)
    truncated = {"dd/long_k5": {"truncated": 3, "answers": 4}, "dd/short": {"truncated": 0, "answers": 1}}
    counts = {"responses": 5, "calls": 5, "model_calls": 2, "cache_hits": 3, "truncated": truncated}
    counts |= {"decisions": 4, "unparsed_decisions": 4}
    counts |= {"unparsed_examples": {"dd/short/d1/0": "Choosing Action 1 would be unethical, so Action 2"}}
    generation.write_text(json.dumps({"model": "m", "alignment": "instruct", **counts}))
    annotation = tmp_path / "annotation/m/instruct/dd/long_k5.summary.json"
    annotation.parent.mkdir(parents=True)
    annotation.write_text('{"responses": 4, "arguments": 9, "judge_calls": 1, "failures": {"j/values: no value": 2}}')
    text = run_summary({"m/instruct": str(generation)}, {"m/instruct/dd/long_k5": str(annotation)})
    assert "generate m/instruct: 5 responses from 5 calls (2 made, 0 of them failed; 3 from the cache)" in text
    assert "this run:" not in text  # without its start time
    jobs = {"m/instruct": str(generation)}
    now = run_summary(jobs, {}, since=generation.stat().st_mtime - 1)
    assert "this run: 1 generation jobs ran, 2 model calls made" in now and "earlier run" not in now
    later = run_summary(jobs, {}, since=generation.stat().st_mtime + 1)  # a rebuild of one figure, say
    assert "generate m/instruct (an earlier run): 5 responses" in later
    assert "this run: 0 generation jobs ran, 0 model calls made" in later
    assert "4 of 4 short-form answers unparsed" in text
    assert "  unparsed short-form answer, dd/short/d1/0: 'Choosing Action 1 would be unethical, so Action 2'" in text
    assert "annotate 1 files: 4 responses, 9 arguments, 1 judge calls" in text
    assert "failed labels, j/values: no value: 2" in text
    assert "answers cut off at the token limit (finish_reason length): dd/long_k5 3 of 4" in text
    cut = next(line for line in text.splitlines() if "cut off at the token limit" in line)
    assert "dd/short" not in cut  # nothing cut there
    from valueprefs.accounting.summary import summary_rows

    [row] = summary_rows({"m/instruct": str(generation)}, {})
    assert row["truncated_by_task"] == "dd/long_k5 3 of 4" and row["decisions"] == 4
    loaded = tmp_path / "data/dd/load_report.json"
    loaded.parent.mkdir(parents=True)
    unknown = {f"name{i:02d}": 1 for i in range(12)} | {"unfairness": 5}
    loaded.write_text(
        json.dumps({"items": 7, "unknown_values": unknown, "dilemmas_dropped_for_empty_value_set": ["d9"]})
    )
    text = run_summary({"m/instruct": str(generation)}, {}, {"dd": str(loaded)})
    assert "data dd: 7 items kept" in text and "1 dilemmas dropped" in text
    assert "not in the vocabulary, dropped: unfairness (5), name00 (1)" in text and "and 3 more" in text
    assert "no generation or annotation results yet" in run_summary({"m/base": str(tmp_path / "none.json")}, {})
    old = tmp_path / "generation/old/base/summary.json"  # from another config: not in this DAG
    old.parent.mkdir(parents=True)
    old.write_text('{"model": "old", "alignment": "base"}')
    assert "old/base" not in run_summary({"m/instruct": str(generation)}, {})
    controls = tmp_path / "controls.csv"
    controls.write_text(
        "model,check,passed\na,control_recovery,True\nb,control_recovery,False\na,control_order_swap,True\n"
    )
    last = run_summary({"m/instruct": str(generation)}, {}, controls=str(controls)).splitlines()[-1]
    assert last == "control checks: 2 of 3 passed"
    controls.write_text("model,check,passed\n")
    none = run_summary({}, {}, controls=str(controls))
    assert none.endswith("control checks: none (no calibration control in this config)")
    assert "control checks" not in run_summary({}, {}, controls=str(tmp_path / "absent.csv"))


def test_two_configs_in_their_own_directories_share_only_the_call_cache(tmp_path):
    """`snakemake -d DIR` per config: each run's results and summary are its own, and a cache_dir
    shared on purpose spares the second run the calls the first one made; one config's directory
    refuses another study's config."""
    from conftest import real_model_demo, run_snakemake

    control = {"backend": "synthetic", "model": "planted", "control": {"consistency": 1.0}}
    runs = {"first": {"planted": {"instruct": control}}}
    runs["second"] = {**runs["first"], "other": {"instruct": {**control, "model": "other"}}}
    summaries = {}
    for name, models in runs.items():
        config = real_model_demo() | {"models": models, "cache_dir": str(tmp_path / "shared-cache")}
        config["generation"].update(k=[2], n_samples=0)
        (tmp_path / name).mkdir()
        configfile = tmp_path / name / "config.yaml"
        configfile.write_text(yaml.safe_dump(config))
        targets = [f"results/generation/{family}/instruct/summary.json" for family in models]
        result = run_snakemake(tmp_path / name, "--cores", "2", *targets, configfile=configfile)
        assert result.returncode == 0, result.stderr[-3000:]
        summaries[name] = result.stdout
    first, second = (tmp_path / name / "results/generation" for name in runs)
    assert sorted(path.name for path in first.iterdir()) == ["planted"]  # nothing of the second config
    shared = json.loads((second / "planted/instruct/summary.json").read_text())
    assert shared["model_calls"] == 0 and shared["cache_hits"] == shared["calls"] > 0
    fresh = json.loads((second / "other/instruct/summary.json").read_text())
    assert fresh["model_calls"] == fresh["calls"] > 0  # its own model: every call made
    assert "generate other/instruct" not in summaries["first"]  # each summary reads its own DAG
    assert "generate other/instruct" in summaries["second"]
    # the second config in the first one's directory stops before planning; the first plans on
    mixed = run_snakemake(tmp_path / "first", "-n", configfile=tmp_path / "second" / "config.yaml")
    assert mixed.returncode != 0 and "holds the results of another study" in mixed.stderr
    assert f"-d runs/config --configfile {tmp_path / 'second' / 'config.yaml'}" in mixed.stderr
    owner = json.loads((tmp_path / "first/results/CONFIG").read_text())
    assert owner["config"] == str((tmp_path / "first/config.yaml").resolve())
    assert run_snakemake(tmp_path / "first", "-n", configfile=tmp_path / "first" / "config.yaml").returncode == 0
    variant = tmp_path / "first" / "variant.yaml"  # the same study in another file (a new style, say)
    config = yaml.safe_load((tmp_path / "first" / "config.yaml").read_text())
    variant.write_text(yaml.safe_dump(config | {"figures": {"style": {"palette": "muted"}}}))
    assert run_snakemake(tmp_path / "first", "-n", configfile=variant).returncode == 0
    answers = [  # the same answers, read from the shared cache
        (tmp_path / name / "results/generation/planted/instruct/dailydilemmas/short.jsonl").read_bytes()
        for name in runs
    ]
    assert answers[0] == answers[1]
