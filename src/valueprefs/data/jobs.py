"""The data rules' jobs: the vocabulary, each data set normalized, and a summary of them.

A rule's code digest covers what its job uses of this module (see ``valueprefs.runtime.code_digest``).
"""

import pandas as pd

from valueprefs.data.own_files import load_vocabulary_file
from valueprefs.data.sources import load_dilemmas, load_questions, load_recognition, load_vocabulary
from valueprefs.errors import DataError
from valueprefs.io import read_json, write_csv, write_json, write_jsonl


def prepare_vocabulary(spec: dict, out_csv: str) -> pd.DataFrame:
    """Load the configured vocabulary and write it as the workflow's normalized CSV."""
    vocabulary = load_vocabulary(spec)
    write_csv(out_csv, vocabulary)
    return vocabulary


def prepare_dataset(spec: dict, vocabulary_csv: str, out_items: str, out_report: str) -> dict:
    """Load one configured dataset, write its normalized items (JSONL) and its load report."""
    if spec["kind"] == "dilemmas":
        vocabulary = load_vocabulary_file(vocabulary_csv)
        frame, report = load_dilemmas(spec, vocabulary)
    elif spec["kind"] == "recognition":
        frame, report = load_recognition(spec, load_vocabulary_file(vocabulary_csv))
    else:
        frame, report = load_questions(spec)
    if frame.empty:
        raise DataError(out_items, f"no items left after loading source {spec['source']!r}; see {out_report}")
    write_jsonl(out_items, frame.to_dict("records"))
    report = {"kind": spec["kind"], "source": spec["source"], **report}
    write_json(out_report, report)
    return report


def summarize_data(reports: dict[str, str], out_csv: str) -> pd.DataFrame:
    """One row per data set from its load report (kind, source, items and drops), written as CSV."""
    rows = []
    for name, path in reports.items():
        report = read_json(path)
        rows.append(
            {
                "dataset": name,
                "kind": report["kind"],
                "source": report["source"],
                "items": report["items"],
                "unknown_value_mentions_dropped": report.get("unknown_value_mentions", 0),
                "dilemmas_dropped": len(report.get("dilemmas_dropped_for_empty_value_set", [])),
            }
        )
    table = pd.DataFrame(rows)
    write_csv(out_csv, table)
    return table
