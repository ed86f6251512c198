"""Long-form preferences within an action's side: the long-form measure of the headline
consistency on data sets whose items have two actions.

The paper's position score compares every value an answer argues with every other, and only
over the answers that argue it. Both let effects tied to a dilemma through: a model for which
acting is obviously right argues the "to do" values first, and a value that is argued only when
its side is favoured ranks high whenever it is argued. Here a value is ranked only among the
values annotated on its own action of the same dilemma (values on both actions left out), by
the first position that carries it, with the ones the answer does not argue tied last. An
effect that moves one action's values ahead moves them all: their order among each other, and
so the rank, is unchanged. Which values are ranked, and in how many answers, is fixed by the
data set's annotations, not by what the model argued. A value's preference is minus its mean
rank over the answers that rank it (``long_form.long_form_scores`` of this matrix).
"""

import numpy as np
from scipy.stats import rankdata


def side_rank_matrix(
    keys: list[tuple], positions: np.ndarray, sides: dict[str, tuple[list[int], list[int]]]
) -> np.ndarray:
    """Per response (``keys``: item id, sample) and value, its normalized rank among the values
    of its side (0: argued first, 1: last; absent values share the last ranks), NaN for a value
    not on a side of the item, or on a side of fewer than two values. ``positions`` is the
    normalized first position of each value in each response (NaN: absent, as
    ``position_matrix`` gives it); ``sides`` maps item id -> value indices of each action."""
    ranks = np.full(positions.shape, np.nan)
    for row, (item_id, _) in enumerate(keys):
        for side in sides.get(item_id, ()):
            if len(side) < 2:
                continue
            first = positions[row, side]
            ordered = rankdata(np.where(np.isfinite(first), first, np.inf))  # ties share their mean rank
            ranks[row, side] = (ordered - 1.0) / (len(side) - 1.0)
    return ranks
