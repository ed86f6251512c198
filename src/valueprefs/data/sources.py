"""Data sources, normalized: dilemmas, value vocabularies, open questions and value-recognition
situations.

Each loader takes the data set's config entry (``source`` plus source-specific keys) and
returns a normalized table and a report of what was counted or dropped.
"""

from functools import partial

import pandas as pd

from valueprefs.data import dailydilemmas, demo, opinionqa, own_files, valueprism
from valueprefs.data.generated import generated_dilemmas, generated_questions
from valueprefs.data.schema import (
    restrict_to_vocabulary,
)
from valueprefs.errors import ConfigError
from valueprefs.vocabulary import ValueMatcher


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
        return own_files.load_vocabulary_file(spec["path"])
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
        frame, report = own_files.load_dilemma_file(spec["path"]), {}
    else:
        raise ConfigError(f"dataset source: unknown source {source!r} for dilemmas")
    if spec.get("limit"):
        frame = frame.head(spec["limit"])
    frame, drops = restrict_to_vocabulary(frame, vocabulary)
    shape = {key: value for key, value in (spec.get("generated") or {}).items() if key in ("set_sizes", "side_skew")}
    shape |= {"set_sizes": tuple(shape["set_sizes"])} if "set_sizes" in shape else {}
    generate = partial(generated_dilemmas, list(vocabulary["value"]), **shape)
    frame, report = _with_generated(frame, report, spec, generate)
    return frame, {**report, **drops, "items": len(frame)}


def load_questions(spec: dict) -> tuple[pd.DataFrame, dict]:
    """Open questions named by a dataset config entry."""
    source = spec["source"]
    if source == "demo":
        frame, report = demo.demo_questions(), {}
    elif source == "local":
        frame, report = opinionqa.load_opinionqa(spec["path"], spec["n_questions"], spec["seed"])
    elif source == "file":
        frame, report = own_files.load_question_file(spec["path"]), {}
    else:
        raise ConfigError(f"dataset source: unknown source {source!r} for questions")
    if spec.get("limit"):
        frame = frame.head(spec["limit"])
    misplaced = sorted({"set_sizes", "side_skew"} & set(spec.get("generated") or {}))
    if misplaced:
        raise ConfigError(f"dataset generated: {', '.join(misplaced)} shape dilemmas; a questions data set has none")
    frame, report = _with_generated(frame, report, spec, generated_questions)
    return frame, {**report, "items": len(frame)}


def _with_generated(frame: pd.DataFrame, report: dict, spec: dict, generate) -> tuple[pd.DataFrame, dict]:
    """The items with the entry's ``generated`` ones appended (numbered after them) and counted;
    ``generate(n, seed, first)`` makes them."""
    extra = spec.get("generated")
    if not extra:
        return frame, report
    added = generate(extra["items"], extra["seed"], first=len(frame) + 1)
    return pd.concat([frame, added], ignore_index=True), {**report, "generated_items": len(added)}


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
        frame, report = own_files.load_recognition_file(spec["path"]), {}
    else:
        raise ConfigError(f"dataset source: unknown source {source!r} for recognition")
    if spec.get("limit"):
        frame = frame.head(spec["limit"])
    matcher = ValueMatcher(list(vocabulary["value"]))
    pairs = [matcher.match_all(names, limit=len(names)) for names in frame["values"]]
    frame = frame.assign(values=[found for found, _ in pairs], unmatched_values=[missed for _, missed in pairs])
    report = {**report, "items": len(frame), "gold_names_unmatched": sum(len(missed) for _, missed in pairs)}
    return frame, report
