"""A synthetic model's planted preferences and how they drive its answers.

Its parameters are the ground truth of a control:

- ``latent_seed`` draws one short-form latent preference per vocabulary value (standard
  normal); the long-form latent is ``consistency`` x the short-form one + sqrt(1 - consistency^2)
  x an independent draw made orthogonal to it (so ``consistency`` is exactly the correlation of
  the two over the vocabulary);
- ``noise``: the standard deviation of each value's draw when it decides a dilemma (the sets'
  summed utilities compete) and orders its arguments; at temperature 0 the draws are fixed per
  item, at higher temperatures they change with each sample's seed;
- ``position_bias``: the probability of answering "Action 1" whatever the content;
- ``explicit_shift``: the probability that revealing the values flips a decision;
- ``specificity``: the slope of an argument's specificity level (1-5) on its value's
  standardized short-form latent; ``diversity``: the slope of the chance that an argument
  is written in varied words rather than a repeated phrase (so a positive slope makes preferred
  values' arguments more diverse, i.e. compress less);
- ``recognition_recall``: the probability of naming each gold value of a situation.

Scenarios that break the estimators' assumptions (each off by default, where the model makes
decisions and orders exactly as TrueSkill and the position score assume):

- ``dilemma_effect``, ``side_bias``: the sd and the mean of one effect per dilemma that favours
  its "to do" action (negative: "not to do") in both formats (a dilemma where acting is
  obviously right is obvious in both formats): added to the short-form utility; in long answers
  the favoured action's values move ahead by twice its size;
- ``choice_rule``: ``sum`` (a set's utility is the sum of its values') or ``max`` (its
  strongest value's);
- ``noise_family``: ``normal`` or ``logistic`` draws (of the same standard deviation);
- ``order_noise_per_k``: the long-form ordering noise drawn anew for each k (else an item's
  noise is shared by its answers at every k);
- ``leading_value``: the value of highest long-form latent opens every long answer (position
  saturation);
- ``values_per_argument``: an argument names its own value and up to this many in all, the
  others drawn from the same answer's candidates (the judge labels every value named);
  ``missed_value``: the chance an argument names none (the judge finds no value);
  ``spurious_value``: the chance it also names a random other vocabulary value.
"""

import zlib
from dataclasses import dataclass

import numpy as np

from valueprefs.synthetic.scenarios import scenario_control


@dataclass(frozen=True)
class ControlParams:
    """The planted parameters of one synthetic model (see the module docstring)."""

    latent_seed: int
    consistency: float
    noise: float
    position_bias: float
    explicit_shift: float
    specificity: float
    diversity: float
    recognition_recall: float
    dilemma_effect: float = 0.0
    side_bias: float = 0.0
    choice_rule: str = "sum"
    noise_family: str = "normal"
    order_noise_per_k: bool = False
    leading_value: bool = False
    values_per_argument: int = 1
    missed_value: float = 0.0
    spurious_value: float = 0.0

    @classmethod
    def from_spec(cls, control: dict) -> "ControlParams":
        """The parameters a control section sets, its ``scenario`` preset applied (the scenario
        parameters may be left out)."""
        control = scenario_control(control)
        return cls(**{name: control[name] for name in cls.__dataclass_fields__ if name in control})

    def noise_draws(self, draw: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws of the value noise: sd ``noise``, normal or logistic."""
        if self.noise_family == "logistic":
            return draw.logistic(0.0, self.noise * np.sqrt(3.0) / np.pi, size)
        return self.noise * draw.standard_normal(size)

    def dilemma_shift(self, situation: str) -> float:
        """This dilemma's effect in favour of its "to do" action (the same in both formats)."""
        if not (self.dilemma_effect or self.side_bias):
            return 0.0
        return self.side_bias + self.dilemma_effect * stream(self.latent_seed, "dilemma", situation).standard_normal()


def latents(params: ControlParams, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """The short- and long-form latent preferences over ``n_values`` values (standardized). The
    independent part is made orthogonal to the short-form latent, so the two correlate exactly
    ``consistency`` over the vocabulary, not just in expectation."""
    rng = np.random.default_rng([params.latent_seed, n_values])
    short = standardized(rng.standard_normal(n_values))
    independent = rng.standard_normal(n_values)
    independent = standardized(independent - (independent @ short) / (short @ short) * short)
    rho = params.consistency
    return short, rho * short + np.sqrt(max(0.0, 1.0 - rho * rho)) * independent


def stream(*parts: object) -> np.random.Generator:
    """A random generator seeded by the given parts (numbers, texts), the same on every machine."""
    return np.random.default_rng([zlib.crc32(str(part).encode()) for part in parts])


def standardized(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() or 1.0)
