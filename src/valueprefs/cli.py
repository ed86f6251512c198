"""``valueprefs``: Snakemake for this workflow, with its config files read strictly first.

Every argument goes to ``snakemake`` unchanged (``valueprefs -n``, ``valueprefs figure_06``,
``valueprefs --profile profiles/slurm --configfile config/paper.yaml``). Snakemake reads
``--configfile`` files before the workflow can check them and reports a YAML error without the
file's name; read here first, a tab or a key given twice is reported with its file and line.
"""

import os
import sys
from pathlib import Path

from valueprefs.config import load_config_file
from valueprefs.errors import ConfigError

CONFIG_OPTIONS = ("--configfile", "--configfiles")


def config_files(arguments: list[str]) -> list[str]:
    """The files given to ``--configfile``/``--configfiles`` (as many as follow the option)."""
    files: list[str] = []
    taking = False
    for argument in arguments:
        name, equals, value = argument.partition("=")
        if name in CONFIG_OPTIONS:
            taking = not equals
            files += [value] if equals else []
        elif argument.startswith("-"):
            taking = False
        elif taking:
            files.append(argument)
    return files


def main() -> None:
    """Check the config files, then run snakemake with the same arguments."""
    arguments = sys.argv[1:]
    try:
        for path in config_files(arguments):
            load_config_file(path)
    except ConfigError as error:
        sys.exit(f"error: {error}")
    snakemake = Path(sys.executable).with_name("snakemake")
    os.execv(snakemake, [str(snakemake), *arguments])
