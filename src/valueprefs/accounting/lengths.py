"""How long answers run, per model run, data set and task: token quantiles read from the
generation summaries' histograms, and the token limit a run supports.

A pilot run with a generous limit measures how long answers get (k = 20 answers are the
longest); ``suggested_limit`` is 1.25 x the 99th percentile, rounded up to a multiple of 64.
When the run's own limit cut off more than 1% of a task's answers, the lengths above the
limit are unknown, so nothing is suggested: raise the limit and measure again.
"""

import math

from valueprefs.tasks import Task, token_limit

MARGIN = 1.25
STEP = 64
MAX_CUT_SHARE = 0.01
COLUMNS = [
    "job", "dataset", "task", "answers", "limit", "truncated", "tokens_p50", "tokens_p90", "tokens_p99",
    "tokens_max", "suggested_limit", "over_suggested",
]  # fmt: skip


def quantile(histogram: dict[int, int], q: float) -> int:
    """The smallest length with at least a share ``q`` of the answers no longer than it."""
    total, seen = sum(histogram.values()), 0
    for length in sorted(histogram):
        seen += histogram[length]
        if seen >= q * total:
            return length
    raise ValueError("an empty histogram has no quantiles")


def suggested_limit(histogram: dict[int, int], truncated: int) -> int | None:
    """A token limit for answers like these, or None when the run's limit cut off too many to tell."""
    if truncated > MAX_CUT_SHARE * sum(histogram.values()):
        return None
    return max(STEP, math.ceil(MARGIN * quantile(histogram, 0.99) / STEP) * STEP)


def length_rows(job: str, summary: dict, settings: dict) -> list[dict]:
    """One row per data set and task of a generation summary (``settings``: the job's
    generation settings, of which the token limits are read)."""
    rows = []
    for key, counts in summary.get("answer_tokens", {}).items():
        histogram = {int(length): n for length, n in counts.items()}
        dataset, task = key.split("/")
        truncated = summary["truncated"][key]["truncated"]
        suggested = suggested_limit(histogram, truncated)
        rows.append(
            {
                "job": job,
                "dataset": dataset,
                "task": task,
                "answers": sum(histogram.values()),
                "limit": token_limit(Task.parse(task), settings),
                "truncated": truncated,
                "tokens_p50": quantile(histogram, 0.5),
                "tokens_p90": quantile(histogram, 0.9),
                "tokens_p99": quantile(histogram, 0.99),
                "tokens_max": max(histogram),
                "suggested_limit": suggested,
                "over_suggested": None if suggested is None else sum(n for t, n in histogram.items() if t > suggested),
            }
        )
    return rows
