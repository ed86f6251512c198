"""What annotation will cost, before any judge call: calls, input/output tokens, price.

Input tokens are counted exactly with gpt-4o's o200k_base encoding on the real prompts. The
arguments a judge will extract are not known yet, so the value and specificity steps are
estimated on the arguments found by structure (numbered lists, paragraphs); output tokens are
estimates too (the extraction echoes the arguments as JSON; a value list or a score is short).

Where a judge's model has a ``cached_input`` price, its provider caches prompt prefixes: every
call of a step after the first is counted with the prefix all its prompts share (the template
before its first per-call field) served from the cache, as far as the provider's rule allows
(OpenAI: nothing below 1,024 tokens, then steps of 128). ``shared_prefix_tokens`` shows that
prefix against the rule, so a template that falls short is seen, not assumed to be cached.
"""

import json
from dataclasses import dataclass

import pandas as pd

from valueprefs.annotation.annotator import SPECIFICITY, asked_k
from valueprefs.annotation.offline import split_arguments
from valueprefs.annotation.structure import clean_list
from valueprefs.io import iter_jsonl
from valueprefs.planning import audited, step_judges
from valueprefs.prompts import (
    Templates,
    batched_specificity_prompt,
    batched_value_prompt,
    shared_prefix,
    value_prompt,
)
from valueprefs.tokens import CACHE_INCREMENT, CACHE_MIN_TOKENS, TOKENS_PER_MESSAGE, chat_tokens, o200k_base

VALUE_ANSWER_TOKENS = 20
SCORE_ANSWER_TOKENS = {"path": 2, "attribute": 60}


COLUMNS = [
    "judge", "model", "step", "calls", "input_tokens", "shared_prefix_tokens", "cached_input_tokens",
    "output_tokens_estimate", "pricing", "usd_estimate",
]  # fmt: skip
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
    tokens = PromptTokens(templates, vocabulary, o200k_base(cache_dir))
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
            for step, calls, inputs, outputs in _response_costs(judge, protocol, tokens, row, arguments, extract):
                total = totals.get(step, [0, 0, 0])
                totals[step] = [a + b for a, b in zip(total, (calls, inputs, outputs), strict=True)]
        price, pricing = _price(judge, prices)
        for step in _step_order(judge, settings):
            calls, inputs, outputs = totals.get(step, [0, 0, 0])
            shared = count_prefix(templates, _step_template(step, protocol), vocabulary, tokens.encoding)
            cached = max(calls - 1, 0) * cacheable_tokens(shared, prices.get(judge.get("model", ""), {}))
            rows.append(
                {
                    "judge": judge["name"],
                    "model": judge.get("model"),
                    "step": step,
                    "calls": calls,
                    "input_tokens": inputs,
                    "shared_prefix_tokens": shared,
                    "cached_input_tokens": cached,
                    "output_tokens_estimate": outputs,
                    "pricing": pricing,
                    "usd_estimate": None if not price else round(usd(inputs, cached, outputs, price), 4),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def usd(inputs: int, cached: int, outputs: int, price: dict) -> float | None:
    """USD for ``inputs`` prompt tokens (``cached`` of them served by the provider's prompt
    cache) and ``outputs`` completion tokens at ``price`` (``model_price``); None unpriced."""
    if not price:
        return None
    return ((inputs - cached) * price["input"] + cached * price["cached_input"] + outputs * price["output"]) / 1e6


def _step_template(step: str, settings: dict) -> str:
    """The template of a step's prompts under ``settings`` (batched or one call per argument)."""
    if step == "arguments":
        return "extract_arguments"
    if step == "values":
        return "assign_values_batch" if settings["value_batching"] else "assign_values"
    template = SPECIFICITY[step.removeprefix("specificity_")][0]
    return f"{template}_batch" if settings.get("specificity_batching") else template


def count_prefix(templates: Templates, name: str, vocabulary: list[str], encoding) -> int:
    """Chat tokens of the prefix every prompt of template ``name`` shares (the message's own
    opening tokens included: they come first)."""
    return TOKENS_PER_MESSAGE + len(encoding.encode(shared_prefix(templates, name, vocabulary)))


def cacheable_tokens(shared: int, price: dict) -> int:
    """Tokens of a ``shared`` prefix the provider's prompt cache serves to each later call: 0
    without a ``cached_input`` price (no cache assumed) or below ``cache_min_tokens``, else the
    longest whole number of ``cache_increment`` steps beyond it."""
    if "cached_input" not in price:
        return 0
    least, step = price.get("cache_min_tokens", CACHE_MIN_TOKENS), price.get("cache_increment", CACHE_INCREMENT)
    return 0 if shared < least else least + (shared - least) // step * step


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


@dataclass(frozen=True)
class PromptTokens:
    """Chat tokens of the judges' prompts, rendered with ``templates`` and ``vocabulary``."""

    templates: Templates
    vocabulary: list[str]
    encoding: object  # gpt-4o's o200k_base

    def chat(self, prompt: str) -> int:
        """Tokens of ``prompt`` sent as one user message."""
        return chat_tokens(self.encoding, [{"role": "user", "content": prompt}])


def _response_costs(judge: dict, settings: dict, tokens: PromptTokens, row: dict, arguments: list, extract: bool):
    """(step, calls, input tokens, output tokens) of one response ``row`` for one judge
    (``extract``: whether its ``arguments`` need the judge's extraction call)."""
    templates, vocabulary, count, sample = tokens.templates, tokens.vocabulary, tokens.chat, row["sample"]
    if "arguments" in judge["steps"] and extract:
        answer = len(tokens.encoding.encode(json.dumps([{"argument": a} for a in arguments])))
        yield "arguments", 1, count(templates.render("extract_arguments", text=row["text"])), answer
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
    """USD per million input, cached input and output tokens of ``model`` ({} without a
    price). Cached input (prompt tokens the provider's cache served) costs ``cached_input``,
    or the input price where none is given. ``batch``: the Batch API's prices
    (``batch_input``/``batch_output``, by default the standard price discounted); cached input
    in a batch costs ``batch_cached_input`` where given, else the batch input price (a
    provider need not discount cached tokens inside a batch: OpenAI's gpt-4o does not)."""
    price = prices.get(model, {})
    if not price:
        return {}
    if not batch:
        return {
            "input": price["input"],
            "cached_input": price.get("cached_input", price["input"]),
            "output": price["output"],
        }
    batch_input = price.get("batch_input", price["input"] * BATCH_DISCOUNT)
    return {
        "input": batch_input,
        "cached_input": price.get("batch_cached_input", batch_input),
        "output": price.get("batch_output", price["output"] * BATCH_DISCOUNT),
    }


def cost_summary(table: pd.DataFrame) -> str:
    """One line: the calls, tokens and dollars of the whole estimate."""
    if table.empty:
        return "annotation estimate: no judge model is called (every step is read offline)"
    priced = table[table["usd_estimate"].notna()]
    line = (
        f"annotation estimate: {int(table['calls'].sum()):,} judge calls, "
        f"{int(table['input_tokens'].sum()):,} input tokens"
    )
    cached = int(table["cached_input_tokens"].sum())
    line += f" ({cached:,} served by the provider's prompt cache)" if cached else ""
    line += f", about ${priced['usd_estimate'].sum():,.2f}"
    if set(priced["pricing"]) == {"batch"}:
        line += " at Batch API prices"
    unpriced = sorted(set(table.loc[table["usd_estimate"].isna(), "model"].dropna()))
    return line + (f" (no price configured for {', '.join(unpriced)})" if unpriced else "")
