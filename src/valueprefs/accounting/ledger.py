"""The ledger: what every job sent to a model or judge in its last run, and what it cost; and
over all runs (``runs_ledger``), from what the call cache filed with every call it stored.

Counts come from the backends as they sent requests and received answers (answers read from
the cache cost nothing and are not counted): ``requests_sent`` is every request, retries
included, as an HTTP server counts them; ``calls_made`` every answer received (one per sample);
``cached_input_tokens_spent`` the prompt tokens the provider served from its prompt cache, as
its answers reported them (priced at the model's ``cached_input`` price where one is given);
``split_by_structure``, on an annotation job's ``structure`` row, the answers split as clean
numbered lists with no extraction call (``annotation.structure_first``);
``answer_seconds`` how long the model or judge took to answer them, summed over calls (calls in
flight at once overlap: the sum is the answering work, not the job's wall time).
"""

import pandas as pd

from valueprefs.accounting.cost import model_price, usd
from valueprefs.io import read_json
from valueprefs.paths import Paths
from valueprefs.runtime.cache import spend

COLUMNS = [
    "rule",
    "job",
    "judge_or_model",
    "calls_made",
    "requests_sent",
    "prompt_tokens_spent",
    "completion_tokens_spent",
    "cached_input_tokens_spent",
    "usd_spent",
    "answer_seconds",
    "split_by_structure",
]
NOTHING_SPENT = {"requests": 0, "completions": 0, "prompt_tokens": 0, "completion_tokens": 0}


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
            "cached_input_tokens": summary.get("cached_input_tokens_spent", 0),
            "answer_seconds": summary.get("answer_seconds_spent", 0.0),
        }
        rows.append(_row("generate", job, summary["model_id"], spent, model_price(summary["model_id"], prices)))
    for rule, summaries in (("annotate", annotation), ("standardize", standardized)):
        for job, path in summaries.items():
            summary = read_json(path)
            for judge, spent in summary.get("spent", {}).items():
                rows.append(_row(rule, job, judge, spent, model_price(model_of.get(judge, judge), prices)))
            if summary.get("split_by_structure"):  # the answers that took the other path: no call
                structure = _row(rule, job, "structure", NOTHING_SPENT, {})
                rows.append(structure | {"usd_spent": 0.0, "split_by_structure": summary["split_by_structure"]})
    return pd.DataFrame(rows, columns=COLUMNS)


def _usd(prompt_tokens: int, completion_tokens: int, cached_input_tokens: int, price: dict) -> float | None:
    """USD for the tokens at ``price``, to the millionth; None unpriced."""
    spent = usd(prompt_tokens, cached_input_tokens, completion_tokens, price)
    return None if spent is None else round(spent, 6)


def _row(rule: str, job: str, name: str, spent: dict, price: dict) -> dict:
    cached = spent.get("cached_input_tokens", 0)
    dollars = _usd(spent["prompt_tokens"], spent["completion_tokens"], cached, price)
    return {
        "rule": rule,
        "job": job,
        "judge_or_model": name,
        "calls_made": spent["completions"],
        "requests_sent": spent["requests"],
        "prompt_tokens_spent": spent["prompt_tokens"],
        "completion_tokens_spent": spent["completion_tokens"],
        "cached_input_tokens_spent": cached,
        "usd_spent": dollars,
        "answer_seconds": spent.get("answer_seconds", 0.0),
        "split_by_structure": 0,
    }


BATCH_COLLECT_LOGS = Paths().log_folder("batch_collect")  # the logs (jobs) of the rule that collects batches
RUN_COLUMNS = [
    "run", "job", "judge_or_model", "calls_made", "prompt_tokens_spent", "completion_tokens_spent",
    "cached_input_tokens_spent", "usd_spent",
]  # fmt: skip


def runs_ledger(calls_dir: str, prices: dict[str, dict]) -> pd.DataFrame:
    """One row per run, job and model over every run whose calls the cache under ``calls_dir``
    holds, interrupted ones included: each call is filed, with its tokens, in the same
    transaction that stores it (``valueprefs.runtime.cache.spend``). Answers read from the cache
    are not calls; a call made again (its entry damaged) is counted again, as it was paid again;
    answers collected from a Batch API batch are priced at the batch price."""
    rows = []
    for found in spend(calls_dir):
        batch = found["job"].startswith(BATCH_COLLECT_LOGS)  # answers of a Batch API batch: its price
        price = model_price(found["model"], prices, batch)
        dollars = _usd(found["prompt_tokens"], found["completion_tokens"], found["cached_input_tokens"], price)
        rows.append(
            {
                "run": found["run"],
                "job": found["job"],
                "judge_or_model": found["model"],
                "calls_made": found["calls"],
                "prompt_tokens_spent": found["prompt_tokens"],
                "completion_tokens_spent": found["completion_tokens"],
                "cached_input_tokens_spent": found["cached_input_tokens"],
                "usd_spent": dollars,
            }
        )
    return pd.DataFrame(rows, columns=RUN_COLUMNS)
