"""Cost control: exact o200k_base counts offline, the estimate table, and the ledger."""

import json

import pandas as pd
import pytest

from valueprefs.accounting.cost import cost_summary, estimate_costs
from valueprefs.accounting.ledger import ledger
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths
from valueprefs.tokens import chat_tokens, o200k_base

SETTINGS = {"specificity": ["path", "attribute"], "specificity_samples": [0], "value_batching": False}


@pytest.fixture(scope="module")
def encoding(tmp_path_factory):
    return o200k_base(str(tmp_path_factory.mktemp("tiktoken")))


def test_o200k_base_offline_gives_gpt4o_token_ids(encoding):
    assert encoding.name == "o200k_base" and encoding.n_vocab == 200019
    assert encoding.encode("Hello world, honesty matters.") == [13225, 2375, 11, 67836, 19854, 13]
    assert chat_tokens(encoding, [{"role": "user", "content": "Hi"}]) == 3 + 3 + 1


def test_estimate_counts_every_step_and_prices_it(tmp_path):
    responses = tmp_path / "long.jsonl"
    rows = [
        {"item_id": "a", "sample": 0, "status": "ok", "text": "1. Honesty first.\n2. Then trust.\n3. Then care."},
        {"item_id": "a", "sample": 1, "status": "ok", "text": "1. Comfort.\n2. Privacy."},
        {"item_id": "b", "sample": 0, "status": "failed", "error": "x"},
    ]
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), JUDGE_TEMPLATE_NAMES)
    judges = [  # gpt-4o extracts (the first judge of the step); the offline judge's values cost nothing
        {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "steps": ["arguments", "values", "specificity"]},
        {"name": "offline", "backend": "offline", "steps": ["arguments", "values"]},
    ]
    vocabulary = ["honesty", "trust", "care", "comfort", "privacy"]
    prices = {"gpt-4o": {"input": 2.5, "output": 10.0}}
    args = ([str(responses)], vocabulary, judges, SETTINGS, templates, prices, str(tmp_path / "tk"))
    table = estimate_costs(*args).set_index("step")
    assert list(table.index) == ["arguments", "values", "specificity_path", "specificity_attribute"]
    assert table["calls"].to_dict() == {"arguments": 2, "values": 5, "specificity_path": 3, "specificity_attribute": 3}
    assert (table["judge"] == "gpt-4o").all()
    row = table.loc["arguments"]
    assert row["usd_estimate"] == pytest.approx(
        (row["input_tokens"] * 2.5 + row["output_tokens_estimate"] * 10) / 1e6, abs=1e-4
    )
    batched = estimate_costs(*args[:3], {**SETTINGS, "value_batching": True}, *args[4:]).set_index("step")
    assert batched.loc["values", "calls"] == 2
    assert batched.loc["values", "input_tokens"] < table.loc["values", "input_tokens"]
    rated = estimate_costs(*args[:3], {**SETTINGS, "specificity_batching": True}, *args[4:]).set_index("step")
    assert rated.loc["specificity_path", "calls"] == rated.loc["specificity_attribute", "calls"] == 1
    assert rated.loc["specificity_path", "input_tokens"] < table.loc["specificity_path", "input_tokens"]

    # the Batch API: half the standard price unless the config names batch prices
    judges[0]["batch"] = True
    half = estimate_costs(*args[:2], judges, *args[3:]).set_index("step")
    assert (half["pricing"] == "batch").all()
    assert half["usd_estimate"].sum() == pytest.approx(table["usd_estimate"].sum() / 2, abs=1e-3)
    named = {"gpt-4o": {**prices["gpt-4o"], "batch_input": 0.0, "batch_output": 0.0}}
    assert estimate_costs(*args[:2], judges, SETTINGS, templates, named, args[-1])["usd_estimate"].sum() == 0
    total = table["usd_estimate"].sum()
    assert cost_summary(table.reset_index()).startswith(
        f"annotation estimate: 13 judge calls, {table['input_tokens'].sum():,}"
    )
    assert f"about ${total:,.2f}" in cost_summary(table.reset_index())
    assert cost_summary(half.reset_index()).endswith("at Batch API prices")
    assert cost_summary(table.iloc[0:0]) == (
        "annotation estimate: no judge model is called (every step is read offline)"
    )


def test_the_estimate_streams_its_responses(tmp_path, monkeypatch):
    """Prompts are counted as they are made: no list of every prompt (542 MB at 680 dilemmas)."""
    import valueprefs.accounting.cost as cost

    responses = tmp_path / "long.jsonl"
    rows = [{"item_id": str(i), "sample": 0, "status": "ok", "text": "1. Honesty.\n2. Care."} for i in range(50)]
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    read, live = [], []
    original = cost.split_arguments

    def counted(text):
        read.append(text)
        return original(text)

    monkeypatch.setattr(cost, "split_arguments", counted)
    real_count = cost.chat_tokens

    def tokens(encoding, messages):
        live.append(len(read))  # responses read so far when a prompt is counted
        return real_count(encoding, messages)

    monkeypatch.setattr(cost, "chat_tokens", tokens)
    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), JUDGE_TEMPLATE_NAMES)
    judge = {"name": "j", "backend": "openai", "model": "m", "steps": ["arguments", "values"]}
    estimate_costs([str(responses)], ["honesty", "care"], [judge], SETTINGS, templates, {}, str(tmp_path / "tk"))
    assert live[0] == 1 and live[-1] == 50  # the first prompt was counted before the second response was read


def test_ledger_lists_what_each_job_sent_and_its_price(tmp_path):
    generation = tmp_path / "generation.json"
    spent = {"model_calls": 7, "requests_sent": 9, "prompt_tokens_spent": 700, "completion_tokens_spent": 70}
    spent["answer_seconds_spent"] = 1.5
    generation.write_text(json.dumps({"model": "m", "alignment": "instruct", "model_id": "x", **spent}))
    annotation = tmp_path / "annotation.json"
    meter = {"requests": 4, "completions": 3, "prompt_tokens": 2_000_000, "completion_tokens": 100_000}
    meter["answer_seconds"] = 2.25
    annotation.write_text(json.dumps({"spent": {"judge": meter}}))
    judges = [{"name": "judge", "model": "gpt-4o"}]
    prices = {"gpt-4o": {"input": 2.5, "output": 10.0}}
    table = ledger({"m/instruct": str(generation)}, {"m/instruct/dd/long_k5": str(annotation)}, {}, judges, prices)
    assert table.loc[0, ["rule", "job", "calls_made", "requests_sent", "prompt_tokens_spent"]].tolist() == [
        "generate", "m/instruct", 7, 9, 700,
    ]  # fmt: skip
    assert pd.isna(table.loc[0, "usd_spent"])  # no price for model x
    row = table.loc[1].to_dict()
    assert (row["rule"], row["job"]) == ("annotate", "m/instruct/dd/long_k5")
    assert (row["calls_made"], row["requests_sent"]) == (3, 4)
    assert table["answer_seconds"].tolist() == [1.5, 2.25]
    assert row["usd_spent"] == pytest.approx(2 * 2.5 + 0.1 * 10.0)


def test_the_runs_ledger_prices_collected_batches_at_the_batch_price(tmp_path, monkeypatch):
    """Spend filed by a batch-collect job is priced at the Batch API's price, the same model's
    calls sent one by one at the standard price (hand-computed)."""
    from valueprefs.accounting.ledger import runs_ledger
    from valueprefs.runtime.cache import DiskCache, call_key, finish_shards
    from valueprefs.runtime.runlog import rule_log

    monkeypatch.chdir(tmp_path)
    answer = [{"text": "honesty", "seed": 0, "prompt_tokens": 1000, "completion_tokens": 100, "finish_reason": "stop"}]
    answer[0]["cached_input_tokens"] = 400  # served by OpenAI's prompt cache: no discount inside a gpt-4o batch
    for i, log in enumerate(("results/logs/batch_collect/gpt-4o/x/values.log", "results/logs/annotate/x/values.log")):
        with rule_log(log):
            description = {"backend": "openai", "model": "gpt-4o", "messages": [{"role": "user", "content": f"p{i}"}]}
            DiskCache("calls").put(call_key(description), description, answer)
            finish_shards()
    prices = {"gpt-4o": {"input": 2.5, "output": 10.0, "cached_input": 1.25}}
    usd = runs_ledger("calls", prices).set_index("job")["usd_spent"]
    assert usd["results/logs/batch_collect/gpt-4o/x/values.log"] == pytest.approx((1000 * 1.25 + 100 * 5.0) / 1e6)
    assert usd["results/logs/annotate/x/values.log"] == pytest.approx((600 * 2.5 + 400 * 1.25 + 100 * 10.0) / 1e6)
    assert runs_ledger("calls", prices)["calls_made"].tolist() == [1, 1]


def _common_prefix(first: list[int], second: list[int]) -> int:
    differing = (i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
    return next(differing, min(len(first), len(second)))


def test_the_estimate_counts_prompt_caching_by_the_providers_rule_and_prices_cached_and_batch_input(tmp_path, encoding):
    """Value prompts over a 400-value vocabulary share a prefix past 1,024 tokens: every call but
    the first is counted with that prefix cached, rounded down to OpenAI's 128-token steps, and
    priced at the cached price (standard), at the batch input price (a batch without its own
    cached price) or at batch_cached_input. The shared prefix is checked against the longest
    common token prefix of two real prompts, counted here."""
    from valueprefs.prompts import value_prompt

    responses = tmp_path / "long.jsonl"
    rows = [{"item_id": "a", "sample": 0, "status": "ok", "text": "1. Honesty first.\n2. Then trust.\n3. Care."}]
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), JUDGE_TEMPLATE_NAMES)
    vocabulary = [f"value number {i}" for i in range(400)]
    first, second = (
        encoding.encode(value_prompt(templates, vocabulary, argument)) for argument in ("Honesty first.", "Care.")
    )
    shared = 3 + _common_prefix(first, second)  # the chat message's 3 opening tokens come first
    assert shared > 1024 + 128
    cached_per_call = 1024 + (shared - 1024) // 128 * 128
    judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "steps": ["values"]}
    price = {"input": 2.5, "output": 10.0, "cached_input": 1.25}

    def values_row(judge, price):
        table = estimate_costs(
            [str(responses)], vocabulary, [judge], SETTINGS, templates, {"gpt-4o": price}, str(tmp_path / "tk")
        )
        return table.set_index("step").loc["values"]

    row = values_row(judge, price)
    inputs, outputs = row["input_tokens"], row["output_tokens_estimate"]
    assert (row["calls"], row["shared_prefix_tokens"]) == (3, shared)
    assert row["cached_input_tokens"] == 2 * cached_per_call  # the first call fills the cache
    cached = row["cached_input_tokens"]
    by_hand = ((inputs - cached) * 2.5 + cached * 1.25 + outputs * 10) / 1e6
    assert row["usd_estimate"] == pytest.approx(by_hand, abs=1e-4)
    # no cached price: no cache assumed; a provider threshold above the prefix: nothing cached
    assert values_row(judge, {"input": 2.5, "output": 10.0})["cached_input_tokens"] == 0
    assert values_row(judge, {**price, "cache_min_tokens": shared + 1})["cached_input_tokens"] == 0
    # a batch: cached tokens at the batch input price unless batch_cached_input is named
    batch = {**judge, "batch": True}
    assert values_row(batch, price)["usd_estimate"] == pytest.approx((inputs * 1.25 + outputs * 5) / 1e6, abs=1e-4)
    stacked = values_row(batch, {**price, "batch_cached_input": 0.625})["usd_estimate"]
    assert stacked == pytest.approx(((inputs - cached) * 1.25 + cached * 0.625 + outputs * 5) / 1e6, abs=1e-4)
    assert "served by the provider's prompt cache" in cost_summary(
        estimate_costs([str(responses)], vocabulary, [judge], SETTINGS, templates, {"gpt-4o": price}, str(tmp_path))
    )


def test_the_papers_value_and_extraction_prompts_fall_short_of_openais_cacheable_length(tmp_path, shared_data):
    """With the 301 values, the paper's value prompt shares 904 tokens (920 batched) and its
    extraction prompt 944 (its examples): below the 1,024 from which OpenAI caches, so the
    estimate counts none of them cached, at any cached price."""
    vocabulary = pd.read_csv(shared_data / "dailydilemmas" / "values.csv")["value"].tolist()
    responses = tmp_path / "long.jsonl"
    rows = [{"item_id": str(i), "sample": 0, "status": "ok", "text": "1. Honesty.\n2. Care."} for i in range(3)]
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), JUDGE_TEMPLATE_NAMES)
    judge = {"name": "gpt-4o", "backend": "openai", "model": "gpt-4o", "steps": ["arguments", "values"]}
    prices = {"gpt-4o": {"input": 2.5, "output": 10.0, "cached_input": 1.25}}
    for batching in (False, True):
        settings = {**SETTINGS, "value_batching": batching}
        table = estimate_costs([str(responses)], vocabulary, [judge], settings, templates, prices, str(tmp_path))
        assert (table["shared_prefix_tokens"] < 1024).all() and (table["shared_prefix_tokens"] > 850).all()
        assert (table["cached_input_tokens"] == 0).all()
