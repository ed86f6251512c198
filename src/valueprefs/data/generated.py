"""Generated items over a vocabulary: dilemmas whose actions carry random value sets, and open
questions. Synthetic controls answer them at no cost, so a study of hundreds of items can run
beside small real models (which a model entry's ``limits`` keep to a few)."""

import numpy as np
import pandas as pd

from valueprefs.data.schema import DILEMMA_COLUMNS, QUESTION_COLUMNS

NOUNS = (
    "garden fence, family dinner, shared car, office party, spare room, wedding speech, old debt, "
    "school project, moving day, birthday gift, rental deposit, team deadline, holiday plan, "
    "neighbour's dog, borrowed laptop, inheritance, night shift, group chat, charity drive, late rent"
).split(", ")
SET_SIZES = (2, 3, 4)


def value_weights(n_values: int, rng: np.random.Generator, zipf: float = 1.0) -> np.ndarray:
    """How often each value is drawn: proportional to 1 / rank**zipf over a random ranking."""
    weights = 1.0 / np.arange(1, n_values + 1) ** zipf
    return rng.permutation(weights / weights.sum())


def generated_dilemmas(
    values: list[str],
    n_items: int,
    seed: int,
    first: int = 1,
    set_sizes: tuple[int, ...] = SET_SIZES,
    side_skew: float = 0.0,
) -> pd.DataFrame:
    """``n_items`` dilemmas numbered from ``first``; each action carries a value set of one of
    ``set_sizes`` (drawn uniformly), the two sets disjoint. With ``side_skew`` > 0 each value
    leans to one side (as honesty, in real dilemmas, is mostly argued for one action): its
    log-odds of landing on the "to do" side are ``side_skew`` times a standard normal draw."""
    rng = np.random.default_rng([seed, 1])
    weights = value_weights(len(values), rng)
    leaning = side_skew * np.random.default_rng([seed, 3]).standard_normal(len(values))
    sides = np.random.default_rng([seed, 4])
    rows = []
    for number in range(first, first + n_items):
        sizes = rng.choice(set_sizes, size=2)
        chosen = rng.choice(len(values), size=int(sizes.sum()), replace=False, p=weights)
        if side_skew:  # the values most inclined to "to do" (plus logistic noise) go there
            chosen = chosen[np.argsort(-(leaning[chosen] + sides.logistic(size=len(chosen))), kind="stable")]
        a, b = rng.choice(NOUNS, size=2, replace=False)
        rows.append(
            {
                "dilemma_id": f"gen-{number:04d}",
                "situation": f"Case {number}: a friend asks for your help with the {a}, which would cost you the {b}.",
                "action_to_do": "Help your friend.",
                "action_not_to_do": "Decline and keep to your own plans.",
                "values_to_do": [values[i] for i in chosen[: sizes[0]]],
                "values_not_to_do": [values[i] for i in chosen[sizes[0] :]],
            }
        )
    return pd.DataFrame(rows, columns=list(DILEMMA_COLUMNS))


def generated_questions(n_items: int, seed: int, first: int = 1) -> pd.DataFrame:
    """``n_items`` open questions numbered from ``first``."""
    rng = np.random.default_rng([seed, 2])
    rows = []
    for number in range(first, first + n_items):
        a, b = rng.choice(NOUNS, size=2, replace=False)
        rows.append(
            {
                "question_id": f"gen-q{number:04d}",
                "question": f"Question {number}: how should people weigh the {a} against the {b}?",
                "topic": "generated",
            }
        )
    return pd.DataFrame(rows, columns=list(QUESTION_COLUMNS))
