"""Which config a results directory belongs to: the first run that writes into ``results/``
records its config file(s) there, and a run of another config in the same directory is refused
before anything is planned, so two studies never mix their tables, figures and summaries."""

import os
from pathlib import Path

MARKER = "results/CONFIG"


def _identity(configfiles: list[str]) -> str:
    return "\n".join(os.path.realpath(path) for path in configfiles)


def owner_conflict(configfiles: list[str], marker: str = MARKER) -> str | None:
    """Why this run must not use the results directory here (None: it may)."""
    if not os.path.isfile(marker):
        return None
    owner = Path(marker).read_text(encoding="utf-8").strip()
    if owner == _identity(configfiles):
        return None
    this = ", ".join(map(str, configfiles))
    stem = Path(str(configfiles[-1])).stem
    return (
        f"{Path(marker).parent.resolve()} holds the results of {owner.replace(chr(10), ', ')}, not of this "
        f"run's config {this}. Give each config its own directory, e.g. `snakemake -d runs/{stem} "
        f"--configfile {this} ...` (paths in a config are read relative to the config file), or remove "
        f"{marker} to let this config take results/ over here."
    )


def claim(configfiles: list[str], marker: str = MARKER) -> None:
    """Record this run's config as the owner of the results directory, once."""
    if not os.path.isfile(marker):
        Path(marker).parent.mkdir(parents=True, exist_ok=True)
        Path(marker).write_text(_identity(configfiles) + "\n", encoding="utf-8")
