"""Data sources, normalized: dilemmas, value vocabularies and open questions.

Each loader takes the dataset's config entry (``source`` plus source-specific keys) and
returns a normalized table and a report of what was counted or dropped.
"""

import json
from pathlib import Path

import pandas as pd

from valueprefs.annotation.vocabulary import ValueMatcher
from valueprefs.data import dailydilemmas, demo, files, opinionqa, valueprism
from valueprefs.data.tables import (
    restrict_to_vocabulary,
    text_line,
    validate_dilemmas,
    validate_questions,
    validate_recognition,
)
from valueprefs.errors import ConfigError, DataError
from valueprefs.io import read_jsonl, write_csv, write_json, write_jsonl


def load_vocabulary(spec: dict) -> pd.DataFrame:
    """The value vocabulary named by a ``vocabulary`` config entry."""
    source = spec["source"]
    if source == "demo":
        return demo.demo_vocabulary()
    if source == "local":
        return dailydilemmas.load_local_values(spec["path"])
    if source == "huggingface":
        return dailydilemmas.load_hub_values(spec["hub_id"])
    if source == "file":
        return files.load_vocabulary_file(spec["path"])
    raise ConfigError(f"vocabulary.source: unknown source {source!r}")


def load_dilemmas(spec: dict, vocabulary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Dilemmas named by a dataset config entry, restricted to the vocabulary (drops counted)."""
    source = spec["source"]
    if source == "demo":
        frame, report = demo.demo_dilemmas(), {}
    elif source == "local":
        frame, report = dailydilemmas.load_local_dilemmas(spec["path"])
    elif source == "huggingface":
        frame, report = dailydilemmas.load_hub_dilemmas(spec["hub_id"])
    elif source == "file":
        frame, report = files.load_dilemma_file(spec["path"]), {}
    else:
        raise ConfigError(f"dataset source: unknown source {source!r} for dilemmas")
    if spec.get("limit"):
        frame = frame.head(spec["limit"])
    frame, drops = restrict_to_vocabulary(frame, vocabulary)
    return frame, {**report, **drops, "items": len(frame)}


def load_questions(spec: dict) -> tuple[pd.DataFrame, dict]:
    """Open questions named by a dataset config entry."""
    source = spec["source"]
    if source == "demo":
        frame, report = demo.demo_questions(), {}
    elif source == "local":
        frame, report = opinionqa.load_opinionqa(spec["path"], spec["n_questions"], spec["seed"])
    elif source == "file":
        frame, report = files.load_question_file(spec["path"]), {}
    else:
        raise ConfigError(f"dataset source: unknown source {source!r} for questions")
    if spec.get("limit"):
        frame = frame.head(spec["limit"])
    return frame, {**report, "items": len(frame)}


def load_recognition(spec: dict, vocabulary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Value-recognition situations; gold names outside the vocabulary go to ``unmatched``.

    Unmatched names are standardized onto the vocabulary by a judge later (rule
    ``gold_values``) or dropped there, counted.
    """
    source = spec["source"]
    if source == "demo":
        frame, report = demo.demo_recognition(), {}
    elif source == "local":
        frame, report = valueprism.load_valueprism(spec["path"])
    elif source == "file":
        frame, report = files.load_recognition_file(spec["path"]), {}
    else:
        raise ConfigError(f"dataset source: unknown source {source!r} for recognition")
    if spec.get("limit"):
        frame = frame.head(spec["limit"])
    matcher = ValueMatcher(list(vocabulary["value"]))
    pairs = [matcher.match_all(names, limit=len(names)) for names in frame["values"]]
    frame = frame.assign(values=[found for found, _ in pairs], unmatched_values=[missed for _, missed in pairs])
    report = {**report, "items": len(frame), "gold_names_unmatched": sum(len(missed) for _, missed in pairs)}
    return frame, report


def prepare_vocabulary(spec: dict, out_csv: str) -> pd.DataFrame:
    """Load the configured vocabulary and write it as the workflow's normalized CSV."""
    vocabulary = load_vocabulary(spec)
    write_csv(out_csv, vocabulary)
    return vocabulary


def prepare_dataset(spec: dict, vocabulary_csv: str, out_items: str, out_report: str) -> dict:
    """Load one configured dataset, write its normalized items (JSONL) and its load report."""
    if spec["kind"] == "dilemmas":
        vocabulary = files.load_vocabulary_file(vocabulary_csv)
        frame, report = load_dilemmas(spec, vocabulary)
    elif spec["kind"] == "recognition":
        frame, report = load_recognition(spec, files.load_vocabulary_file(vocabulary_csv))
    else:
        frame, report = load_questions(spec)
    if frame.empty:
        raise DataError(out_items, f"no items left after loading source {spec['source']!r}; see {out_report}")
    write_jsonl(out_items, frame.to_dict("records"))
    report = {"kind": spec["kind"], "source": spec["source"], **report}
    write_json(out_report, report)
    return report


def read_items(path: str, kind: str) -> pd.DataFrame:
    """Read normalized items written by :func:`prepare_dataset`."""
    validate = {"dilemmas": validate_dilemmas, "questions": validate_questions, "recognition": validate_recognition}
    return validate[kind](read_jsonl(path), path, text_line)


def summarize(reports: dict[str, str]) -> pd.DataFrame:
    """One row per dataset from its load report: kind, source, items and drops."""
    rows = []
    for name, path in reports.items():
        report = json.loads(Path(path).read_text(encoding="utf-8"))
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
    return pd.DataFrame(rows)
