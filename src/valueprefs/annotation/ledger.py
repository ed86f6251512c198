"""The ledger: what every job sent to a model or judge in its last run, and what it cost.

Counts come from the backends as they sent requests and received answers (answers read from
the cache cost nothing and are not counted): ``requests_sent`` is every request, retries
included, as an HTTP server counts them; ``calls_made`` every answer received (one per sample);
``answer_seconds`` how long the model or judge took to answer them, summed over calls (calls in
flight at once overlap: the sum is the answering work, not the job's wall time).
"""

import pandas as pd

from valueprefs.io import read_json

COLUMNS = [
    "rule",
    "job",
    "judge_or_model",
    "calls_made",
    "requests_sent",
    "prompt_tokens_spent",
    "completion_tokens_spent",
    "usd_spent",
    "answer_seconds",
]


def ledger(
    generation: dict[str, str],
    annotation: dict[str, str],
    standardized: dict[str, str],
    judges: list[dict],
    prices: dict[str, dict],
) -> pd.DataFrame:
    """One row per generation job and per (annotation or standardization job, judge).

    Each mapping goes from a job's name to its summary file; ``prices`` (USD per million tokens
    by model name) turn tokens into dollars where the model has a price.
    """
    model_of = {judge["name"]: judge.get("model", judge["name"]) for judge in judges}
    rows = []
    for job, path in generation.items():
        summary = read_json(path)
        spent = {
            "requests": summary.get("requests_sent", 0),
            "completions": summary.get("model_calls", 0),
            "prompt_tokens": summary.get("prompt_tokens_spent", 0),
            "completion_tokens": summary.get("completion_tokens_spent", 0),
            "answer_seconds": summary.get("answer_seconds_spent", 0.0),
        }
        rows.append(_row("generate", job, summary["model_id"], spent, prices.get(summary["model_id"])))
    for rule, summaries in (("annotate", annotation), ("standardize", standardized)):
        for job, path in summaries.items():
            for judge, spent in read_json(path).get("spent", {}).items():
                rows.append(_row(rule, job, judge, spent, prices.get(model_of.get(judge, judge))))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(rule: str, job: str, name: str, spent: dict, price: dict | None) -> dict:
    usd = None
    if price:
        usd = round((spent["prompt_tokens"] * price["input"] + spent["completion_tokens"] * price["output"]) / 1e6, 6)
    return {
        "rule": rule,
        "job": job,
        "judge_or_model": name,
        "calls_made": spent["completions"],
        "requests_sent": spent["requests"],
        "prompt_tokens_spent": spent["prompt_tokens"],
        "completion_tokens_spent": spent["completion_tokens"],
        "usd_spent": usd,
        "answer_seconds": spent.get("answer_seconds", 0.0),
    }
