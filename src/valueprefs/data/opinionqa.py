"""OpinionQA (Santurkar et al. 2023): Pew American Trends Panel questions as open questions.

Selection rule (documented in docs/data.md): every wave question whose text-with-options appears in
the topic mapping is a candidate, filed under its first coarse topic (``cg``). Topics are
visited in alphabetical order, round after round, each time taking the next question of that
topic from a list shuffled with the configured seed, until ``n_questions`` are chosen. This
spreads the questions evenly over topics; the paper's default is 63 questions.

Many Pew questions are incomplete without their answer options ("... Would you say it is"),
so the question text given to models ends with the options, leaving out "Refused".
"""

import json
import random
from pathlib import Path

import pandas as pd

from valueprefs.data.listcells import parse_list_cell
from valueprefs.data.schema import data_row, require_columns, validate_questions
from valueprefs.errors import DataError
from valueprefs.io import read_csv, require_file

TOPIC_MAPPING_FILE = "topic_mapping.json"
WAVE_PATTERN = "*.info.csv"


def load_topic_mapping(directory: str | Path) -> dict[str, str]:
    """Question text with options -> its first coarse topic (questions with no topic are left out)."""
    path = require_file(Path(directory) / TOPIC_MAPPING_FILE)
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(str(path), f"invalid JSON ({error})") from None
    if not isinstance(mapping, dict):
        raise DataError(str(path), "expected an object mapping question text to topics")
    topics = {}
    for key, entry in mapping.items():
        coarse = entry.get("cg") if isinstance(entry, dict) else None
        if not isinstance(coarse, list) or not all(isinstance(topic, str) for topic in coarse):
            raise DataError(str(path), f"entry {key[:60]!r} has no coarse topic list 'cg'")
        if coarse:
            topics[key] = coarse[0]
    return topics


def load_wave_questions(directory: str | Path) -> pd.DataFrame:
    """All questions of the wave files: ``question_id, question, options_key``."""
    wave_dir = Path(directory) / "waves"
    files = sorted(wave_dir.glob(WAVE_PATTERN)) if wave_dir.is_dir() else []
    if not files:
        raise DataError(str(wave_dir), f"no wave files matching {WAVE_PATTERN}")
    rows = []
    for path in files:
        frame = read_csv(path)
        require_columns(frame, ("key", "question", "references"), str(path))
        for position, row in enumerate(frame.to_dict("records")):
            try:
                options = [o for o in parse_list_cell(row["references"]) if o is not None]
            except ValueError as error:
                raise DataError(str(path), str(error), f"{data_row(position)}, column 'references'") from None
            answers = [option for option in options if option != "Refused"]
            rows.append(
                {
                    "question_id": row["key"],
                    "question": f"{row['question']} (Options: {' / '.join(answers)})",
                    "options_key": f"{row['question']} [{'/'.join(options)}]",
                }
            )
    return pd.DataFrame(rows)


def load_opinionqa(directory: str | Path, n_questions: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Select ``n_questions`` topic-balanced questions (see module docstring) and normalize them."""
    topics = load_topic_mapping(directory)
    waves = load_wave_questions(directory)
    waves = waves.drop_duplicates("question_id")
    waves["topic"] = waves["options_key"].map(topics)
    candidates = waves.dropna(subset=["topic"])
    if n_questions > len(candidates):
        raise DataError(
            str(directory), f"n_questions is {n_questions} but only {len(candidates)} questions have a topic"
        )
    rng = random.Random(seed)
    queues = {}
    for topic in sorted(candidates["topic"].unique()):
        ids = sorted(candidates.loc[candidates["topic"] == topic, "question_id"])
        rng.shuffle(ids)
        queues[topic] = ids
    chosen: list[str] = []
    while len(chosen) < n_questions:
        for queue in queues.values():
            if queue and len(chosen) < n_questions:
                chosen.append(queue.pop(0))
    selected = candidates.set_index("question_id").loc[chosen].reset_index()
    report = {
        "candidates": len(candidates),
        "without_topic": int(waves["topic"].isna().sum()),
        "topics": int(selected["topic"].nunique()),
    }
    return validate_questions(selected, str(directory)), report
