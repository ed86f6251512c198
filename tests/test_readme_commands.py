"""Every `snakemake` command the README shows parses as its reader means it: Snakemake's own
argument parser finds each intended target (an option that takes several values, such as
--configfile or --forcerun, swallows a target written after it) and knows how many cores to use
(a profile, --cores, or a command that runs no job)."""

import re
import shlex

import pytest
from snakemake.cli import get_argument_parser

from conftest import REPO

COMMAND = re.compile(r"(\.venv/bin/)?snakemake( |$)")
# options the README uses with exactly one value: a word after their value is meant as a target
ONE_VALUE = {"--profile", "-d", "--directory", "--cores", "-c", "--configfile", "--report", "--rerun-triggers",
             "--list-changes", "--forcerun", "-s", "--snakefile", "--executor"}  # fmt: skip
RUN_NO_JOB = {"-n", "--dry-run", "--lint", "--unlock", "--report", "--list-changes", "--summary"}


def readme_commands() -> list[str]:
    """The snakemake commands of the README: inline code and lines of code blocks (comments cut)."""
    text = (REPO / "README.md").read_text()
    spans = [" ".join(span.split()) for span in re.findall(r"(?<!`)`([^`]+)`(?!`)", text)]
    found = [span for span in spans if COMMAND.match(span)]
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        found += [line.split(" #")[0].strip() for line in block.splitlines() if COMMAND.match(line.strip())]
    return [command for command in found if "..." not in command]


def intended_targets(words: list[str]) -> list[str]:
    """The words a reader takes for targets: neither options nor the value of one."""
    targets, after_option = [], False
    for word in words:
        if word.startswith("-"):
            after_option = word in ONE_VALUE
        elif after_option:
            after_option = False
        else:
            targets.append(word)
    return targets


def test_the_readme_shows_commands():
    assert len(readme_commands()) >= 25


@pytest.mark.parametrize("command", readme_commands())
def test_each_readme_command_parses_as_meant(command):
    words = shlex.split(command)[1:]
    parsed = get_argument_parser().parse_args(words)
    missing = [target for target in intended_targets(words) if target not in (parsed.targets or [])]
    assert not missing, f"{command!r}: Snakemake reads {missing} as option values, not targets"
    runs_jobs = not RUN_NO_JOB & set(words)
    assert not runs_jobs or parsed.profile or parsed.cores, f"{command!r}: no profile and no --cores"
