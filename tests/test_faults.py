"""Faults against real components on 127.0.0.1: an API that rate-limits, fails, stalls and drops
connections; a workflow killed with SIGKILL mid-generation and mid-annotation; and the API key,
which must never reach a file the run writes."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from servers import FaultProxy, LlamaServer, ScriptedServer, scripted_model

from valueprefs.accounting.ledger import runs_ledger
from valueprefs.runtime.cache import entries

from conftest import REAL_JUDGES, REPO, SNAKEMAKE, calls_committed, run_snakemake, small_config

pytestmark = pytest.mark.slow  # the workflow end to end: minutes

KEY_VARIABLE = "VALUEPREFS_TEST_API_KEY"
SENTINEL = "sk-sentinel-4c1d7e0b9a"
# Only the value-recognition prompt of the first demo situation contains this text.
ALWAYS_FAILING = "Returning a wallet full of cash"


def smollm2_only():
    """The demo's SmolLM2 model alone."""
    return {"smollm2-135m": yaml.safe_load((REPO / "config.yaml").read_text())["models"]["smollm2-135m"]}


def read_json(path):
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    server = LlamaServer(log_dir=tmp_path_factory.mktemp("llama")).start()
    yield server
    server.stop()


def test_api_faults_are_retried_exhausted_calls_recorded_and_the_key_never_written(llama, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, SENTINEL)
    faults = ["429", "500", "slow", "drop", "429"]
    with FaultProxy(llama.base_url, faults, always_fail=ALWAYS_FAILING, slow_seconds=11) as proxy:
        remote = {"backend": "openai", "model": "smollm2", "base_url": proxy.base_url, "api_key_env": KEY_VARIABLE}
        # a genuine call to llama.cpp on a busy machine can take several seconds: the timeout must
        # cut the stalled request only
        remote.update(max_retries=3, timeout=10, max_concurrency=2)
        models = {"remote": {"instruct": remote}}
        target = "results/generation/remote/instruct/summary.json"
        configfile = small_config(tmp_path, models=models, max_failure_fraction=0.5)
        result = run_snakemake(tmp_path, "--cores", "2", target, configfile=configfile)
        assert result.returncode == 0, result.stderr[-3000:]
        summary = read_json(tmp_path / target)
        # every injected fault was met and retried; the one poisoned call failed after 1 + 3 tries
        assert [proxy.count(fate) for fate in ("429", "500", "slow", "drop", "always")] == [2, 1, 1, 1, 4]
        assert summary["failed_calls"] == 1 and summary["model_calls"] == summary["calls"] - 1
        [reason] = summary["failure_reasons"]
        assert reason.startswith("HTTP 500") and "internal error" in reason
        assert "Bearer [redacted key]" in reason  # the server echoed the key; it was scrubbed
        recognized = tmp_path / "results/generation/remote/instruct/valueprism/recognize.jsonl"
        failed = json.loads(recognized.read_text().splitlines()[0])
        assert failed["status"] == "failed" and failed["error"] == reason
        assert "failed calls: 1 x HTTP 500" in result.stdout + result.stderr  # the run summary

        forwarded = proxy.count("forwarded")
        strict = small_config(tmp_path, models=models, max_failure_fraction=0.0)
        again = run_snakemake(tmp_path, "--cores", "2", target, "--forcerun", "generate", configfile=strict)
        assert again.returncode != 0
        assert "1 of" in again.stderr and "> max_failure_fraction 0%" in again.stderr
        assert proxy.count("forwarded") == forwarded  # completed calls came from the cache
        assert {auth for _, auth in proxy.log} == {f"Bearer {SENTINEL}"}  # the key was used ...

    leaks = [path for path in tmp_path.rglob("*") if path.is_file() and SENTINEL.encode() in path.read_bytes()]
    assert leaks == []  # ... and written nowhere: results, logs, cache, Snakemake's metadata
    cached = entries(tmp_path / "results/cache/calls")  # the cache's entries are compressed: read them
    assert cached and SENTINEL not in json.dumps(cached)


def cache_entries(workdir) -> int:
    """Calls committed to the workflow's call cache, running jobs' included."""
    return calls_committed(workdir / "results/cache/calls")


def kill_when_cached(workdir, configfile, target, at_least: int, timeout: float = 600) -> int:
    """Start the workflow, SIGKILL it and its jobs once ``at_least`` calls are cached; return the count."""
    command = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", target]
    command += ["--configfile", str(configfile)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while cache_entries(workdir) < at_least:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no progress to interrupt"
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return cache_entries(workdir)


def resume(workdir, configfile, target):
    """What a user does after a hard kill: unlock, then rerun the incomplete jobs."""
    unlock = run_snakemake(workdir, "--unlock", configfile=configfile)
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    result = run_snakemake(workdir, "--cores", "2", "--rerun-incomplete", target, configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]


# No few-shot, explicit or swapped variants: the subject is the interruption, not the tasks.
ONE_PROMPT_PER_ITEM = {"n_samples": 1, "few_shot": 0, "explicit_values": False, "counterbalance": False}
GENERATED = "results/generation/smollm2-135m/instruct/summary.json"
ANNOTATED = "results/annotation/smollm2-135m/instruct/dailydilemmas/long_k2/specificity.stats.json"


def test_killed_runs_resume_without_repeating_a_call_and_match_an_uninterrupted_run(tmp_path_factory):
    killed, clean = tmp_path_factory.mktemp("killed"), tmp_path_factory.mktemp("clean")
    configs = {
        workdir: small_config(workdir, models=smollm2_only(), judges=REAL_JUDGES, **ONE_PROMPT_PER_ITEM)
        for workdir in (killed, clean)
    }
    for configfile in configs.values():  # every sample rated for specificity: more calls to interrupt
        config = yaml.safe_load(configfile.read_text())
        config["annotation"]["specificity_samples"] = "all"
        config["annotation"]["max_tokens"] = {"specificity": 8}  # a rating, not SmolLM2's ramble to 128
        configfile.write_text(yaml.safe_dump(config))
    result = run_snakemake(clean, "--cores", "2", GENERATED, ANNOTATED, configfile=configs[clean])
    assert result.returncode == 0, result.stderr[-3000:]

    # SIGKILL during generation: the resumed job makes only the calls that were not cached
    done = kill_when_cached(killed, configs[killed], GENERATED, at_least=4)
    resume(killed, configs[killed], GENERATED)
    summary = read_json(killed / GENERATED)
    made = summary["calls"] - done  # requests; a sampled request is answered with 2 completions
    assert summary["cache_hits"] == done and made > 0 and summary["requests_sent"] == summary["model_calls"] >= made

    # SIGKILL during annotation (the specificity judge, a llama.cpp model)
    generated = cache_entries(killed)
    done = kill_when_cached(killed, configs[killed], ANNOTATED, at_least=generated + 2) - generated
    resume(killed, configs[killed], ANNOTATED)
    stats = read_json(killed / ANNOTATED)
    assert stats["cache_hits"] == done and stats["judge_calls"] > 0
    assert cache_entries(killed) == cache_entries(clean)

    # the spend over all runs counts the killed runs' calls: as many as the uninterrupted run made
    spent = {workdir: runs_ledger(str(workdir / "results/cache/calls"), {}) for workdir in (killed, clean)}
    assert spent[killed]["calls_made"].sum() == spent[clean]["calls_made"].sum() > 0
    assert spent[killed]["run"].nunique() >= spent[clean]["run"].nunique() + 2  # killed jobs ran twice
    generate = spent[killed][spent[killed]["job"].str.startswith("results/logs/generate/")]
    assert generate["run"].nunique() == 2  # the killed run's calls are in, beside the resumed run's
    assert generate["calls_made"].sum() == read_json(clean / GENERATED)["model_calls"]

    # llama.cpp is deterministic here (greedy and seeded sampling): the files are identical
    outputs = ["results/generation/smollm2-135m/instruct", "results/annotation/smollm2-135m/instruct"]
    for folder in outputs:
        files = sorted(p.relative_to(clean) for p in (clean / folder).rglob("*.jsonl") if "timings" not in p.name)
        assert files
        for path in files:
            assert (killed / path).read_bytes() == (clean / path).read_bytes(), path


REMOTE_GENERATED = "results/generation/remote/instruct/summary.json"


@contextlib.contextmanager
def generating_in_background(workdir, server):
    """Snakemake generating with the small config's one remote model in the background, once
    ``server`` has had three requests: the process (its own session) and the config file. Its
    process group is killed on the way out."""
    remote = {"backend": "openai", "model": "m", "base_url": server.base_url, "max_concurrency": 1}
    configfile = small_config(workdir, models={"remote": {"instruct": remote}})
    command = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", REMOTE_GENERATED]
    process = subprocess.Popen(
        [*command, "--configfile", str(configfile)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while len(server.requests) < 3:
            assert process.poll() is None and time.monotonic() < deadline, "no progress to interrupt"
            time.sleep(0.05)
        yield process, configfile
    finally:
        with contextlib.suppress(ProcessLookupError):  # the orphan may have ended by now
            os.killpg(process.pid, signal.SIGKILL)


def test_a_rerun_after_killing_only_snakemake_repeats_no_call_of_its_orphaned_job(tmp_path):
    """kill -9 of the Snakemake process alone leaves its job running; the rerun's job waits for it."""
    with ScriptedServer(scripted_model, delay=1.0) as server:
        with generating_in_background(tmp_path, server) as (process, configfile):
            os.kill(process.pid, signal.SIGKILL)  # Snakemake only: its job goes on, orphaned
            process.wait()
            resume(tmp_path, configfile, REMOTE_GENERATED)
            summary = read_json(tmp_path / REMOTE_GENERATED)
        distinct = {json.dumps(request["body"], sort_keys=True) for request in server.requests}
        assert len(server.requests) == len(distinct) == summary["calls"]  # every call made exactly once
        assert summary["model_calls"] == 0 and summary["cache_hits"] == summary["calls"]
        log = (tmp_path / "results/logs/generate/remote/instruct.log").read_text()
        assert "calls: " in log


def test_the_stop_command_ends_this_workflows_orphaned_job_and_nothing_else(tmp_path):
    """While Snakemake runs, ``python -m valueprefs.runtime.stop`` finds nothing to stop; after kill -9 of
    Snakemake alone it ends the orphaned job (the server gets no more calls) and leaves alone a
    live process of another directory whose command line ``pkill -f .snakemake/scripts`` would
    have matched."""
    decoy_dir = tmp_path / "other"
    (decoy_dir / ".snakemake/scripts").mkdir(parents=True)
    decoy = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", ".snakemake/scripts/tmp.generate.py"], cwd=decoy_dir
    )
    stop = [sys.executable, "-m", "valueprefs.runtime.stop", "-d", str(tmp_path)]
    try:
        with ScriptedServer(scripted_model, delay=1.0) as server, generating_in_background(tmp_path, server) as run:
            process = run[0]
            live = subprocess.run(stop, capture_output=True, text=True, timeout=60, check=True)
            assert live.stdout.strip() == "no orphaned job of this workflow is running"  # its Snakemake is alive
            os.kill(process.pid, signal.SIGKILL)  # Snakemake only: its job goes on, orphaned
            process.wait()
            planned = subprocess.run([*stop, "--dry-run"], capture_output=True, text=True, timeout=60, check=True)
            [line] = planned.stdout.splitlines()
            assert line.startswith("would stop process ")
            assert line.endswith("(the job of results/logs/generate/remote/instruct.log)")
            pid = int(line.split()[3])
            assert Path(f"/proc/{pid}").exists()
            done = subprocess.run(stop, capture_output=True, text=True, timeout=60, check=True)
            assert done.stdout.strip() == line.replace("would stop", "stopped")
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
            assert decoy.poll() is None  # what pkill -f .snakemake/scripts would have killed
            calls = len(server.requests)
            time.sleep(1.5)
            assert len(server.requests) == calls  # nothing calls the server any more
    finally:
        decoy.kill()


def generate_remotely(workdir, server):
    """Generation of the small config by one remote model served by ``server``: its config
    file and the finished run."""
    remote = {"backend": "openai", "model": "m", "base_url": server.base_url}
    configfile = small_config(workdir, models={"remote": {"instruct": remote}})
    result = run_snakemake(workdir, "--cores", "1", REMOTE_GENERATED, configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    return configfile, result


HYPOTHETICALS = [
    "Choosing Action 1 would be unethical, so Action 2",
    "One could choose Action 1, however Action 2 is more ethical",
    "If I chose Action 1, she would suffer. Action 2.",
]


def test_choice_verbs_in_hypotheticals_are_unparsed_counted_and_quoted_over_http(tmp_path):
    """A remote model whose short answers name Action 1 only in a hypothetical: no decision is
    stored as Action 1; every one is unparsed, counted, and the run summary quotes some."""

    def reply(messages):
        prompt = messages[-1]["content"]
        if "Action 1" in prompt:
            return HYPOTHETICALS[sum(map(ord, prompt)) % len(HYPOTHETICALS)]
        return "1. Honesty matters.\n2. Care matters."

    with ScriptedServer(reply) as server:
        _, result = generate_remotely(tmp_path, server)
    base = tmp_path / "results/generation/remote/instruct/dailydilemmas"
    short = [
        json.loads(line)
        for task in ("short", "short_swapped", "short_explicit")
        for line in open(base / f"{task}.jsonl")
    ]
    assert short and {row["decision"] for row in short} == {"unparsed"}
    assert {row["text"] for row in short} <= set(HYPOTHETICALS)
    summary = read_json(tmp_path / REMOTE_GENERATED)
    assert summary["unparsed_decisions"] == summary["decisions"] == len(short)
    assert f"{len(short)} of {len(short)} short-form answers unparsed" in result.stdout
    assert "unparsed short-form answer, dailydilemmas/short" in result.stdout


def test_a_damaged_cache_shard_met_in_a_merge_is_moved_aside_and_its_calls_made_once(tmp_path):
    """A model's cache folder with more than COMPACT_AT small shards, the one holding every call
    damaged: the rerun merges the rest, moves that one aside, makes each of its calls once more
    (the server counts them), and the run summary names the file; the next rerun makes none."""
    import sqlite3

    from valueprefs.runtime.cache import COMPACT_AT, TABLE

    with ScriptedServer(scripted_model) as server:
        configfile, _ = generate_remotely(tmp_path, server)
        target = REMOTE_GENERATED
        calls = len(server.requests)
        [shard] = (tmp_path / "results/cache").rglob("*.db")
        for i in range(COMPACT_AT):  # small shards of other jobs, valid and empty
            with sqlite3.connect(shard.with_name(f"other-{i}.db")) as connection:
                connection.execute(TABLE)
        shard.write_bytes(b"garbage" * 512)
        again = run_snakemake(tmp_path, "--cores", "1", target, "--forcerun", "generate", configfile=configfile)
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(server.requests) == 2 * calls  # each lost call made once more
        aside = shard.with_name(shard.name + ".damaged")
        named = str(aside.relative_to(tmp_path))  # as the config's cache_dir names it
        assert aside.exists() and f"damaged cache shard moved aside (its calls made again): {named}" in again.stdout
        assert read_json(tmp_path / target)["cache_moved_aside"] == [named]
        last = run_snakemake(tmp_path, "--cores", "1", target, "--forcerun", "generate", configfile=configfile)
        assert last.returncode == 0 and len(server.requests) == 2 * calls
        assert "damaged cache shard" not in last.stdout


def remote_model_and_values_judge(workdir, remote: dict, judge: str):
    """The small config with one remote model that is also the values judge ``judge`` (arguments
    by structure, no specificity)."""
    judges = [
        {"name": "offline", "backend": "offline", "steps": ["arguments"]},
        {**remote, "name": judge, "steps": ["values"]},
    ]
    configfile = small_config(workdir, models={"remote": {"instruct": remote}}, judges=judges)
    config = yaml.safe_load(configfile.read_text())
    config["annotation"]["specificity"] = []
    configfile.write_text(yaml.safe_dump(config))
    return configfile


def test_a_key_echoed_inside_answers_is_written_nowhere(tmp_path, monkeypatch):
    """A server (or proxy) that echoes the request's key into its completions, for the model and
    for a judge: every stored and written text carries the marker instead (responses, argument
    tables, labels, CSVs, the cache), and the answers are still read."""
    monkeypatch.setenv(KEY_VARIABLE, SENTINEL)

    def echoing(messages):
        prompt = messages[-1]["content"]
        if "Action 1" in prompt:
            return f"Action 1 (session Bearer {SENTINEL})"
        if "supporting values" in prompt.lower():
            return f"List supporting values: honesty, care\n(session {SENTINEL})"
        return f"1. Honesty matters to {SENTINEL}.\n2. Care matters."

    with ScriptedServer(echoing) as server:
        remote = {"backend": "openai", "model": "m", "base_url": server.base_url, "api_key_env": KEY_VARIABLE}
        configfile = remote_model_and_values_judge(tmp_path, remote, "echo")
        target = "results/annotation/remote/instruct/dailydilemmas/long_k2.jsonl"
        result = run_snakemake(tmp_path, "--cores", "1", target, "results/ledger.csv", configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {request["auth"] for request in server.requests} == {f"Bearer {SENTINEL}"}
    leaks = [path for path in tmp_path.rglob("*") if path.is_file() and SENTINEL.encode() in path.read_bytes()]
    assert leaks == []
    cached = entries(tmp_path / "results/cache/calls")
    assert cached and SENTINEL not in json.dumps(cached) and "[redacted key]" in json.dumps(cached)
    short = tmp_path / "results/generation/remote/instruct/dailydilemmas/short.jsonl"
    assert {json.loads(line)["decision"] for line in short.read_text().splitlines()} == {"to_do"}
    labelled = [json.loads(line) for line in (tmp_path / target).read_text().splitlines()]
    assert labelled and all({"honesty", "care"} <= set(row["values"]) for row in labelled)


def test_huge_prompts_are_not_sent_and_huge_answers_are_flagged(tmp_path):
    """A model that answers a 24-token long-form request with 320,000 characters: the answer is
    flagged 'suspect' and counted; the judge prompt that would carry its first argument is over
    annotation.max_prompt_chars, so it is never sent (its label fails with the size, counted),
    while the short second argument is judged as usual."""
    huge = "1. " + "honesty " * 40_000 + "\n2. Care matters."

    def reply(messages):
        prompt = messages[-1]["content"]
        if "Action 1" in prompt:
            return "Action 1"
        if "supporting values" in prompt.lower():
            return "List supporting values: care"
        return huge

    with ScriptedServer(reply) as server:
        remote = {"backend": "openai", "model": "m", "base_url": server.base_url}
        configfile = remote_model_and_values_judge(tmp_path, remote, "api")
        target = "results/annotation/remote/instruct/dailydilemmas/long_k2.summary.json"
        result = run_snakemake(tmp_path, "--cores", "1", target, configfile=configfile)
    assert result.returncode == 0, result.stderr[-3000:]
    sizes = [sum(len(m["content"]) for m in request["body"]["messages"]) for request in server.requests]
    assert max(sizes) < 200_000  # nothing over the limit reached the server
    generated = read_json(tmp_path / "results/generation/remote/instruct/summary.json")
    long = tmp_path / "results/generation/remote/instruct/dailydilemmas/long_k2.jsonl"
    rows = [json.loads(line) for line in long.read_text().splitlines()]
    assert rows and all("characters for max_tokens 24" in row["suspect"] for row in rows)
    every = [json.loads(line) for path in long.parent.parent.rglob("*.jsonl") for line in path.read_text().splitlines()]
    flagged = sum("suspect" in row for row in every if "text" in row)
    assert generated["suspect_answers"] == flagged >= len(rows)  # other data sets' long answers too
    assert f"answers longer than their max_tokens allows (flagged 'suspect'): {flagged}" in result.stdout
    annotated = read_json(tmp_path / target)
    [(failure, count)] = annotated["failures"].items()
    assert "over max_prompt_chars 200,000: not sent" in failure and count == len(rows)  # each first argument
    labels = tmp_path / "results/annotation/remote/instruct/dailydilemmas/long_k2.labels.jsonl"
    judged = [json.loads(line) for line in labels.read_text().splitlines() if json.loads(line)["judge"] == "api"]
    assert sorted(label["status"] for label in judged) == ["failed"] * len(rows) + ["ok"] * len(rows)
