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
"""

import zlib
from dataclasses import dataclass

import numpy as np


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

    @classmethod
    def from_spec(cls, control: dict) -> "ControlParams":
        return cls(**{name: control[name] for name in cls.__dataclass_fields__})


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
