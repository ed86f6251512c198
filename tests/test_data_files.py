"""Bring-your-own data files and the errors bad data gets."""

import json

import pandas as pd
import pytest

from valueprefs.data.dailydilemmas import actions_to_dilemmas, load_local_dilemmas
from valueprefs.data.demo import demo_vocabulary
from valueprefs.data.jobs import prepare_dataset
from valueprefs.data.sources import load_dilemmas, load_questions, load_vocabulary
from valueprefs.errors import DataError
from valueprefs.io import read_csv, read_values

HEADER = "dilemma_id,situation,action_to_do,action_not_to_do,values_to_do,values_not_to_do\n"
ROW = 'd1,"Should you?",Do it,Do not,"[""honesty"", ""trust""]","[""comfort""]"\n'


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def dilemma_spec(path):
    return {"source": "file", "path": str(path)}


def test_csv_and_jsonl_in_the_normalized_format(tmp_path):
    csv_file = write(tmp_path / "d.csv", HEADER + ROW)
    record = {
        "dilemma_id": 7,
        "situation": "Should you?",
        "action_to_do": "Do it",
        "action_not_to_do": "Do not",
        "values_to_do": ["Honesty ", "trust"],
        "values_not_to_do": ["comfort"],
    }
    jsonl_file = write(tmp_path / "d.jsonl", json.dumps(record) + "\n\n")
    from_csv, _ = load_dilemmas(dilemma_spec(csv_file), demo_vocabulary())
    from_jsonl, _ = load_dilemmas(dilemma_spec(jsonl_file), demo_vocabulary())
    assert from_csv.loc[0, "values_to_do"] == ["honesty", "trust"]
    assert from_jsonl.loc[0, "dilemma_id"] == "7"
    assert from_jsonl.loc[0, "values_to_do"] == ["honesty", "trust"]


def test_values_outside_the_vocabulary_are_dropped_and_counted(tmp_path):
    text = HEADER + ROW + 'd2,"Should you?",Do it,Do not,"[""flying""]","[""comfort"", ""zest""]"\n'
    dilemmas, report = load_dilemmas(dilemma_spec(write(tmp_path / "d.csv", text)), demo_vocabulary())
    assert list(dilemmas["dilemma_id"]) == ["d1"]
    assert report["unknown_values"] == {"flying": 1, "zest": 1}
    assert report["unknown_value_mentions"] == 2
    assert report["dilemmas_dropped_for_empty_value_set"] == ["d2"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("missing.csv", None, r"missing\.csv: file not found"),
        ("empty.csv", "", r"empty\.csv: file is empty"),
        ("header.csv", HEADER, "file has a header but no rows"),
        ("columns.csv", "id,text\n1,a\n", "missing column.*values_to_do"),
        ("cell.csv", HEADER + ROW.replace('""comfort""]', "comfort"), r"row 1, column 'values_not_to_do'"),
        ("dupes.csv", HEADER + ROW + ROW, r"row 2, column 'dilemma_id': duplicate dilemma_id 'd1'"),
        ("blank.csv", HEADER + 'd1,"",Do it,Do not,"[""a""]","[""b""]"\n', r"row 1, column 'situation'"),
        ("bad.jsonl", '{"dilemma_id": 1}\n{not json\n', r"bad\.jsonl, line 2: invalid JSON"),
        ("list.jsonl", "[1, 2]\n", r"line 1: expected a JSON object"),
        ("data.txt", "x", "unsupported file type '.txt'"),
    ],
)
def test_bad_dilemma_files_name_the_problem(tmp_path, name, text, message):
    path = tmp_path / name
    if text is not None:
        write(path, text)
    with pytest.raises(DataError, match=message):
        load_dilemmas(dilemma_spec(path), demo_vocabulary())


def test_non_utf8_file_is_named(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + "d1,Caf\xe9?,a,b,\"['x']\",\"['y']\"\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin\.csv: is not valid UTF-8"):
        read_csv(path)


def test_upstream_action_rows_must_pair_up(tmp_path):
    rows = (
        "idx,dilemma_situation,action_type,action,values_names\n"
        "1,S,to_do,A,\"['honesty']\"\n"
        "1,S,to_do,B,\"['trust']\"\n"
    )
    with pytest.raises(DataError, match="row 2: second to_do action for dilemma '1'"):
        actions_to_dilemmas(read_csv(write(tmp_path / "a.csv", rows)), "a.csv")
    lonely = "idx,dilemma_situation,action_type,action,values_names\n2,S,to_do,A,\"['honesty']\"\n"
    with pytest.raises(DataError, match="dilemma '2' has no not_to_do action"):
        actions_to_dilemmas(read_csv(write(tmp_path / "b.csv", lonely)), "b.csv")
    wrong = lonely.replace("to_do,A", "maybe,A")
    with pytest.raises(DataError, match="row 1, column 'action_type'"):
        actions_to_dilemmas(read_csv(write(tmp_path / "c.csv", wrong)), "c.csv")
    broken = lonely.replace("\"['honesty']\"", "honesty")
    with pytest.raises(DataError, match="row 1, column 'values_names': not a list literal"):
        actions_to_dilemmas(read_csv(write(tmp_path / "d.csv", broken)), "d.csv")


def test_hub_layout_columns_are_understood(tmp_path):
    rows = (
        "dilemma_idx,dilemma_situation,action_type,action,values_aggregated\n"
        "9,S,not_to_do,B,\"['trust']\"\n"
        "9,S,to_do,A,\"['honesty', nan]\"\n"
    )
    dilemmas = actions_to_dilemmas(read_csv(write(tmp_path / "h.csv", rows)), "h.csv")
    assert dilemmas.to_dict("records") == [
        {
            "dilemma_id": "9",
            "situation": "S",
            "action_to_do": "A",
            "action_not_to_do": "B",
            "values_to_do": ["honesty"],
            "values_not_to_do": ["trust"],
        }
    ]


def test_local_directory_without_annotations_is_named(tmp_path):
    with pytest.raises(DataError, match="no per-action annotation file"):
        load_local_dilemmas(tmp_path)
    with pytest.raises(DataError, match="directory not found"):
        load_local_dilemmas(tmp_path / "nowhere")


def test_hub_source_fails_clearly_when_unavailable():
    with pytest.raises(DataError, match="kellycyy/daily_dilemmas:Values: "):
        load_vocabulary({"source": "huggingface", "hub_id": "kellycyy/daily_dilemmas"})


def test_question_files(tmp_path):
    good = write(tmp_path / "q.csv", "question_id,question,topic\nq1,Why?,life\n")
    questions, report = load_questions({"source": "file", "path": str(good)})
    assert report["items"] == 1 and questions.loc[0, "question"] == "Why?"
    bad = write(tmp_path / "q2.csv", "question_id,question\nq1,Why?\n")
    with pytest.raises(DataError, match=r"q2\.csv: missing column\(s\) topic"):
        load_questions({"source": "file", "path": str(bad)})


def test_prepare_refuses_to_write_an_empty_data_set(tmp_path):
    text = HEADER + 'd2,"Should you?",Do it,Do not,"[""flying""]","[""comfort""]"\n'
    vocabulary = tmp_path / "vocabulary.csv"
    demo_vocabulary().to_csv(vocabulary, index=False)
    spec = {"kind": "dilemmas", **dilemma_spec(write(tmp_path / "d.csv", text))}
    with pytest.raises(DataError, match="no items left"):
        prepare_dataset(spec, str(vocabulary), str(tmp_path / "items.jsonl"), str(tmp_path / "r.json"))
    assert not (tmp_path / "items.jsonl").exists()


def test_duplicate_situation_ids_are_named(tmp_path):
    from valueprefs.data.dailydilemmas import load_situations

    write(tmp_path / "dilemma.csv", ",idx,basic_situation,dilemma_situation\n0,7,a,S1\n1, 7,b,S2\n")
    with pytest.raises(DataError, match=r"dilemma\.csv, row 2, column 'idx': duplicate idx '7'"):
        load_situations(tmp_path)


def test_generated_dilemmas_take_their_shape_from_the_config():
    """Set sizes and a lean of each value to one side (for calibration scenarios); a questions
    data set given them is an error that names them."""
    from valueprefs.errors import ConfigError

    spec = {"source": "demo", "limit": 1, "generated": {"items": 300, "seed": 2, "set_sizes": [1, 7]}}
    dilemmas, _ = load_dilemmas(spec, demo_vocabulary())
    sizes = {len(values) for values in dilemmas["values_to_do"].iloc[1:]}
    assert sizes == {1, 7}
    skewed, _ = load_dilemmas({**spec, "generated": {"items": 300, "seed": 2, "side_skew": 4.0}}, demo_vocabulary())
    plain, _ = load_dilemmas({**spec, "generated": {"items": 300, "seed": 2}}, demo_vocabulary())

    def lean(frame):  # how far values' shares of "to do" appearances spread
        sides = [(v, 1) for vs in frame["values_to_do"] for v in vs] + [
            (v, 0) for vs in frame["values_not_to_do"] for v in vs
        ]
        shares = pd.DataFrame(sides, columns=["value", "to_do"]).groupby("value")["to_do"].mean()
        return shares.std()

    assert lean(skewed) > lean(plain) + 0.15
    with pytest.raises(ConfigError, match="side_skew shape dilemmas"):
        load_questions({"source": "demo", "generated": {"items": 3, "seed": 0, "side_skew": 1.0}})


def test_the_vocabulary_file_is_read_in_order_and_a_bad_one_is_named(tmp_path):
    good = write(tmp_path / "vocabulary.csv", 'value,virtue\nhonesty,1\n"care, for others",0\n')
    assert read_values(good) == list(read_csv(good)["value"]) == ["honesty", "care, for others"]
    header_only = write(tmp_path / "header.csv", "value,virtue\n")
    assert read_values(header_only) == list(read_csv(header_only)["value"]) == []
    for text, message in (("name\nhonesty\n", "has no column 'value'"), ("", "file is empty")):
        with pytest.raises(DataError, match=message) as error:
            read_values(write(tmp_path / "bad.csv", text))
        assert "bad.csv" in str(error.value)
    (tmp_path / "latin1.csv").write_bytes("value\nd\xe9j\xe0\n".encode("latin-1"))
    with pytest.raises(DataError, match="not valid UTF-8"):
        read_values(tmp_path / "latin1.csv")
