"""Tasks: what a model is asked of one data set, named once and parsed in one place.

A dilemma data set has ``short`` (Figure 8), ``short_swapped`` (actions in the other order,
when counterbalancing), ``short_explicit`` (values revealed, appendix B.4) and ``long_k{k}``
(Figure 9) for each k; a question data set has only the long-form tasks; a recognition data set
has one task, ``recognize``. A task's name is also its response file's name: every sample of a
task (0 greedy, 1..n at the temperature) has the same name and file, and ``Task.at`` picks one.
"""

import re
from dataclasses import dataclass, replace

MODES = ("short", "long", "recognize")
_NAME = re.compile(
    r"(?:(?P<short>short)(?P<variant>_swapped|_explicit)?|long_k(?P<k>[1-9][0-9]*)|(?P<recognize>recognize))"
)
# Every task's first sample (greedy). Only a long-form task is also asked at the temperature
# (samples 1..n_samples), so the short form and recognition have this sample alone.
GREEDY = 0
# The generation setting that caps the answers of each mode.
TOKEN_CAP_KEYS = {"short": "short_max_tokens", "long": "long_max_tokens", "recognize": "recognition_max_tokens"}
# The {task} wildcard's pattern of each mode (a rule that takes one mode's files constrains it).
WILDCARD = {"short": "short[a-z_]*", "long": "long_k[0-9]+", "recognize": "recognize"}


@dataclass(frozen=True)
class Task:
    """One task: its mode, the k a long-form answer is asked for, a short task's variant, and
    which sample of its answers is meant (0: greedy)."""

    mode: str
    k: int | None = None
    swapped: bool = False
    explicit: bool = False
    sample: int = GREEDY

    def __post_init__(self) -> None:
        if self.mode not in MODES or (self.mode == "long") != (self.k is not None):
            raise ValueError(f"not a task: mode {self.mode!r} with k {self.k!r}")
        if (self.swapped or self.explicit) and (self.mode != "short" or self.swapped == self.explicit):
            raise ValueError("only a short task is swapped or explicit, and not both")
        if not isinstance(self.sample, int) or self.sample < 0:
            raise ValueError(f"not a sample: {self.sample!r} (samples are 0 = greedy, 1, 2, ...)")

    def at(self, sample: int) -> "Task":
        """The same task's answers of ``sample``."""
        return replace(self, sample=sample)

    @property
    def name(self) -> str:
        """The task's name (and its response file's stem), the same for each of its samples."""
        if self.mode == "long":
            return f"long_k{self.k}"
        if self.mode == "short":
            return "short" + ("_swapped" if self.swapped else "_explicit" if self.explicit else "")
        return "recognize"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def parse(cls, name: str) -> "Task":
        """The task named ``name`` (at sample 0); a ValueError names it when it is none of the tasks."""
        match = _NAME.fullmatch(str(name))
        if match is None:
            raise ValueError(
                f"unknown task {name!r}: tasks are short, short_swapped, short_explicit, long_k<k>, recognize"
            )
        if match["k"]:
            return cls("long", int(match["k"]))
        if match["recognize"]:
            return cls("recognize")
        return cls("short", swapped=match["variant"] == "_swapped", explicit=match["variant"] == "_explicit")


SHORT, SWAPPED, EXPLICIT, RECOGNIZE = (
    Task("short"),
    Task("short", swapped=True),
    Task("short", explicit=True),
    Task("recognize"),
)


def long_task(k: int) -> Task:
    """The long-form task asking for ``k`` arguments."""
    return Task("long", k)


def tasks_for(kind: str, settings: dict) -> list[Task]:
    """The tasks of a data set of ``kind`` under the generation settings, in a fixed order."""
    if kind == "recognition":
        return [RECOGNIZE]
    long = [long_task(k) for k in settings["k"]]
    if kind != "dilemmas":
        return long
    short = [SHORT] + [SWAPPED] * bool(settings["counterbalance"]) + [EXPLICIT] * bool(settings["explicit_values"])
    return short + long


def token_limit(task: Task, settings: dict) -> int:
    """The generation setting that caps a task's answers (``max_tokens`` of its requests)."""
    return settings[TOKEN_CAP_KEYS[task.mode]]
