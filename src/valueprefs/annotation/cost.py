"""What annotation will cost, before any judge call: calls, input/output tokens, price.

Input tokens are counted exactly with gpt-4o's o200k_base encoding on the real prompts. The
arguments a judge will extract are not known yet, so the value and specificity steps are
estimated on the arguments found by structure (numbered lists, paragraphs); output tokens are
estimates too (the extraction echoes the arguments as JSON; a value list or a score is short).
"""

import json

import pandas as pd

from valueprefs.annotation.annotator import SPECIFICITY, asked_k
from valueprefs.annotation.offline import split_arguments
from valueprefs.annotation.structure import clean_list
from valueprefs.io import iter_jsonl
from valueprefs.planning import audited, step_judges
from valueprefs.prompts import Templates, batched_specificity_prompt, batched_value_prompt, value_prompt
from valueprefs.tokens import chat_tokens, o200k_base

VALUE_ANSWER_TOKENS = 20
SCORE_ANSWER_TOKENS = {"path": 2, "attribute": 60}


COLUMNS = ["judge", "model", "step", "calls", "input_tokens", "output_tokens_estimate", "pricing", "usd_estimate"]
# OpenAI's Batch API bills half the standard price unless a config gives batch prices.
BATCH_DISCOUNT = 0.5


def estimate_costs(
    response_files: list[str],
    vocabulary: list[str],
    judges: list[dict],
    settings: dict,
    templates: Templates,
    prices: dict,
    cache_dir: str,
) -> pd.DataFrame:
    """One row per LLM judge and step: calls, input tokens, estimated output tokens, price (USD,
    at the Batch API's price for a judge with ``batch: true``). The responses are streamed: one
    response and its prompts are in memory at a time, whatever the size of the run."""
    encoding = o200k_base(cache_dir)

    def count(prompt: str) -> int:
        return chat_tokens(encoding, [{"role": "user", "content": prompt}])

    rows = []
    extracting = {judge["name"] for judge in step_judges(judges, "arguments")}
    for judge in judges:
        if judge["name"] not in extracting:  # only the primary judge (and the auditor) extract
            judge = {**judge, "steps": [step for step in judge["steps"] if step != "arguments"]}
        if judge["backend"] == "offline" or not judge["steps"]:
            continue
        totals: dict[str, list[int]] = {}
        protocol = (
            {**settings, "value_batching": False, "specificity_batching": False} if judge.get("audit") else settings
        )
        for row, arguments, extract in _responses(response_files, settings.get("structure_first", False)):
            if judge.get("audit"):  # the paper's protocol on the audited answers structure split
                if extract or not audited(row["item_id"], row["sample"], settings["audit"]):
                    continue
                extract = True
            for step, calls, inputs, outputs in _response_costs(
                judge, row["sample"], row["text"], arguments, extract, templates, vocabulary, protocol, count, encoding
            ):
                total = totals.get(step, [0, 0, 0])
                totals[step] = [a + b for a, b in zip(total, (calls, inputs, outputs), strict=True)]
        price, pricing = _price(judge, prices)
        for step in _step_order(judge, settings):
            calls, inputs, outputs = totals.get(step, [0, 0, 0])
            cost = (inputs * price["input"] + outputs * price["output"]) / 1e6 if price else None
            rows.append(
                {
                    "judge": judge["name"],
                    "model": judge.get("model"),
                    "step": step,
                    "calls": calls,
                    "input_tokens": inputs,
                    "output_tokens_estimate": outputs,
                    "pricing": pricing,
                    "usd_estimate": round(cost, 4) if cost is not None else None,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _responses(response_files: list[str], structure_first: bool):
    """(response row, arguments found by structure, whether the judge must extract them) of
    every answered response, one at a time."""
    for path in response_files:
        for _, row in iter_jsonl(path):
            if row.get("status") == "ok":
                clean = clean_list(row["text"], asked_k(row)) if structure_first else None
                yield row, clean or split_arguments(row["text"]), clean is None


def _step_order(judge: dict, settings: dict) -> list[str]:
    steps = [step for step in ("arguments", "values") if step in judge["steps"]]
    if "specificity" in judge["steps"]:
        steps += [f"specificity_{kind}" for kind in settings["specificity"]]
    return steps


def _response_costs(judge, sample, text, arguments, extract, templates, vocabulary, settings, count, encoding):
    """(step, calls, input tokens, output tokens) of one response for one judge (``extract``:
    whether its arguments need the judge's extraction call)."""
    if "arguments" in judge["steps"] and extract:
        answer = len(encoding.encode(json.dumps([{"argument": a} for a in arguments])))
        yield "arguments", 1, count(templates.render("extract_arguments", text=text)), answer
    if "values" in judge["steps"] and arguments:
        if settings["value_batching"]:
            prompt = batched_value_prompt(templates, vocabulary, arguments)
            yield "values", 1, count(prompt), len(arguments) * VALUE_ANSWER_TOKENS
        else:
            inputs = sum(count(value_prompt(templates, vocabulary, a)) for a in arguments)
            yield "values", len(arguments), inputs, len(arguments) * VALUE_ANSWER_TOKENS
    samples = settings["specificity_samples"]
    if "specificity" in judge["steps"] and (samples is None or sample in samples):
        for kind in settings["specificity"]:
            template, answers = SPECIFICITY[kind][0], len(arguments) * SCORE_ANSWER_TOKENS[kind]
            if settings.get("specificity_batching"):
                if arguments:
                    prompt = batched_specificity_prompt(templates, template, arguments)
                    yield f"specificity_{kind}", 1, count(prompt), answers
            else:
                inputs = sum(count(templates.render(template, argument=a)) for a in arguments)
                yield f"specificity_{kind}", len(arguments), inputs, answers


def _price(judge: dict, prices: dict) -> tuple[dict, str]:
    """USD per million input and output tokens for the judge's model, and which price it is."""
    price = model_price(judge.get("model", ""), prices, bool(judge.get("batch")))
    if not price:
        return {}, "no price"
    return price, "batch" if judge.get("batch") else "standard"


def model_price(model: str, prices: dict, batch: bool = False) -> dict:
    """USD per million input and output tokens of ``model`` ({} without a price); ``batch``: the
    Batch API's (``batch_input``/``batch_output``, by default the standard price discounted)."""
    price = prices.get(model, {})
    if not price:
        return {}
    if not batch:
        return {"input": price["input"], "output": price["output"]}
    return {
        "input": price.get("batch_input", price["input"] * BATCH_DISCOUNT),
        "output": price.get("batch_output", price["output"] * BATCH_DISCOUNT),
    }


def cost_summary(table: pd.DataFrame) -> str:
    """One line: the calls, tokens and dollars of the whole estimate."""
    if table.empty:
        return "annotation estimate: no judge model is called (every step is read offline)"
    priced = table[table["usd_estimate"].notna()]
    line = (
        f"annotation estimate: {int(table['calls'].sum()):,} judge calls, "
        f"{int(table['input_tokens'].sum()):,} input tokens, about ${priced['usd_estimate'].sum():,.2f}"
    )
    if set(priced["pricing"]) == {"batch"}:
        line += " at Batch API prices"
    unpriced = sorted(set(table.loc[table["usd_estimate"].isna(), "model"].dropna()))
    return line + (f" (no price configured for {', '.join(unpriced)})" if unpriced else "")
