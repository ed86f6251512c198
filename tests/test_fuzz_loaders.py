"""Fuzzing the data loaders: whatever bytes a data file holds, loading it either gives a table or
raises a DataError that names the file; never another exception, never a silent half-load."""

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from valueprefs.data.demo import demo_vocabulary
from valueprefs.data.own_files import load_recognition_file, load_vocabulary_file
from valueprefs.data.sources import load_dilemmas, load_questions
from valueprefs.errors import DataError

VOCABULARY = demo_vocabulary()
COLUMNS = ["dilemma_id", "situation", "action_to_do", "action_not_to_do", "values_to_do", "values_not_to_do"]
COLUMNS += ["question_id", "question", "situation_id", "values", "value", "virtue", "emotion"]
cells = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=10), max_size=3),
    st.lists(st.integers(), max_size=2),
    st.booleans(),
)
records = st.dictionaries(st.sampled_from(COLUMNS), cells, max_size=len(COLUMNS))


def csv_text(rows: list[dict]) -> str:
    header = sorted({key for row in rows for key in row}) or ["x"]
    quote = lambda cell: '"' + json.dumps(cell).replace('"', '""') + '"'  # noqa: E731
    return "\n".join([",".join(header), *(",".join(quote(row.get(key, "")) for key in header) for row in rows)])


def loaders(path: Path):
    spec = {"source": "file", "path": str(path)}
    yield lambda: load_dilemmas(spec, VOCABULARY)
    yield lambda: load_questions(spec)
    yield lambda: load_recognition_file(path)
    yield lambda: load_vocabulary_file(path)


def only_data_errors(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        for load in loaders(path):
            try:
                load()
            except DataError as error:
                assert str(path) in str(error)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.lists(records, max_size=4))
def test_jsonl_files_load_or_fail_naming_the_file(rows):
    only_data_errors("data.jsonl", "".join(json.dumps(row) + "\n" for row in rows).encode())


@FUZZ
@given(st.lists(records, max_size=4))
def test_csv_files_load_or_fail_naming_the_file(rows):
    only_data_errors("data.csv", csv_text(rows).encode())


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_fail_naming_the_file(content):
    only_data_errors("data.jsonl", content)
    only_data_errors("data.csv", content)
