"""What every backend is built with besides its config entry: one run context per job."""

from dataclasses import dataclass, field
from pathlib import Path

from valueprefs.prompts import Templates


@dataclass(frozen=True)
class RunContext:
    """Where model files go (``models_dir``), the run's seed, whether short answers are scored
    by log-probability, and what the run asks about: its prompt templates, vocabulary and items
    (a synthetic model answers from them; other backends ignore what they do not need)."""

    models_dir: Path
    seed: int = 0
    scoring: bool = False
    templates: Templates | None = None
    vocabulary: tuple[str, ...] = ()
    items: tuple[dict, ...] = field(default=(), repr=False)
