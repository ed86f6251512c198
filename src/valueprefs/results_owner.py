"""Which study a results directory belongs to: each run that writes into ``results/`` records
its config file and its study (the data sets and models, which give the results their
meaning), and a run whose config file and study both differ is refused before anything is
planned, so two studies never mix their tables, figures and summaries. Editing the config in
place (another model, a new style) and a variant file of the same study are the same study.
"""

import hashlib
import json
import os
from pathlib import Path

from valueprefs.paths import Paths

MARKER = Paths().report_table("CONFIG")


def _identity(config: dict, configfiles: list[str]) -> dict:
    study = json.dumps({"datasets": config["datasets"], "models": config["models"]}, sort_keys=True, default=str)
    return {
        "config": "; ".join(os.path.realpath(path) for path in configfiles),
        "study": hashlib.sha256(study.encode()).hexdigest()[:16],
    }


def owner_conflict(config: dict, configfiles: list[str], marker: str = MARKER) -> str | None:
    """Why this run must not use the results directory here (None: it may)."""
    if not os.path.isfile(marker):
        return None
    try:
        owner = json.loads(Path(marker).read_text(encoding="utf-8"))
    except ValueError:
        return f"{marker} is not what this workflow writes there (a JSON object); remove it to go on"
    this = _identity(config, configfiles)
    if owner.get("config") == this["config"] or owner.get("study") == this["study"]:
        return None
    stem = Path(str(configfiles[-1])).stem
    return (
        f"{Path(marker).parent.resolve()} holds the results of another study ({owner.get('config')}: other "
        f"data sets or models than {this['config']}). Give each config its own directory, e.g. `snakemake "
        f"-d runs/{stem} --configfile {this['config']} ...` (paths in a config are read relative to the config "
        f"file), or remove {marker} to let this config take results/ over here."
    )


def claim(config: dict, configfiles: list[str], marker: str = MARKER) -> None:
    """Record this run's config file and study as the owner of the results directory."""
    Path(marker).parent.mkdir(parents=True, exist_ok=True)
    Path(marker).write_text(json.dumps(_identity(config, configfiles), indent=1) + "\n", encoding="utf-8")
