"""How figures look: one style for all, and per-figure overrides from the config."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from valueprefs.errors import ConfigError


@dataclass(frozen=True)
class FigureStyle:
    """Resolution, font size, palette and panel height of a figure."""

    dpi: int = 150
    font_scale: float = 1.05
    palette: str = "tableau-colorblind10"
    height: float = 4.2


def style_for(figures_config: dict, number: str, known: set[str]) -> dict:
    """The style of figure ``number``: defaults, then ``style``, then ``overrides[number]``.

    Returned as a plain dict, so a rule's params hold exactly this figure's style and a change
    to another figure's override never reruns it.
    """
    overrides = figures_config.get("overrides", {})
    require_paper_figures(overrides, known, "figures.overrides.{number}")
    return asdict(FigureStyle(**{**figures_config.get("style", {}), **overrides.get(number, {})}))


def require_paper_figures(numbers: Iterable[str], known: Iterable[str], key: str) -> None:
    """Refuse a figure number the paper lacks: a ConfigError naming the config ``key`` (its
    ``{number}`` filled in) and the paper's figures."""
    unknown = sorted(set(numbers) - set(known))
    if unknown:
        raise ConfigError(
            f"config key '{key.format(number=unknown[0])}': there is no paper figure {unknown[0]} "
            f"(figures: {', '.join(sorted(known))})"
        )
