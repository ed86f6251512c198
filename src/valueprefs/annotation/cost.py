"""What annotation will cost, before any judge call: calls, input/output tokens, price.

Input tokens are counted exactly with gpt-4o's o200k_base encoding on the real prompts. The
arguments a judge will extract are not known yet, so the value and specificity steps are
estimated on the arguments found by structure (numbered lists, paragraphs); output tokens are
estimates too (the extraction echoes the arguments as JSON; a value list or a score is short).
"""

import json

import pandas as pd

from valueprefs.annotation.annotator import SPECIFICITY
from valueprefs.annotation.offline import split_arguments
from valueprefs.io import iter_jsonl
from valueprefs.prompts import Templates, batched_value_prompt, value_prompt
from valueprefs.tokens import chat_tokens, o200k_base

VALUE_ANSWER_TOKENS = 20
SCORE_ANSWER_TOKENS = {"path": 2, "attribute": 60}


def estimate_costs(
    response_files: list[str],
    vocabulary: list[str],
    judges: list[dict],
    settings: dict,
    templates: Templates,
    prices: dict,
    cache_dir: str,
) -> pd.DataFrame:
    """One row per LLM judge and step: calls, input tokens, estimated output tokens, price (USD)."""
    encoding = o200k_base(cache_dir)

    def count(prompt: str) -> int:
        return chat_tokens(encoding, [{"role": "user", "content": prompt}])

    responses = [row for path in response_files for _, row in iter_jsonl(path) if row.get("status") == "ok"]
    split = [split_arguments(r["text"]) for r in responses]
    samples = settings["specificity_samples"]
    rows = []
    for judge in judges:
        if judge["backend"] == "offline":
            continue
        totals: dict[str, list[int]] = {}
        if "arguments" in judge["steps"]:
            totals["arguments"] = [
                len(responses),
                sum(count(templates.render("extract_arguments", text=r["text"])) for r in responses),
                sum(len(encoding.encode(json.dumps([{"argument": a} for a in args]))) for args in split),
            ]
        if "values" in judge["steps"]:
            totals["values"] = _value_totals(split, templates, vocabulary, settings["value_batching"], count)
        if "specificity" in judge["steps"]:
            rated = [
                a
                for r, args in zip(responses, split, strict=True)
                if samples is None or r["sample"] in samples
                for a in args
            ]
            for kind in settings["specificity"]:
                template = SPECIFICITY[kind][0]
                inputs = sum(count(templates.render(template, argument=a)) for a in rated)
                totals[f"specificity_{kind}"] = [len(rated), inputs, len(rated) * SCORE_ANSWER_TOKENS[kind]]
        price = prices.get(judge.get("model", ""), {})
        for step, (calls, inputs, outputs) in totals.items():
            cost = (inputs * price.get("input", 0.0) + outputs * price.get("output", 0.0)) / 1e6
            rows.append(
                {
                    "judge": judge["name"],
                    "model": judge.get("model"),
                    "step": step,
                    "calls": calls,
                    "input_tokens": inputs,
                    "output_tokens_estimate": outputs,
                    "usd_estimate": round(cost, 4) if price else None,
                }
            )
    return pd.DataFrame(
        rows, columns=["judge", "model", "step", "calls", "input_tokens", "output_tokens_estimate", "usd_estimate"]
    )


def _value_totals(split, templates, vocabulary, batching, count) -> list[int]:
    if batching:
        prompts = [batched_value_prompt(templates, vocabulary, args) for args in split if args]
        arguments = sum(len(args) for args in split)
        return [len(prompts), sum(count(p) for p in prompts), arguments * VALUE_ANSWER_TOKENS]
    prompts = [value_prompt(templates, vocabulary, a) for args in split for a in args]
    return [len(prompts), sum(count(p) for p in prompts), len(prompts) * VALUE_ANSWER_TOKENS]
