"""Reading model and judge output without silent misreadings: levels, negations, antonyms.

Each case here was once read wrong with status ok. The rule is the same everywhere: a reading
that is not unambiguous is unparsed (and repaired or counted), never a guess.
"""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from valueprefs.annotation.parsing import parse_level
from valueprefs.data.own_files import load_vocabulary_file
from valueprefs.decisions import chosen_option
from valueprefs.vocabulary import ValueMatcher, edit_distance

# --- specificity levels -----------------------------------------------------------------------

STATED_LEVELS = [
    ("4", 4),
    ("**5**", 5),
    ("4.", 4),
    ("Specificity level (1-5): 4", 4),
    ("Specificity level: 3 (moderate)", 3),
    ("1. Root: the main claim\n2. Branch: a reason\nThis is level 4", 4),
    ("Level 1: root. Level 2: branch. Specificity: 3", 3),
    ("I would rate it 4/5.", 4),
    ("On a scale of 1 to 5, this argument is a 4.", 4),
    ("The tree has a root and 2 branches.\n\n3", 3),
    ("Score: four", 4),
    ("level 4 (out of 5)", 4),
    ("Specificity (1 = general, 5 = specific): 4", 4),  # the rubric restated: once read as 1
    ("Specificity (1=most general; 5=most specific): 2", 2),
    ("On a scale where 1 is general and 5 is specific: 3", 3),
]
UNREADABLE_LEVELS = [
    ("Level 2 or 3", "more than one level (2, 3)"),
    ("rating: 3-4", "more than one level (3, 4)"),
    ("It has 3 parts and 2 leaves", "more than one level"),
    ("The argument is moderately specific (3), maybe 4.", "more than one level (3, 4)"),
    ("level 7", "outside 1-5"),
    ("3.5", "not a whole number"),
    ("high", "no level found"),
    ("", "no level found"),
]


@pytest.mark.parametrize(("text", "level"), STATED_LEVELS)
def test_the_stated_level_is_read_not_the_first_number(text, level):
    parsed = parse_level(text)
    assert parsed.ok and parsed.value == level


@pytest.mark.parametrize(("text", "problem"), UNREADABLE_LEVELS)
def test_several_levels_or_none_go_to_the_repair_call(text, problem):
    parsed = parse_level(text)
    assert not parsed.ok and parsed.value is None and problem in parsed.problem


RUBRICS = [  # ways a judge restates the scale before or after its level
    "Specificity (1 = general, 5 = specific)",
    "(1=most general; 5=most specific)",
    "On a scale where 1 is general and 5 is specific",
    "1 means very abstract and 5 means very concrete",
    "Scale: 1 = vague, 3 = moderately detailed, 5 = highly specific",
    "where 1 stands for broad and 5 for narrow",
    "1 -> generic, 5 -> precise",
]
STATEMENTS = ["Specificity: {n}", "Score: {n}", "{n}", "Level {n}", "I would rate it {n}/5", "Answer: {n}"]


SEPARATORS = [": ", ". ", "\n", " - "]


@given(
    st.sampled_from(RUBRICS), st.sampled_from(STATEMENTS), st.integers(1, 5), st.sampled_from(SEPARATORS), st.booleans()
)
def test_a_restated_rubric_is_never_read_as_the_level(rubric, statement, level, join, rubric_first):
    """An answer that restates the rubric and states one level is read as that level or
    unparsed (and repaired), never as a number of the rubric."""
    parts = [rubric, statement.format(n=level)]
    text = join.join(parts if rubric_first else parts[::-1])
    parsed = parse_level(text)
    assert parsed.value in (level, None), text


# --- short-form decisions ---------------------------------------------------------------------

DECISIONS = [
    ("I would not choose Action 1; I choose Action 2.", 2),
    ("I would choose Action 1, not Action 2.", 1),
    ("I prefer Action 2 over Action 1.", 2),
    ("I choose Action 2 rather than Action 1", 2),
    ("Action 1 is not the right choice; Action 2 is.", 2),
    ("Action 1 isn't right. Action 2", 2),
    ("Not Action 1 but Action 2", 2),
    ("Action 2 (not to do)", 2),
    ("I would choose not to do it: Action 2", 2),
    ("There is no easy answer here, and after thinking it over I choose Action 2", 2),
    ("Action 1 ... Action 2", None),
    ("Action 2\n\nAction 1 would hurt her.", None),
    ("Neither Action 1 nor Action 2.", None),
    ("I cannot choose between Action 1 and Action 2.", None),
    ("I would not pick Action 2", None),
    ("Answer: Action 1\n\nAnswer: Action 2", None),
]


@pytest.mark.parametrize(("text", "option"), DECISIONS)
def test_negated_mentions_are_not_choices_and_ambiguity_is_unparsed(text, option):
    assert chosen_option(text) == option


# --- value names ------------------------------------------------------------------------------

ANTONYMS = {
    "unfairness": "fairness",
    "intolerance": "tolerance",
    "inequality": "equality",
    "impatience": "patience",
    "unkindness": "kindness",
    "interdependence": "independence",
}
NEGATIONS = ["un", "in", "im", "il", "ir", "dis", "non", "non-", "a", "an", "anti", "mis", "counter", "inter"]
PHRASES = ["lack of ", "no ", "not ", "absence of "]
REAL_TYPOS = {
    "responsability": "responsibility",
    "integrety": "integrity",
    "loyality": "loyalty",
    "privicy": "privacy",
    "empahty": "empathy",
    "acountability": "accountability",
    "indepedence": "independence",
    "compasion": "compassion",
    "honesy": "honesty",
    "fairnes": "fairness",
    "respect for privcy": "respect for privacy",
}


@pytest.fixture(scope="module")
def vocabulary(shared_data) -> list[str]:
    values = list(load_vocabulary_file(shared_data / "dailydilemmas" / "values.csv")["value"])
    assert len(values) == 301
    return values


def test_antonyms_never_match_their_opposites(vocabulary):
    matcher = ValueMatcher(vocabulary)
    for written, opposite in ANTONYMS.items():
        assert opposite in vocabulary and written not in vocabulary
        assert matcher.match(written) is None, written


def test_no_negation_of_any_value_matches_the_value(vocabulary):
    """Every value of the 301 with every negating prefix or phrase: never mapped back onto it.

    A negated name may only match a value that is a spelling of what was written (a misspelled
    "injustice" is injustice), never one closer to the value it negates; or nothing."""
    matcher = ValueMatcher(vocabulary)
    checked = 0
    for value in vocabulary:
        for negation in NEGATIONS + PHRASES:
            written = negation + value
            found = matcher.match(written)
            checked += 1
            assert found != value, written
            if found is not None:
                assert edit_distance(found, written) < edit_distance(found, value), (written, found)
    assert checked == 301 * len(NEGATIONS + PHRASES)


def test_real_typos_find_their_value(vocabulary):
    matcher = ValueMatcher(vocabulary)
    for written, value in REAL_TYPOS.items():
        assert matcher.match(written) == value, written


def test_generated_typos_map_back_or_drop_never_elsewhere(vocabulary):
    """One swap, drop or doubled letter inside each long word of each value."""
    matcher = ValueMatcher(vocabulary)
    rng = random.Random(0)
    outcomes = {"back": 0, "dropped": 0}
    for value in vocabulary:
        words = value.split()
        for position, word in enumerate(words):
            if len(word) < 6 or not word.isalpha():
                continue
            for kind in ("swap", "drop", "double"):
                i = rng.randrange(1, len(word) - 2)
                typo = {
                    "swap": word[:i] + word[i + 1] + word[i] + word[i + 2 :],
                    "drop": word[:i] + word[i + 1 :],
                    "double": word[:i] + word[i] + word[i:],
                }[kind]
                written = " ".join([*words[:position], typo, *words[position + 1 :]])
                if written in vocabulary or typo == word:
                    continue
                found = matcher.match(written)
                assert found in (value, None), (written, found)
                outcomes["back" if found == value else "dropped"] += 1
    assert outcomes["back"] >= 0.9 * sum(outcomes.values()), outcomes


def test_spelling_variants_that_are_safe(vocabulary):
    matcher = ValueMatcher([*vocabulary, "self-respect"])
    assert matcher.match("Self respect") == "self-respect"
    assert matcher.match("SELFRESPECT") == "self-respect"
    assert matcher.match("Respect for privacy.") == "respect for privacy"
    assert matcher.match("freedoms") == "freedom"
    assert matcher.match("respect for other") == "respect for others"
    assert matcher.match("immunity") is None  # an English word, not a typo of impunity
    assert matcher.match("honest") is None  # another word (not an inflection) of honesty


def test_a_name_as_close_to_two_values_matches_neither():
    matcher = ValueMatcher(["caring", "daring", "sharing", "trustee", "trusted"])
    assert matcher.match("trustex") is None
    assert matcher.match("trustea") is None
    assert matcher.match("sharinng") == "sharing"
