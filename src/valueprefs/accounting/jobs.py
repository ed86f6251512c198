"""The accounting rules' jobs: the cost estimate before any judge call, the ledger of what was
spent, the run summary's table, the answer lengths, and the cluster plan (which jobs a cluster
profile sends to SLURM).

A rule's code digest covers what its job uses of this module (see ``valueprefs.runtime.code_digest``), so
editing the cost estimate reruns no ledger, and no annotation step.
"""

import csv
import io
import logging

import pandas as pd

from valueprefs.accounting.cost import cost_summary, estimate_costs
from valueprefs.accounting.ledger import ledger, runs_ledger
from valueprefs.accounting.lengths import COLUMNS as LENGTH_COLUMNS
from valueprefs.accounting.lengths import length_rows
from valueprefs.accounting.summary import ANNOTATION_COUNTS, GENERATION_COUNTS, summary_rows
from valueprefs.io import atomic_write_text, read_json, read_values, write_csv
from valueprefs.planning import CLUSTER_PLAN_COLUMNS
from valueprefs.prompts import JUDGE_TEMPLATE_NAMES, Templates

log = logging.getLogger("valueprefs.accounting")


def cost_estimate(
    response_files: list[str],
    vocabulary_csv: str,
    judges: list[dict],
    settings: dict,
    template_paths: dict[str, str],
    prices: dict,
    cache_dir: str,
    out_csv: str,
):
    """Calls, tokens and price of annotation, before any judge call; the total is logged."""
    table = estimate_costs(
        response_files=response_files,
        vocabulary=read_values(vocabulary_csv),
        judges=judges,
        settings=settings,
        templates=Templates.from_files(template_paths, JUDGE_TEMPLATE_NAMES),
        prices=prices,
        cache_dir=f"{cache_dir}/tiktoken",
    )
    write_csv(out_csv, table)
    log.info("%s", cost_summary(table))
    if len(table):
        log.info("per judge and step:\n%s", table.to_string(index=False))
    return table


def write_run_summary(generation: dict[str, str], annotation: dict[str, str], out_csv: str):
    """The run summary's counts per job (failures, unparsed answers, order flips, truncation,
    dropped value names) as a table for the report."""
    counts = [*GENERATION_COUNTS, "truncated_by_task", *ANNOTATION_COUNTS, "failed_labels"]
    columns = ["stage", "job", *dict.fromkeys(counts)]
    table = pd.DataFrame(summary_rows(generation, annotation), columns=columns)
    write_csv(out_csv, table)
    return table


def write_ledger(
    summaries: dict[str, dict[str, str]], judges: list[dict], prices: dict[str, dict], calls_dir: str, outputs: dict
):
    """The ledger of calls made, tokens spent and their price, per job and judge in its last
    run (``outputs["ledger"]``), from the job summaries (``summaries``: ``generation``,
    ``annotation`` and ``standardized``, each job -> its summary file); and per run, job and
    model over every run the cache under ``calls_dir`` has calls of (``outputs["runs"]``)."""
    table = ledger(summaries["generation"], summaries["annotation"], summaries["standardized"], judges, prices)
    write_csv(outputs["ledger"], table)
    write_csv(outputs["runs"], runs_ledger(calls_dir, prices))
    return table


def write_cluster_plan(plan: list[dict], out_csv: str) -> str:
    """Write the cluster plan's rows (``CLUSTER_PLAN_COLUMNS``) to ``out_csv``; return them as
    aligned text for the log."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CLUSTER_PLAN_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(plan)
    atomic_write_text(out_csv, text.getvalue())
    return _plan_text(plan)


def _plan_text(plan: list[dict]) -> str:
    """The plan as an aligned table a person reads on a terminal."""
    shown = [column for column in CLUSTER_PLAN_COLUMNS if column != "why"]
    rows = [[str(row.get(column, "")) for column in shown] for row in plan]
    widths = [max(len(cell) for cell in cells) for cells in zip(shown, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    body = [line(shown)] + [line(cells) for cells in rows]
    body += [f"{row['rule']}: {row['why']}" for row in plan]
    return "\n".join(body)


def write_answer_lengths(generation: dict[str, str], settings: dict[str, dict], out_csv: str):
    """How long every generation job's answers ran (job -> its summary.json), per data set and
    task, with the token limit those lengths support (``settings``: job -> its generation
    settings, token limits included)."""
    rows = [row for job, path in generation.items() for row in length_rows(job, read_json(path), settings[job])]
    table = pd.DataFrame(rows, columns=LENGTH_COLUMNS).astype({"suggested_limit": "Int64", "over_suggested": "Int64"})
    write_csv(out_csv, table)
    return table
