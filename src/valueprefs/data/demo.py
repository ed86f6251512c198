"""The embedded demo data set: our own dilemmas, a 60-value vocabulary, questions, recognition set."""

from importlib.resources import as_file, files

import pandas as pd

from valueprefs.data.own_files import load_dilemma_file, load_question_file, load_recognition_file, load_vocabulary_file

PACKAGE = "valueprefs.demo_data"


def demo_dilemmas() -> pd.DataFrame:
    """The demo dilemmas in the normalized format."""
    return _load(load_dilemma_file, "dilemmas.jsonl")


def demo_vocabulary() -> pd.DataFrame:
    """The demo value vocabulary with framework columns."""
    return _load(load_vocabulary_file, "values.csv")


def demo_questions() -> pd.DataFrame:
    """The demo open opinion questions."""
    return _load(load_question_file, "questions.jsonl")


def demo_recognition() -> pd.DataFrame:
    """The demo value-recognition situations with their gold values."""
    return _load(load_recognition_file, "recognition.jsonl")


def _load(loader, name: str) -> pd.DataFrame:
    with as_file(files(PACKAGE) / name) as path:
        return loader(path)
