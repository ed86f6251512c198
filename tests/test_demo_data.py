"""The embedded demo data set that ships inside the package."""

from valueprefs.data.demo import demo_dilemmas, demo_questions, demo_vocabulary
from valueprefs.data.schema import VALUE_SET_COLUMNS


def test_demo_sizes_and_frameworks():
    vocabulary = demo_vocabulary()
    assert len(demo_dilemmas()) == 24
    assert len(vocabulary) == 60
    assert len(demo_questions()) == 8
    virtues = set(vocabulary["Virtue"]) - {""}
    emotions = set(vocabulary["Emotion"]) - {""}
    assert {"Patience", "Ambition", "Temperance", "Courage", "Friendliness", "Truthfulness", "Liberality"} <= virtues
    assert {"trust", "joy", "fear", "love", "sadness", "remorse", "submission"} <= emotions


def test_every_demo_value_set_uses_the_vocabulary_and_conflicts():
    known = set(demo_vocabulary()["value"])
    for row in demo_dilemmas().to_dict("records"):
        for column in VALUE_SET_COLUMNS:
            assert 1 <= len(row[column]) <= 5
            assert set(row[column]) <= known, row["dilemma_id"]
        assert not set(row["values_to_do"]) & set(row["values_not_to_do"]), row["dilemma_id"]
