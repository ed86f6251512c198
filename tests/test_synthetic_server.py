"""The synthetic OpenAI-compatible server: chat and completions with usage, injected faults the
`openai` backend retries through, counts of what it served, and the parameters it reads from a
workflow config (defaults from the schema, a missing control named)."""

import http.server
import json
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request

import pytest
import yaml

from valueprefs.errors import ConfigError
from valueprefs.io import write_csv, write_jsonl
from valueprefs.llm.calls import run_calls
from valueprefs.llm.openai_api import OpenAICompatibleBackend
from valueprefs.llm.requests import CallFailure, CallMeter, Request
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths, value_prompt
from valueprefs.runtime.cache import DiskCache, entries
from valueprefs.synthetic.server import SyntheticService, configured_control
from valueprefs.synthetic.wire import handler_for, parse_faults

from conftest import REPO

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
VALUES = ["honesty", "care", "fairness"]


@pytest.fixture
def data_dir(tmp_path):
    import pandas as pd

    write_csv(tmp_path / "vocabulary.csv", pd.DataFrame({"value": VALUES}))
    item = {"dilemma_id": "d1", "situation": "A friend asks you to lie.", "action_to_do": "Lie."}
    item |= {"action_not_to_do": "Refuse.", "values_to_do": ["care"], "values_not_to_do": ["honesty"]}
    (tmp_path / "dd").mkdir()
    write_jsonl(tmp_path / "dd" / "items.jsonl", [item])
    return tmp_path


def serve(service):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_for(service))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def post(url, body):
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def judge_prompt(argument):
    texts = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), ())
    return value_prompt(texts, VALUES, argument)


def test_chat_and_completions_answer_with_usage_and_are_counted(data_dir):
    server, base_url = serve(SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, {}, 0.0))
    try:
        prompt = judge_prompt("Honesty keeps trust alive.")
        chat = post(f"{base_url}/chat/completions", {"model": "j", "messages": [{"role": "user", "content": prompt}]})
        assert chat["choices"][0]["message"]["content"] == "List supporting values: honesty"
        assert chat["usage"]["prompt_tokens"] == len(prompt.split()) and chat["usage"]["completion_tokens"] == 4
        done = post(f"{base_url}/completions", {"model": "j", "prompt": prompt, "n": 2})
        assert [choice["text"] for choice in done["choices"]] == ["List supporting values: honesty"] * 2
        with urllib.request.urlopen(f"{base_url}/stats") as response:
            stats = json.loads(response.read())
        assert stats["requests"] == 2 and stats["completions"] == 3
        with pytest.raises(urllib.error.HTTPError) as refused:
            post(f"{base_url}/chat/completions", {"model": "j", "messages": [{"role": "user", "content": "Hi?"}]})
        assert refused.value.code == 400 and "matches none of the templates" in refused.value.read().decode()
    finally:
        server.shutdown()


def test_an_answer_stops_at_max_tokens_with_finish_reason_length_and_is_counted_so(data_dir):
    """The judge's answer is 4 words; with max_tokens 2 the server sends its first 2, says
    "length", and counts 2 completion tokens; with 4 or none, the whole answer and "stop"."""
    server, base_url = serve(SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, {}, 0.0))
    try:
        messages = [{"role": "user", "content": judge_prompt("Honesty keeps trust alive.")}]
        cut = post(f"{base_url}/chat/completions", {"model": "j", "messages": messages, "max_tokens": 2, "n": 2})
        assert [c["message"]["content"] for c in cut["choices"]] == ["List supporting"] * 2
        assert [c["finish_reason"] for c in cut["choices"]] == ["length"] * 2
        assert cut["usage"]["completion_tokens"] == 4  # 2 answers of 2 tokens
        whole = post(f"{base_url}/completions", {"model": "j", "prompt": messages[0]["content"], "max_tokens": 4})
        assert (whole["choices"][0]["text"], whole["choices"][0]["finish_reason"]) == (
            "List supporting values: honesty",
            "stop",
        )
        with urllib.request.urlopen(f"{base_url}/stats") as response:
            assert json.loads(response.read())["completion_tokens"] == 4 + 4
    finally:
        server.shutdown()


CONTROL = {"consistency": 1.0, "noise": 0.5, "position_bias": 0.0, "explicit_shift": 0.0}
CONTROL |= {"specificity": -0.8, "diversity": 2.0, "recognition_recall": 0.7}


def test_injected_faults_are_retried_by_the_openai_backend_and_counted(data_dir, tmp_path):
    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, parse_faults("429=0.3,500=0.2"), 0.0, seed=1)
    server, base_url = serve(service)
    try:
        requests = [
            Request(messages=({"role": "user", "content": judge_prompt(f"Care for case {i}.")},), max_tokens=32)
            for i in range(30)
        ]
        meter = CallMeter()

        def factory():
            return OpenAICompatibleBackend("j", base_url=base_url, max_retries=8, timeout=10, max_concurrency=4)

        results = run_calls(requests, {"model": "j"}, DiskCache(tmp_path / "cache"), factory, meter, "faults")
    finally:
        server.shutdown()
    assert not any(isinstance(result, CallFailure) for result in results)
    assert all(result[0]["text"] == "List supporting values: care" for result in results)
    faults = sum(service.stats["faults"].values())
    assert service.stats["requests"] == 30 and faults > 5  # about half of the attempts failed
    assert meter.requests == 30 + faults  # the backend saw every failed attempt


def test_the_servers_prompt_cache_follows_openais_rule_and_the_backend_counts_what_it_reported(data_dir, tmp_path):
    """A prompt cache from 16 words in steps of 8 (OpenAI's rule at a small scale): the first
    prompt is served uncached; a second with the same template and another argument gets the
    template's words down to a step; the first prompt sent again (another seed) gets all its
    words down to a step. The backend's meter, the server's count and the stored calls agree."""
    from valueprefs.synthetic.prompt_cache import PrefixCache, parse_prompt_cache

    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, {}, 0.0, prompt_cache=PrefixCache(16, 8))
    server, base_url = serve(service)
    arguments = ["Honesty keeps trust alive in every family.", "Care matters."]
    prompts = [judge_prompt(arguments[0]), judge_prompt(arguments[1]), judge_prompt(arguments[0])]
    meter = CallMeter()
    try:
        for seed, prompt in enumerate(prompts):  # one at a time: the order decides what is cached
            request = Request(messages=({"role": "user", "content": prompt},), max_tokens=32, seed=seed)

            def factory():
                return OpenAICompatibleBackend("j", base_url=base_url, max_retries=0, timeout=10)

            run_calls([request], {"model": "j"}, DiskCache(tmp_path / "cache"), factory, meter, "cached")
    finally:
        server.shutdown()
    template_words = len(prompts[0].split()) - len(arguments[0].split())
    whole_words = len(prompts[0].split())
    assert template_words >= 16
    second, third = (16 + (words - 16) // 8 * 8 for words in (template_words, whole_words))
    assert meter.cached_input_tokens == service.stats["cached_input_tokens"] == second + third
    stored = [entry["result"][0].get("cached_input_tokens", 0) for entry in entries(tmp_path / "cache").values()]
    assert sorted(stored) == sorted([0, second, third])
    assert parse_prompt_cache("off") is None
    with pytest.raises(ValueError, match="MIN_TOKENS,INCREMENT"):
        parse_prompt_cache("1024")


def test_identical_calls_in_one_job_are_made_once_and_share_the_answer(data_dir, tmp_path):
    """Four identical prompts and one other: the server sees two requests, the four get one
    answer, and a cached rerun returns the same results without a request."""
    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, parse_faults(""), 0.0, seed=1)
    server, base_url = serve(service)
    try:
        texts = ["Care for case 1."] * 4 + ["Care for case 2."]
        requests = [Request(messages=({"role": "user", "content": judge_prompt(t)},), max_tokens=32) for t in texts]

        def factory():
            return OpenAICompatibleBackend("j", base_url=base_url, max_retries=0, timeout=10, max_concurrency=4)

        cache = DiskCache(tmp_path / "cache")
        first = run_calls(requests, {"model": "j"}, cache, factory, CallMeter(), "identical")
        rerun = run_calls(requests, {"model": "j"}, DiskCache(tmp_path / "cache"), factory, CallMeter(), "again")
    finally:
        server.shutdown()
    assert service.stats["requests"] == 2 and cache.stores == 2
    assert all(result == first[0] for result in first[:4]) and first[4] != first[0]
    assert rerun == first


def test_answer_seconds_sum_the_time_the_server_took_per_call(data_dir, tmp_path):
    """Six calls at a server that waits 0.1 s before each answer, two in flight: the meter sums
    at least 0.6 s of answering though the calls take about half that wall time; a cached
    rerun spends none."""
    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, parse_faults(""), 0.1, seed=1)
    server, base_url = serve(service)
    try:
        texts = [f"Care for case {i}." for i in range(6)]
        requests = [Request(messages=({"role": "user", "content": judge_prompt(t)},), max_tokens=32) for t in texts]

        def factory():
            return OpenAICompatibleBackend("j", base_url=base_url, max_retries=0, timeout=10, max_concurrency=2)

        meter, rerun = CallMeter(), CallMeter()
        start = time.perf_counter()
        run_calls(requests, {"model": "j"}, DiskCache(tmp_path / "cache"), factory, meter, "timed")
        wall = time.perf_counter() - start
        run_calls(requests, {"model": "j"}, DiskCache(tmp_path / "cache"), factory, rerun, "again")
    finally:
        server.shutdown()
    assert meter.completions == 6 and 0.6 <= meter.answer_seconds < 0.6 + 6 * 0.2
    assert wall < meter.answer_seconds  # two calls in flight overlap
    assert rerun.answer_seconds == 0.0 and meter.as_dict()["answer_seconds"] == round(meter.answer_seconds, 3)


def test_parameters_come_from_the_workflow_config_with_schema_defaults(tmp_path):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    control = configured_control(str(path), "control-inconsistent/instruct", SCHEMA)
    assert control["consistency"] == 0.0 and control["noise"] == 0.5 and control["latent_seed"] == 0
    with pytest.raises(ConfigError, match="no model 'smollm2-135m/instruct' with a control section"):
        configured_control(str(path), "smollm2-135m/instruct", SCHEMA)
    with pytest.raises(ValueError, match="add up to more than 1"):
        parse_faults("429=0.7,500=0.5")


# A job that asks the judge about the arguments numbered FIRST..LAST-1 and prints what it got.
JOB = textwrap.dedent(
    """
    import json, logging, sys, time
    from valueprefs.runtime.cache import DiskCache, finish_shards
    from valueprefs.llm.calls import run_calls
    from valueprefs.llm.openai_api import OpenAICompatibleBackend
    from valueprefs.llm.requests import CallMeter, Request
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    base_url, cache_dir, prompts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    requests = [Request(messages=({"role": "user", "content": p},), max_tokens=32) for p in prompts]
    def factory():
        return OpenAICompatibleBackend("j", base_url=base_url, max_retries=0, timeout=30, max_concurrency=1)
    cache, meter, started = DiskCache(cache_dir), CallMeter(), time.time()
    results = run_calls(requests, {"model": "j", "base_url": base_url}, cache, factory, meter, "job")
    finish_shards()
    print(json.dumps({"results": results, "sent": meter.requests, "stored": cache.stores,
                      "started": started, "ended": time.time()}))
    """
)


def job(base_url, cache_dir, numbers) -> subprocess.Popen:
    prompts = json.dumps([judge_prompt(f"Care for case {i}.") for i in numbers])
    command = [sys.executable, "-c", JOB, base_url, str(cache_dir), prompts]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out) | {"log": err}


def test_identical_calls_in_jobs_running_at_once_are_made_once_and_share_the_answer(data_dir, tmp_path):
    """Two jobs started together ask 40 calls each, 20 of them the same: the server sees 60
    requests, the shared calls get the same answers, and no claim is left behind."""
    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, parse_faults(""), 0.1, seed=1)
    server, base_url = serve(service)
    try:
        first, second = job(base_url, tmp_path, range(0, 40)), job(base_url, tmp_path, range(20, 60))
        first, second = finished(first), finished(second)
    finally:
        server.shutdown()
    assert first["started"] < second["ended"] and second["started"] < first["ended"]  # they overlapped
    assert service.stats["requests"] == 60 == first["sent"] + second["sent"]
    assert first["stored"] + second["stored"] == 60 and min(first["sent"], second["sent"]) >= 20
    assert first["results"][20:] == second["results"][:20]
    assert "waiting for calls that another job is making" in first["log"] + second["log"]
    assert not list(tmp_path.rglob("*.claims")) and len(entries(tmp_path)) == 60


def test_a_job_waiting_for_a_killed_job_makes_the_calls_it_did_not_commit(data_dir, tmp_path):
    """The job making 20 calls is killed while another waits for them: the waiting job makes
    those not yet committed, reads the others from the killed job's shard, and ends."""
    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, parse_faults(""), 0.2, seed=1)
    server, base_url = serve(service)
    try:
        claimant = job(base_url, tmp_path, range(20))
        deadline = time.monotonic() + 60
        while service.stats["requests"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        waiter = job(base_url, tmp_path, range(20))
        while "waiting for calls" not in waiter.stderr.readline():
            assert waiter.poll() is None, "the second job never waited for the first"
        claimant.kill()
        claimant.wait(timeout=10)
        waited = finished(waiter)
    finally:
        server.shutdown()
    # the killed job's committed calls (3 or more) are not made again; at most the one it had in
    # flight (one at a time) is made twice
    assert waited["stored"] <= 17 and service.stats["requests"] <= 21
    assert all(result[0]["text"] == "List supporting values: care" for result in waited["results"])
    assert len(entries(tmp_path)) == 20 and not list(tmp_path.rglob("*.claims"))


def test_the_synthetic_server_answers_a_batch_through_the_openai_sdk(data_dir):
    """The Batch API on the same wire: upload, create, poll until completed, download; each
    line answered by the synthetic judge and counted like a chat request."""
    import io

    import openai

    from valueprefs.synthetic.wire import serving

    service = SyntheticService(data_dir, {"latent_seed": 0} | CONTROL, {}, 0.0)
    arguments = ["Honesty keeps trust alive.", "Care for a friend in need."]
    lines = [
        {
            "custom_id": f"c{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "j", "messages": [{"role": "user", "content": judge_prompt(text)}]},
        }
        for i, text in enumerate(arguments)
    ]
    with serving(service) as base_url:
        client = openai.OpenAI(base_url=base_url, api_key="unused")
        upload = client.files.create(
            file=("b.jsonl", io.BytesIO("\n".join(map(json.dumps, lines)).encode())), purpose="batch"
        )
        batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h")
        statuses = [client.batches.retrieve(batch.id).status for _ in range(2)]
        output = client.files.content(client.batches.retrieve(batch.id).output_file_id).text
    assert statuses == ["in_progress", "completed"]
    answers = {
        row["custom_id"]: row["response"]["body"]["choices"][0]["message"]["content"]
        for row in map(json.loads, output.splitlines())
    }
    assert answers == {"c0": "List supporting values: honesty", "c1": "List supporting values: care"}
    assert service.stats["requests"] == 2
