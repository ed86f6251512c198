"""The real upstream files in ../shared/data load and normalize."""

from valueprefs.data.dailydilemmas import load_situations
from valueprefs.data.schema import FRAMEWORK_COLUMNS
from valueprefs.data.sources import load_dilemmas, load_questions, load_vocabulary


def test_all_1360_situations_load(shared_data):
    situations = load_situations(shared_data / "dailydilemmas")
    assert len(situations) == 1360
    assert situations["dilemma_id"].is_unique
    assert situations["situation"].str.len().min() > 20


def test_all_301_values_with_their_frameworks(shared_data):
    vocabulary = load_vocabulary({"source": "local", "path": str(shared_data / "dailydilemmas")})
    assert len(vocabulary) == 301
    assert list(vocabulary.columns) == ["value", *FRAMEWORK_COLUMNS]
    assert set(vocabulary.loc[vocabulary["Virtue"] != "", "Virtue"]) >= {"Courage", "Truthfulness", "Patience"}
    assert set(vocabulary.loc[vocabulary["Emotion"] != "", "Emotion"]) >= {"trust", "joy", "fear"}


def test_fully_annotated_dilemmas_normalize(shared_data):
    directory = str(shared_data / "dailydilemmas")
    vocabulary = load_vocabulary({"source": "local", "path": directory})
    dilemmas, report = load_dilemmas({"source": "local", "path": directory}, vocabulary)
    assert len(dilemmas) == report["items"] == 4
    first = dilemmas.set_index("dilemma_id").loc["55"]
    assert first["action_to_do"] == "Report the colleague"
    assert first["values_to_do"][:3] == ["honesty", "responsibility", "accountability"]
    assert "avoidance of conflict" in first["values_not_to_do"]
    assert report["unknown_value_mentions"] == 0
    assert report["situations"] == 1360
    assert report["situations_without_actions"] == 1356


def test_opinionqa_selection_is_topic_balanced_and_seeded(shared_data):
    spec = {"source": "local", "path": str(shared_data / "opinionqa"), "n_questions": 63, "seed": 0}
    questions, report = load_questions(spec)
    again, _ = load_questions(spec)
    other, _ = load_questions({**spec, "seed": 1})
    assert len(questions) == 63 and questions["question_id"].is_unique
    counts = questions["topic"].value_counts()
    assert report["topics"] == len(counts) == 23
    assert counts.max() - counts.min() <= 1
    assert questions.equals(again)
    assert set(other["question_id"]) != set(questions["question_id"])
    assert questions["question"].str.contains(r"\(Options: ").all()
    assert not questions["question"].str.contains("Refused").any()
