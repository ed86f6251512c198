"""Measures: what one preference vector of a run is estimated from, as the analyses name it.

A measure is a data set and a task at one sample (``Task.at``); the headline consistency on
dilemmas ranks a long task's arguments among the values of the same action instead
(``side_ranks``). Measures are the keys every estimate is computed once under.
"""

from dataclasses import dataclass, replace

from valueprefs.tasks import GREEDY, Task, long_task


@dataclass(frozen=True)
class Measure:
    """A data set, a task at one sample, and whether a long task is ranked within each action's
    values (``side_ranks``: the headline's measure on dilemmas)."""

    dataset: str
    task: Task
    side_ranks: bool = False

    def __post_init__(self) -> None:
        if self.side_ranks and self.task.mode != "long":
            raise ValueError(f"only a long-form measure is ranked within an action's values, not {self.task}")

    def within_sides(self) -> "Measure":
        """The same measure ranked among the values of the same action."""
        return replace(self, side_ranks=True)


def short_measure(dataset: str, task: str = "short") -> Measure:
    """The short-form measure of task ``task`` (a name: ``short``, ``short_swapped``, ...): its
    greedy answers, the only ones generation asks for."""
    return Measure(dataset, Task.parse(task))


def long_measure(dataset: str, k: int, sample: int = GREEDY) -> Measure:
    """The long-form measure of ``k`` arguments at ``sample``."""
    return Measure(dataset, long_task(k).at(sample))
