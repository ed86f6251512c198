"""Every response of one model: its calls made (or read from the cache), then written out.

Responses go to one JSONL file per data set and task (byte-identical on reruns: no timings
inside); timings go to a sidecar file; a summary counts calls, cache hits, tokens and failures.
"""

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from valueprefs.decisions import UNPARSED, decision
from valueprefs.errors import ValuePrefsError
from valueprefs.generation.plan import ACTION_CONTINUATIONS, Call
from valueprefs.io import write_json, write_jsonl
from valueprefs.llm.calls import run_calls
from valueprefs.llm.requests import CallFailure, CallMeter, Request
from valueprefs.prompts import prompt_hash
from valueprefs.runtime.cache import DiskCache, moved_aside

log = logging.getLogger("valueprefs.generation")
UNPARSED_EXAMPLES = 3  # unparsed short-form answers quoted in a job's summary
MAX_CHARS_PER_TOKEN = 32  # no tokenizer's token is longer: an answer beyond this per token is suspect
EXAMPLE_CHARS = 160


class TooManyFailures(ValuePrefsError):
    """More calls failed than the configured fraction allows."""


def response_rows(call: Call, result: object, base: dict) -> tuple[list[dict], list[dict]]:
    """Output rows (and timing rows) for one call's result."""
    common = {
        **base,
        "dataset": call.dataset,
        "item_id": call.item_id,
        "task": call.task.name,
        "mode": call.task.mode,
        "k": call.task.k,
        "order": "not_to_do_first" if call.task.swapped else "to_do_first",
        "explicit_values": call.task.explicit,
        "prompt_hash": prompt_hash(call.request.messages or call.request.prompt or ""),
    }
    if isinstance(result, CallFailure):
        samples = range(call.first_sample, call.first_sample + getattr(call.request, "n", 1))
        return [{**common, "sample": s, "status": "failed", "error": result.reason} for s in samples], []
    if not isinstance(call.request, Request):
        chosen = 1 if result[0] >= result[1] else 2
        row = {
            **common,
            "sample": call.first_sample,
            "status": "ok",
            "text": ACTION_CONTINUATIONS[chosen - 1],
            "logprobs": dict(zip(ACTION_CONTINUATIONS, result, strict=True)),
            "decision": decision(ACTION_CONTINUATIONS[chosen - 1], swapped=call.task.swapped),
        }
        return [row], []
    rows, timings = [], []
    for offset, completion in enumerate(result):
        sample = call.first_sample + offset
        row = {
            **common,
            "sample": sample,
            "seed": completion["seed"],
            "temperature": call.request.temperature,
            "status": "ok",
            "text": completion["text"],
            "prompt_tokens": completion["prompt_tokens"],
            "completion_tokens": completion["completion_tokens"],
            "finish_reason": completion["finish_reason"],
        }
        suspect = suspect_length(completion, call.request.max_tokens)
        if suspect:
            row["suspect"] = suspect
        if call.task.mode == "short":
            row["decision"] = decision(completion["text"], swapped=call.task.swapped)
        rows.append(row)
        timings.append(
            {key: row[key] for key in ("dataset", "task", "item_id", "sample")} | {"seconds": completion["seconds"]}
        )
    return rows, timings


def suspect_length(completion: dict, max_tokens: int) -> str | None:
    """Why an answer is longer than its ``max_tokens`` allows (more tokens reported, or more
    than ``MAX_CHARS_PER_TOKEN`` characters per token allowed), or None: a server that ignores
    the limit, or a proxy that pads answers, must not pass unseen to the judges."""
    text = completion["text"]
    if completion["completion_tokens"] > max_tokens:
        return f"{completion['completion_tokens']} tokens reported for max_tokens {max_tokens}"
    if len(text) > max_tokens * MAX_CHARS_PER_TOKEN:
        return f"{len(text):,} characters for max_tokens {max_tokens} (at most {MAX_CHARS_PER_TOKEN} per token)"
    return None


def order_effects(per_file: dict[tuple[str, str], list[dict]]) -> Counter:
    """Dilemmas asked in both action orders, and how many of their decisions flip with the order.

    A flip means the answer followed the position ("Action 1") rather than the action: such a
    decision is position-driven.
    """
    counts: Counter = Counter()
    for (dataset, task), rows in per_file.items():
        if task != "short":
            continue
        swapped = {r["item_id"]: r.get("decision") for r in per_file.get((dataset, "short_swapped"), [])}
        for row in rows:
            other = swapped.get(row["item_id"])
            if other in (None, UNPARSED) or row.get("decision") in (None, UNPARSED):
                continue
            counts["order_pairs"] += 1
            counts["position_driven_decisions"] += row["decision"] != other
    return counts


@dataclass(frozen=True)
class ResponseFiles:
    """Where one generation job writes: a JSONL file per (data set, task), its timings, its summary."""

    responses: dict[tuple[str, str], str]
    timings: str
    summary: str


def write_responses(calls: list[Call], results: list[object], base: dict, files: ResponseFiles) -> dict:
    """Write one JSONL per (dataset, task) and the timings; return counts for the summary,
    with ``truncated``: per data set and task, the answers that stopped at the token limit
    (``finish_reason: length``) out of its answers; and ``answer_tokens``: per data set and
    task, how many answers had each length in tokens (a histogram; shards add up); and
    ``unparsed_examples``: a few short-form answers read as no decision, by where they are."""
    per_file: dict[tuple[str, str], list[dict]] = {key: [] for key in files.responses}
    all_timings: list[dict] = []
    counts: Counter = Counter()
    truncated: dict[str, dict[str, int]] = {}
    lengths: dict[str, Counter] = {}
    unparsed: dict[str, str] = {}
    for call, result in zip(calls, results, strict=True):
        rows, timings = response_rows(call, result, base)
        per_file[(call.dataset, call.task.name)].extend(rows)
        all_timings.extend(timings)
        for row in rows:
            counts["responses"] += 1
            counts[f"status_{row['status']}"] += 1
            counts["prompt_tokens"] += row.get("prompt_tokens", 0)
            counts["completion_tokens"] += row.get("completion_tokens", 0)
            counts["suspect_answers"] += "suspect" in row
            if "decision" in row:
                counts["decisions"] += 1
                counts["unparsed_decisions"] += row["decision"] == UNPARSED
                if row["decision"] == UNPARSED and row["status"] == "ok" and len(unparsed) < UNPARSED_EXAMPLES:
                    where = f"{call.dataset}/{call.task.name}/{call.item_id}/{row['sample']}"
                    unparsed[where] = " ".join(row["text"].split())[:EXAMPLE_CHARS]
            if row["status"] == "failed":
                counts[f"failure: {row['error']}"] += 1
            if row["status"] == "ok" and "finish_reason" in row:
                task = truncated.setdefault(f"{call.dataset}/{call.task.name}", {"truncated": 0, "answers": 0})
                task["answers"] += 1
                task["truncated"] += row["finish_reason"] == "length"
                lengths.setdefault(f"{call.dataset}/{call.task.name}", Counter())[row["completion_tokens"]] += 1
    counts.update(order_effects(per_file))
    for key, path in files.responses.items():
        write_jsonl(path, sorted(per_file[key], key=lambda r: (r["item_id"], r["sample"])))
    write_jsonl(files.timings, all_timings)
    counts["model_seconds"] = round(sum(t["seconds"] for t in all_timings), 3)
    counts["truncated_responses"] = sum(task["truncated"] for task in truncated.values())
    answer_tokens = {task: {str(n): count for n, count in sorted(c.items())} for task, c in lengths.items()}
    return dict(counts) | {"truncated": truncated, "answer_tokens": answer_tokens, "unparsed_examples": unparsed}


def generate_model(
    calls: list[Call],
    identity: dict,
    base: dict,
    cache: DiskCache,
    backend_factory: Callable,
    files: ResponseFiles,
    max_failure_fraction: float,
    max_prompt_chars: int | None = None,
) -> dict:
    """Run (or read from cache) every call of one model and write its responses and summary;
    prompts over ``max_prompt_chars`` are not sent (failed calls, with their size)."""
    start = time.perf_counter()
    meter = CallMeter()
    requests = [call.request for call in calls]
    results = run_calls(requests, identity, cache, backend_factory, meter, base["model"], max_prompt_chars)
    counts = write_responses(calls, results, base, files)
    reasons = Counter(r.reason for r in results if isinstance(r, CallFailure))
    summary = {
        **base,
        "calls": len(calls),
        "cache_hits": cache.hits,
        "model_calls": meter.completions,
        "requests_sent": meter.requests,
        "prompt_tokens_spent": meter.prompt_tokens,
        "completion_tokens_spent": meter.completion_tokens,
        "cached_input_tokens_spent": meter.cached_input_tokens,
        "answer_seconds_spent": round(meter.answer_seconds, 3),
        "failed_calls": reasons.total(),
        "failure_reasons": dict(reasons.most_common()),
        "wall_seconds": round(time.perf_counter() - start, 3),
        "cache_moved_aside": moved_aside(),
        **counts,
    }
    write_json(files.summary, summary)
    fraction = summary["failed_calls"] / max(len(calls), 1)
    if fraction > max_failure_fraction:
        raise TooManyFailures(
            f"{summary['failed_calls']} of {len(calls)} calls failed ({fraction:.0%} > max_failure_fraction "
            f"{max_failure_fraction:.0%}); most common: {reasons.most_common(3)}; completed calls are cached, "
            "rerun to retry"
        )
    return summary
