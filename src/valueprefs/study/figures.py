"""The figures a config draws: which data set and k each shows, its caption, labels and style."""

from collections.abc import Sequence

from valueprefs.figures.captions import caption
from valueprefs.figures.registry import BY_NUMBER, FIGURES, resolve, unrated
from valueprefs.figures.style import require_paper_figures, style_for
from valueprefs.paths import Paths

NUMBERS = tuple(spec.number for spec in FIGURES)


def paper_figures(paths: Paths, numbers: Sequence[str] = NUMBERS) -> list[str]:
    """The figures ``numbers`` of the paper (PNG and PDF; default: all), Table 1, and the
    alignment companion figure."""
    drawn = [paths.figure(f"fig{number}.{extension}") for number in numbers for extension in ("png", "pdf")]
    return [*drawn, paths.figure("table1.md"), paths.figure("alignment_differences.png")]


def chosen_figures(figures_config: dict) -> list[str]:
    """The paper figures the default target draws, in the paper's order: ``figures.only``, or
    all. The figure numbers the config names (there and in ``overrides``) are checked here, once."""
    require_paper_figures(figures_config.get("overrides", {}), NUMBERS, "figures.overrides.{number}")
    only = figures_config.get("only")
    if only is None:
        return list(NUMBERS)
    require_paper_figures(only, NUMBERS, "figures.only")
    return [number for number in NUMBERS if number in only]


class FigurePlan:
    """The paper's figures under one config (``kinds``: data set name -> kind; ``controls``: the
    families drawn hatched)."""

    def __init__(self, config: dict, kinds: dict[str, str], controls: list[str]) -> None:
        self.config, self.kinds, self.controls = config, kinds, controls
        self.chosen = chosen_figures(config["figures"])

    def intervals(self) -> dict:
        """The analysis settings behind every interval, as figure captions describe them."""
        return {key: self.config["analysis"][key] for key in ("bootstrap", "resampling")}

    def setting(self, number: str) -> dict:
        """The data set and k a paper figure shows under this config."""
        reference = self.config["analysis"]["reference_dataset"]
        return resolve(BY_NUMBER[number], self.kinds, self.config["generation"]["k"], reference)

    def caption(self, number: str) -> str:
        return caption(BY_NUMBER[number], self.setting(number), self.intervals())

    def labels(self, number: str) -> dict:
        """Report labels that tell figures apart (several share a title, differing in data set or k)."""
        setting = self.setting(number)
        shown = setting["dataset"] or "all data sets"
        if setting["k"] is not None:
            shown += f", k = {setting['k']} (paper: {setting['paper_k']})"
        elif setting["paper_k"] is not None:
            shown += f", no k (paper: {setting['paper_k']})"
        return {"figure": number, "shows": BY_NUMBER[number].title, "setting": shown}

    def report_titles(self) -> dict[str, str]:
        """Every figure the default target draws by file name, with what it shows and for which setting."""
        titles = {}
        for number in self.chosen:
            labels = self.labels(number)
            titles[f"fig{number}.png"] = f"Figure {number.lstrip('0')}: {labels['shows']} ({labels['setting']})"
        titles["alignment_differences.png"] = "Alignment: instruct minus base, with intervals"
        return titles

    def study(self, number: str) -> dict:
        """What a figure job reads of the config (its params)."""
        return {
            "kinds": self.kinds,
            "ks": self.config["generation"]["k"],
            "reference": self.config["analysis"]["reference_dataset"],
            "intervals": self.intervals(),
            "controls": self.controls,
            "unrated": unrated(BY_NUMBER[number], self.config["annotation"]["specificity"]),
        }

    def style(self, number: str) -> dict:
        """The style of one figure: ``figures.style`` with ``figures.overrides[number]`` on top."""
        return style_for(self.config["figures"], number, set(BY_NUMBER))
