"""Value preferences: TrueSkill over short-form decisions, argument order in long-form answers."""

from valueprefs.preferences.long_form import long_form_scores, long_form_table, position_matrix
from valueprefs.preferences.short_form import decision_games, dilemma_sides, short_form_table
from valueprefs.preferences.trueskill_games import GameTable, play

__all__ = [
    "GameTable",
    "decision_games",
    "dilemma_sides",
    "long_form_scores",
    "long_form_table",
    "play",
    "position_matrix",
    "short_form_table",
]
