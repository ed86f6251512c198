"""Preference estimators: TrueSkill (Table 1, the trueskill package), long form, recovery."""

import random

import numpy as np
import pytest
import trueskill

from valueprefs.analysis.simulate import recovery
from valueprefs.data.sources import load_dilemmas, load_vocabulary
from valueprefs.preferences.long_form import long_form_scores, long_form_table, position_matrix
from valueprefs.preferences.short_form import decision_games, dilemma_sides, short_form_table
from valueprefs.preferences.side_ranks import side_rank_matrix
from valueprefs.preferences.table1 import GAMES, VALUES, table1, table1_markdown
from valueprefs.preferences.trueskill_games import GameTable, play

TABLE1 = [  # the paper's Table 1: (mu, sigma) after each decision
    {"Empathy": (25.013, 8.327), "Consideration": (25.000, 8.333), "Vulnerability": (25.013, 8.327),
     "Sacrifice": (25.000, 8.333), "Courage": (25.013, 8.327), "Privacy": (24.987, 8.327),
     "Independence": (24.987, 8.327), "Integrity": (25.000, 8.333), "Compassion": (25.013, 8.327),
     "Honesty": (25.013, 8.327)},
    {"Empathy": (20.561, 7.934), "Consideration": (20.541, 7.939), "Vulnerability": (25.013, 8.327),
     "Sacrifice": (20.541, 7.939), "Courage": (29.465, 7.934), "Privacy": (24.987, 8.327),
     "Independence": (24.987, 8.327), "Integrity": (29.459, 7.939), "Compassion": (20.561, 7.934),
     "Honesty": (29.465, 7.934)},
]  # fmt: skip


def indexed(games, values):
    index = {value: i for i, value in enumerate(values)}
    return [([index[v] for v in won], [index[v] for v in lost]) for won, lost in games]


def test_table_1_exactly():
    frame = table1()
    for step in (1, 2):
        after = frame[frame["after_decision"] == step]
        assert {r.value: (r.mu, r.sigma) for r in after.itertuples()} == TABLE1[step - 1]
    markdown = table1_markdown(frame)
    assert "Honesty: N(29.465, 7.934)" in markdown and markdown.count("\n") == 4


def test_same_ratings_as_the_trueskill_package_on_random_games():
    rng = random.Random(7)
    games = []
    for _ in range(200):
        chosen = rng.sample(range(40), rng.randint(2, 10))
        cut = rng.randint(1, len(chosen) - 1)
        games.append((chosen[:cut], chosen[cut:]))
    env = trueskill.TrueSkill()  # the package's defaults
    ratings = [env.create_rating() for _ in range(40)]
    for won, lost in games:
        new_won, new_lost = env.rate([[ratings[i] for i in won], [ratings[i] for i in lost]], ranks=[0, 1])
        for i, rating in [*zip(won, new_won, strict=True), *zip(lost, new_lost, strict=True)]:
            ratings[i] = rating
    mu, sigma, _ = play(GameTable.from_games(games, 40), np.arange(200)[None])
    assert np.allclose(mu[0], [r.mu for r in ratings], atol=1e-5)
    assert np.allclose(sigma[0], [r.sigma for r in ratings], atol=1e-5)


def test_replicate_rows_match_separate_runs_and_padding_is_skipped():
    games = indexed(GAMES, VALUES)
    table = GameTable.from_games(games, len(VALUES))
    together = play(table, np.array([[0, 1], [1, 0], [0, -1]]))[0]
    assert np.allclose(together[0], play(table, np.array([[0, 1]]))[0][0])
    assert np.allclose(together[1], play(table, np.array([[1, 0]]))[0][0])
    assert np.allclose(together[2], play(table, np.array([[0]]))[0][0])
    assert not np.allclose(together[0], together[1])  # TrueSkill depends on the order of games


def test_decisions_become_games_in_data_set_order():
    items = [
        {"dilemma_id": "a", "values_to_do": ["honesty", "care"], "values_not_to_do": ["comfort"]},
        {"dilemma_id": "b", "values_to_do": ["care", "courage"], "values_not_to_do": ["honesty", "care"]},
        {"dilemma_id": "c", "values_to_do": ["comfort"], "values_not_to_do": ["care"]},
        {"dilemma_id": "d", "values_to_do": ["comfort"], "values_not_to_do": ["care"]},
        {"dilemma_id": "e", "values_to_do": ["care"], "values_not_to_do": ["care", "comfort"]},
    ]
    index = {"honesty": 0, "care": 1, "comfort": 2, "courage": 3}
    decisions = {"a": "to_do", "b": "not_to_do", "c": "not_to_do", "d": "unparsed", "e": "to_do"}
    games, positions, counts = decision_games(dilemma_sides(items, index), decisions)
    # b shares "care" on both sides: it is left out, and honesty beats courage alone;
    # e has nothing left on the chosen side, so it is no game.
    assert games == [([0, 1], [2]), ([0], [3]), ([1], [2])]
    assert positions == [0, 1, 2]
    assert counts == {"games": 3, "undecided": 1, "no_contest": 1, "shared_values": 2}


def test_short_form_table_reports_the_spread_over_shuffled_orders():
    games = indexed(GAMES, VALUES)
    frame = short_form_table(games, [*VALUES, "comfort"], shuffles=8, seed=0).set_index("value")
    assert frame.loc["Honesty", "games"] == 2 and frame.loc["Vulnerability", "games"] == 1
    assert frame.loc["Honesty", "mu"] == pytest.approx(29.465, abs=5e-4)
    assert frame.loc["Compassion", "shuffle_max"] > frame.loc["Compassion", "shuffle_min"]
    assert frame.loc["Compassion", "shuffle_sd"] > 0
    assert frame.loc["comfort"].to_dict() == pytest.approx(
        {"mu": 25.0, "sigma": 25 / 3, "games": 0, "shuffle_sd": 0.0, "shuffle_min": 25.0, "shuffle_max": 25.0}
    )


def test_long_form_preference_is_minus_the_mean_normalized_first_position():
    arguments = [
        {"item_id": "q1", "sample": 0, "position": 1, "n_arguments": 4, "values": ["care"]},
        {"item_id": "q1", "sample": 0, "position": 2, "n_arguments": 4, "values": ["honesty", "care"]},
        {"item_id": "q1", "sample": 0, "position": 4, "n_arguments": 4, "values": ["honesty"]},
        {"item_id": "q2", "sample": 0, "position": 1, "n_arguments": 2, "values": ["honesty"]},
        {"item_id": "q2", "sample": 0, "position": 2, "n_arguments": 2, "values": ["unknown value"]},
    ]
    frame = long_form_table(arguments, ["honesty", "care", "comfort"]).set_index("value")
    assert frame.loc["care", "preference"] == pytest.approx(-0.25)
    assert frame.loc["honesty", "preference"] == pytest.approx(-(0.5 + 0.5) / 2)
    assert frame.loc["honesty", "responses"] == 2 and frame.loc["care", "responses"] == 1
    assert np.isnan(frame.loc["comfort", "preference"]) and frame.loc["comfort", "responses"] == 0


SIDE_VALUES = ["care", "honesty", "duty", "courage", "comfort", "justice", "loyalty"]


def side_ranks(arguments: list[dict], sides: dict) -> tuple[np.ndarray, np.ndarray]:
    """Side ranks and the paper's position score of annotated arguments, per response and value."""
    index = {value: i for i, value in enumerate(SIDE_VALUES)}
    keys, positions = position_matrix(arguments, index)
    found = {item: tuple([index[v] for v in side] for side in pair) for item, pair in sides.items()}
    return side_rank_matrix(keys, positions, found), positions


def test_side_ranks_by_hand():
    """d1: to do {care, honesty, duty}, not to do {courage, comfort}; d2 has one value a side;
    loyalty is on no side. Ranks run from 0 (first of its side) to 1; a value the answer does
    not argue shares the last ranks; values first named in one argument share theirs."""
    arguments = [
        {"item_id": "d1", "sample": 0, "position": 1, "n_arguments": 4, "values": ["loyalty"]},
        {"item_id": "d1", "sample": 0, "position": 2, "n_arguments": 4, "values": ["honesty", "comfort"]},
        {"item_id": "d1", "sample": 0, "position": 3, "n_arguments": 4, "values": ["care"]},
        {"item_id": "d1", "sample": 0, "position": 4, "n_arguments": 4, "values": ["justice"]},
        {"item_id": "d1", "sample": 1, "position": 1, "n_arguments": 2, "values": ["care", "duty"]},
        {"item_id": "d1", "sample": 1, "position": 2, "n_arguments": 2, "values": ["courage"]},
        {"item_id": "d2", "sample": 0, "position": 1, "n_arguments": 1, "values": ["justice"]},
    ]
    sides = {"d1": (["care", "honesty", "duty"], ["courage", "comfort"]), "d2": (["justice"], ["loyalty"])}
    ranks, _ = side_ranks(arguments, sides)
    care, honesty, duty, courage, comfort, justice, loyalty = ranks.T
    # d1 sample 0: honesty 1st, care 2nd, duty absent (3rd) of three; comfort 1st, courage absent
    assert [honesty[0], care[0], duty[0], comfort[0], courage[0]] == [0.0, 0.5, 1.0, 0.0, 1.0]
    # d1 sample 1: care and duty share ranks 1 and 2, honesty absent; courage first of its side
    assert [care[1], duty[1], honesty[1], courage[1], comfort[1]] == [0.25, 0.25, 1.0, 0.0, 1.0]
    assert np.isnan(loyalty[:2]).all() and np.isnan(justice[:2]).all()  # argued, on no side of d1
    assert np.isnan(ranks[2]).all()  # d2: one value a side, nothing to rank
    preference, counts = long_form_scores(ranks)
    assert preference[0, 0] == pytest.approx(-(0.5 + 0.25) / 2) and counts[0, 0] == 2
    assert counts[0, SIDE_VALUES.index("justice")] == 0  # argued twice, never ranked


def test_side_ranks_ignore_an_effect_that_moves_one_action_ahead():
    """Two answers to d1 in the same order within each action, one of them with the "to do"
    values all moved ahead (an effect of the dilemma, not of the values): the side ranks are
    equal, the paper's positions are not."""

    def answer(sample, order):
        return [
            {"item_id": "d1", "sample": sample, "position": p, "n_arguments": len(order), "values": [v]}
            for p, v in enumerate(order, start=1)
        ]

    sides = {"d1": (["care", "honesty", "duty"], ["courage", "comfort"])}
    interleaved = answer(0, ["courage", "honesty", "comfort", "care", "duty"])
    moved_ahead = answer(1, ["honesty", "care", "duty", "courage", "comfort"])
    ranks, positions = side_ranks(interleaved + moved_ahead, sides)
    assert np.array_equal(ranks[0], ranks[1], equal_nan=True)
    assert not np.array_equal(positions[0], positions[1], equal_nan=True)


def test_both_estimators_recover_latent_preferences_over_the_real_vocabulary(shared_data):
    directory = str(shared_data / "dailydilemmas")
    vocabulary = load_vocabulary({"source": "local", "path": directory})
    dilemmas, _ = load_dilemmas({"source": "local", "path": directory}, vocabulary)
    set_sizes = [len(v) for column in ("values_to_do", "values_not_to_do") for v in dilemmas[column]]
    assert len(vocabulary) == 301 and min(set_sizes) >= 1
    results = recovery(list(vocabulary["value"]), set_sizes, sizes=[200, 1000, 5000], seed=1)
    short = [r["short_spearman"] for r in results]
    long = [r["long_spearman"] for r in results]
    assert short == sorted(short) and long == sorted(long)  # more data, better recovery
    assert short[-1] > 0.8 and long[-1] > 0.9


def test_saved_positions_load_back_exactly(tmp_path):
    from valueprefs.annotation.argument_table import read_argument_table, sample_rows, write_argument_table
    from valueprefs.preferences.long_form import load_positions, position_matrix, save_positions

    arguments = [
        {"item_id": "q1", "sample": 1, "position": 2, "n_arguments": 3, "argument": "b", "values": ["care"]},
        {"item_id": "q1", "sample": 0, "position": 1, "n_arguments": 7, "argument": "a, \"quoted\"\nline",
         "values": ["care", "honesty"], "specificity_path": 4},
        {"item_id": "q2", "sample": 0, "position": 6, "n_arguments": 7, "argument": "c", "values": []},
    ]  # fmt: skip
    write_argument_table(str(tmp_path / "t.csv"), arguments)
    table = read_argument_table(str(tmp_path / "t.csv"))
    assert table["sample"].tolist() == [0, 0, 1] and table.loc[0, "argument"] == 'a, "quoted"\nline'
    assert table["values"].tolist() == ["care|honesty", "", "care"] and table.loc[0, "specificity_path"] == 4
    rows = sample_rows(table["sample"].to_numpy())
    assert rows == {0: (0, 2), 1: (2, 1)}
    assert read_argument_table(str(tmp_path / "t.csv"), rows=rows[1])["item_id"].tolist() == ["q1"]
    index = {"care": 0, "honesty": 1}
    keys, matrix = position_matrix(table, index)
    lengths = table.groupby(["item_id", "sample"])["n_arguments"].first().reindex(keys).to_numpy()
    save_positions(str(tmp_path / "p.npz"), keys, matrix, lengths, list(index), rows)
    loaded_keys, loaded, loaded_rows = load_positions(str(tmp_path / "p.npz"), list(index))
    assert loaded_keys == keys == [("q1", 0), ("q1", 1), ("q2", 0)] and loaded_rows == rows
    assert np.array_equal(loaded, matrix, equal_nan=True) and matrix[0, 0] == 1 / 7
