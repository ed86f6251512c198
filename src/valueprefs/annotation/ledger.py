"""The ledger: calls made and tokens spent, per rule, job and judge, from the job summaries."""

import json
from pathlib import Path

import pandas as pd

COLUMNS = [
    "rule",
    "job",
    "judge_or_model",
    "calls_made",
    "labels_from_new_calls",
    "prompt_tokens",
    "completion_tokens",
    "spent_tokens",
]


def ledger(generation_summaries: list[str], annotation_summaries: list[str]) -> pd.DataFrame:
    """One row per generation job and per (annotation job, judge).

    Generation rows count the model calls the job made (cached answers cost nothing); annotation
    rows count the labels that needed a new judge call and the tokens those calls used.
    """
    rows = []
    for path in generation_summaries:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
        rows.append(
            {
                "rule": "generate",
                "job": f"{summary['model']}/{summary['alignment']}",
                "judge_or_model": summary["model_id"],
                "calls_made": summary.get("model_calls", 0),
                "completion_tokens": summary.get("completion_tokens", 0),
            }
        )
    for path in annotation_summaries:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
        job = str(Path(path).with_suffix("").with_suffix("")).split("annotation/", 1)[-1]
        for judge, tokens in summary["tokens"].items():
            rows.append({"rule": "annotate", "job": job, "judge_or_model": judge, **tokens})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    counts = COLUMNS[3:]
    frame[counts] = frame[counts].fillna(0).astype(int)
    return frame
