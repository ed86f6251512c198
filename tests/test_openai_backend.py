"""The OpenAI backend against a real llama_cpp.server on 127.0.0.1 (SmolLM2)."""

import threading

import pytest
from servers import LlamaServer

from valueprefs.generation.plan import Call
from valueprefs.generation.responses import ResponseFiles, generate_model
from valueprefs.llm.calls import run_calls
from valueprefs.llm.openai_api import OpenAICompatibleBackend
from valueprefs.llm.requests import CallFailure, CallMeter, Request
from valueprefs.runtime.cache import DiskCache
from valueprefs.tasks import SHORT, long_task


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LlamaServer(log_dir=tmp_path_factory.mktemp("server")).start()
    yield server
    server.stop()


def spec_for(server, **options):
    return {"backend": "openai", "model": "smollm2", "base_url": server.base_url, **options}


def identity(spec):
    return {"backend": "openai", "model": spec["model"], "base_url": spec["base_url"]}


def factory(spec):
    def build():
        options = {key: spec[key] for key in ("max_retries", "timeout", "max_concurrency") if key in spec}
        return OpenAICompatibleBackend(spec["model"], base_url=spec["base_url"], **options)

    return build


def short_calls(count):
    return [
        Call(
            "demo",
            f"item-{i}",
            SHORT,
            Request(
                messages=({"role": "user", "content": f"Answer 'Action 1' or 'Action 2'. Case {i}."},), max_tokens=8
            ),
        )
        for i in range(count)
    ]


def test_chat_and_completion_calls_are_cached(server, tmp_path):
    spec = spec_for(server)
    calls = short_calls(3)
    calls.append(
        Call("demo", "raw", long_task(3), Request(prompt="List three fruits:\n1.", max_tokens=12, n=2, seed=5))
    )
    outputs = {("demo", "short"): str(tmp_path / "short.jsonl"), ("demo", "long_k3"): str(tmp_path / "long.jsonl")}
    base = {"model": "smollm2", "alignment": "instruct", "backend": "openai", "model_id": "smollm2"}
    files = ResponseFiles(outputs, str(tmp_path / "t.jsonl"), str(tmp_path / "s.json"))
    first = generate_model(calls, identity(spec), base, DiskCache(tmp_path / "cache"), factory(spec), files, 0.0)
    # the long call asks for 2 samples: two calls, as the server answers them
    assert first["model_calls"] == 5 == first["requests_sent"] and first["failed_calls"] == 0
    assert first["completion_tokens_spent"] == first["completion_tokens"] > 0
    assert first["status_ok"] == 5 and first["completion_tokens"] > 0 and first["answer_seconds_spent"] > 0
    long_rows = (tmp_path / "long.jsonl").read_text().splitlines()
    assert len(long_rows) == 2 and '"seed": 5' in long_rows[0] and '"seed": 6' in long_rows[1]
    content = {name: (tmp_path / name).read_text() for name in ("short.jsonl", "long.jsonl")}

    def must_not_build():
        raise AssertionError("a fully cached rerun must not contact the model")

    again = generate_model(calls, identity(spec), base, DiskCache(tmp_path / "cache"), must_not_build, files, 0.0)
    assert again["model_calls"] == again["requests_sent"] == again["completion_tokens_spent"] == 0
    assert again["answer_seconds_spent"] == 0
    assert again["cache_hits"] == 4
    assert content == {name: (tmp_path / name).read_text() for name in ("short.jsonl", "long.jsonl")}


def test_server_restarted_mid_batch_completes_and_repeats_nothing(tmp_path):
    server = LlamaServer(log_dir=tmp_path).start()
    first_pid = server.process.pid
    try:
        spec = spec_for(server, max_concurrency=2, max_retries=8, timeout=30)
        calls = short_calls(8)
        cache = DiskCache(tmp_path / "cache")
        build = factory(spec)
        restarted = threading.Event()

        def restart():
            server.stop()
            server.start()

        class RestartingBackend:
            """The real backend; after its second answer, the server is killed and restarted."""

            def __init__(self):
                self.inner = build()

            def generate(self, requests, sink):
                def watch(index, result):
                    sink(index, result)
                    if cache.stores == 2 and not restarted.is_set():
                        restarted.set()
                        threading.Thread(target=restart).start()

                self.inner.generate(requests, watch)

            @property
            def meter(self):
                return self.inner.meter

            def close(self):
                self.inner.close()

        results = run_calls([c.request for c in calls], identity(spec), cache, RestartingBackend, CallMeter())
        assert restarted.is_set() and server.process.pid != first_pid
        assert not [r for r in results if isinstance(r, CallFailure)]
        assert cache.stores == len(calls)
        rerun = DiskCache(tmp_path / "cache")
        requests = [c.request for c in calls]
        run_calls(requests, identity(spec), rerun, lambda: pytest.fail("nothing may be repeated"), CallMeter())
        assert rerun.hits == len(calls) and rerun.stores == 0
    finally:
        server.stop()


def test_unreachable_server_is_a_recorded_failure(tmp_path):
    spec = {"backend": "openai", "model": "x", "base_url": "http://127.0.0.1:9/v1", "max_retries": 1, "timeout": 2}
    meter = CallMeter()
    results = run_calls(
        [c.request for c in short_calls(2)], identity(spec), DiskCache(tmp_path / "c"), factory(spec), meter
    )
    assert all(isinstance(r, CallFailure) and "Connection" in r.reason for r in results)
    assert meter.requests == 2 * (1 + 1) and meter.completions == 0  # each call tried, then retried once
    assert not list((tmp_path / "c").rglob("*.json"))


def test_a_prompt_over_the_limit_is_never_sent(tmp_path):
    """run_calls with max_prompt_chars against a real HTTP server: the oversized request fails
    naming its size and reaches neither the server nor the cache; the others are made."""
    from servers import ScriptedServer

    from valueprefs.runtime.cache import finish_shards

    requests = [Request(messages=({"role": "user", "content": text},), max_tokens=8) for text in ("hi", "x" * 5000)]
    with ScriptedServer(lambda messages: "hello") as scripted:
        spec = {"model": "m", "base_url": scripted.base_url}
        found = run_calls(requests, identity(spec), DiskCache(tmp_path), factory(spec), CallMeter(), "m", 1000)
        sent = len(scripted.requests)
        cached = DiskCache(tmp_path / "earlier")  # answered before the limit was set ...
        run_calls(requests[1:], identity(spec), cached, factory(spec), CallMeter(), "m")
        finish_shards()
        later = DiskCache(tmp_path / "earlier")  # ... refused once it is: not looked up, no hit counted
        refused = run_calls(requests[1:], identity(spec), later, factory(spec), CallMeter(), "m", 1000)
    assert found[0][0]["text"] == "hello" and sent == 1
    assert isinstance(found[1], CallFailure) and refused == [found[1]] and later.hits == 0
    assert found[1].reason == "prompt of 5,000 characters (about 1,250 tokens) is over max_prompt_chars 1,000: not sent"
