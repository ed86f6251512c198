"""The ledger equals what the servers saw: one workflow run against two counting servers."""

import pandas as pd
import pytest
import yaml
from servers import ScriptedServer, scripted_model

from conftest import run_snakemake, small_config


def judge(messages):
    prompt = messages[0]["content"]
    if prompt.startswith("Extract all the arguments"):
        return '[{"argument": "Honesty builds trust."}, {"argument": "Care for others matters."}]'
    if prompt.startswith("You will be given an argument"):
        return "List supporting values: honesty, care"
    return "Specificity level (1-5): 3"


def test_ledger_rows_equal_the_requests_and_tokens_each_server_received(tmp_path):
    """The judge's server says 4 of every answer's 10 prompt tokens came from its prompt cache:
    the ledger counts them and prices them at the cached-input price."""
    with ScriptedServer(scripted_model) as model_server, ScriptedServer(judge, cached_tokens=4) as judge_server:
        remote = {"backend": "openai", "model": "m", "base_url": model_server.base_url}
        api = {"name": "api", "backend": "openai", "model": "gpt-4o", "base_url": judge_server.base_url}
        api["steps"] = ["arguments", "values", "specificity"]
        # the sampled request asks for 2 answers: 2 calls
        configfile = small_config(tmp_path, models={"remote": {"instruct": remote}}, judges=[api], n_samples=2)
        config = yaml.safe_load(configfile.read_text())
        config["prices"] = {"gpt-4o": {"input": 2.5, "output": 10.0, "cached_input": 1.25}}
        config["annotation"].update(value_batching=False, specificity_samples="all")
        configfile.write_text(yaml.safe_dump(config))
        result = run_snakemake(tmp_path, "--cores", "2", "results/ledger.csv", configfile=configfile)
        assert result.returncode == 0, result.stderr[-3000:]
        seen = {"generate": len(model_server.requests), "annotate": len(judge_server.requests)}
    ledger = pd.read_csv(tmp_path / "results/ledger.csv")
    counted = ["calls_made", "requests_sent", "prompt_tokens_spent", "completion_tokens_spent"]
    totals = ledger.groupby("rule")[[*counted, "cached_input_tokens_spent"]].sum()
    for rule, requests in seen.items():
        assert requests > 0
        # every answer of the scripted servers reports 10 prompt and 5 completion tokens
        cached = 4 * requests if rule == "annotate" else 0
        assert totals.loc[rule].tolist() == [requests, requests, 10 * requests, 5 * requests, cached], rule
    assert (ledger.groupby("rule")["answer_seconds"].sum() > 0).all()  # the servers took time to answer
    annotate = ledger[ledger["rule"] == "annotate"]
    assert (annotate["judge_or_model"] == "api").all()
    # 6 uncached and 4 cached prompt tokens and 5 completion tokens an answer, by hand
    assert annotate["usd_spent"].sum() == pytest.approx(seen["annotate"] * (6 * 2.5 + 4 * 1.25 + 5 * 10.0) / 1e6)
    assert ledger.loc[ledger["rule"] == "generate", "usd_spent"].isna().all()  # no price for model m
    # over all runs (one here), filed by the call cache with each call: the same counts
    runs = pd.read_csv(tmp_path / "results/ledger_runs.csv")
    counted = ["calls_made", "prompt_tokens_spent", "completion_tokens_spent", "cached_input_tokens_spent"]
    by_model = runs.groupby("judge_or_model")[counted].sum()
    for name, rule in (("m", "generate"), ("gpt-4o", "annotate")):
        assert by_model.loc[name].tolist() == totals.loc[rule][counted].tolist(), name
    assert runs.loc[runs["judge_or_model"] == "gpt-4o", "usd_spent"].sum() == pytest.approx(annotate["usd_spent"].sum())
    assert runs["job"].str.startswith("results/logs/").all() and runs["run"].notna().all()
    assert f"spend over {runs['run'].nunique()} runs so far" in result.stdout
    assert f"({4 * seen['annotate']} served by a provider's prompt cache)" in result.stdout
