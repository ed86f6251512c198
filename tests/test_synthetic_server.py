"""The synthetic OpenAI-compatible server: chat and completions with usage, injected faults the
`openai` backend retries through, counts of what it served, and the parameters it reads from a
workflow config (defaults from the schema, a missing control named)."""

import http.server
import json
import threading
import urllib.error
import urllib.request

import pytest
import yaml

from valueprefs.errors import ConfigError
from valueprefs.io import write_csv, write_jsonl
from valueprefs.llm.cache import DiskCache
from valueprefs.llm.calls import run_calls
from valueprefs.llm.openai_api import OpenAICompatibleBackend
from valueprefs.llm.requests import CallFailure, CallMeter, Request
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates, default_template_paths, value_prompt
from valueprefs.synthetic.server import SyntheticService, configured_control, handler_for, parse_faults

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
