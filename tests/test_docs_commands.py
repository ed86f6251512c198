"""Every command the README and the docs pages show runs as written.

Each `snakemake` command parses as its reader means it (Snakemake's own parser finds each
intended target: an option that takes several values, such as --configfile, swallows a target
written after it; it knows how many cores to use), and then runs, as a dry run where it would
do real work (a report is planned instead of written), from a directory laid out like this
checkout, against fresh configs (`my.yaml` and the other placeholders are the keyless example).
Each `python -m valueprefs...` command runs as written where it only reads, with `--help`
where it would start a server or load models (those are run by their own tests). Not run here:
`make` targets (CI runs `make lint` and `make test`; `make demo` is timed in bench/RESULTS.md),
installs (`pip`), `pytest` and `mkdocs serve`.
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from snakemake.cli import get_argument_parser

from conftest import REPO, SNAKEMAKE, planned_rules

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SNAKEMAKE_COMMAND = re.compile(r"(\.venv/bin/)?snakemake( |$)")
PYTHON_COMMAND = re.compile(r"(\.venv/bin/)?python -m valueprefs\.")
# options the docs use with exactly one value: a word after their value is meant as a target
ONE_VALUE = {"--profile", "-d", "--directory", "--cores", "-c", "--configfile", "--report", "--rerun-triggers",
             "--list-changes", "--forcerun", "-s", "--snakefile", "--executor"}  # fmt: skip
RUN_NO_JOB = {"-n", "--dry-run", "--lint", "--unlock", "--report", "--list-changes", "--summary"}
PLACEHOLDER_CONFIGS = ("my.yaml", "new.yaml", "first.yaml", "second.yaml")
PARSER = get_argument_parser()
RUNS: list[tuple[dict, subprocess.CompletedProcess]] = []  # each distinct dry run, once (run_once)
STARTS_A_PROCESS = ("valueprefs.llm.local_server", "valueprefs.synthetic.server", "valueprefs.llm.engine_check")


def shown_commands() -> list[str]:
    """Commands of the pages: lines of shell code blocks and inline code (comments cut)."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for language, block in re.findall(r"```(\w*)\n(.*?)```", text, re.S):
            if language in ("", "bash", "sh"):
                found += [line.split(" #")[0].strip() for line in block.splitlines()]
        found += [" ".join(span.split()) for span in re.findall(r"(?<!`)`([^`]+)`(?!`)", text)]
    commands = [c for c in found if SNAKEMAKE_COMMAND.match(c) or PYTHON_COMMAND.match(c)]
    return list(dict.fromkeys(c.removesuffix("&").strip() for c in commands if "..." not in c))


def snakemake_commands() -> list[str]:
    return [command for command in shown_commands() if SNAKEMAKE_COMMAND.match(command)]


def intended_targets(words: list[str]) -> list[str]:
    """The words a reader takes for targets: neither options nor the value of one (the YAML
    files after ``--configfile`` are all its values: configs laid over each other)."""
    targets, after_option, configfiles = [], False, False
    for word in words:
        if word.startswith("-"):
            after_option, configfiles = word in ONE_VALUE, word == "--configfile"
        elif after_option or (configfiles and word.endswith((".yaml", ".yml"))):
            after_option = False
        else:
            targets.append(word)
            configfiles = False
    return targets


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """A directory laid out like this checkout (its workflow, library, configs and profiles),
    with fresh configs where the docs name a placeholder."""
    root = tmp_path_factory.mktemp("docs-commands")
    for name in ("Snakefile", "workflow", "src", "config", "profiles", "config.yaml"):
        (root / name).symlink_to(REPO / name)
    for name in PLACEHOLDER_CONFIGS:
        (root / name).write_text((REPO / "config/examples/local_server.yaml").read_text())
    return root


def test_the_docs_show_commands():
    assert len(snakemake_commands()) >= 20 and any(PYTHON_COMMAND.match(c) for c in shown_commands())


@pytest.mark.parametrize("command", snakemake_commands())
def test_each_snakemake_command_parses_as_meant_and_runs(command, sandbox):
    words = shlex.split(command)[1:]
    parsed = PARSER.parse_args(words)
    missing = [target for target in intended_targets(words) if target not in (parsed.targets or [])]
    assert not missing, f"{command!r}: Snakemake reads {missing} as option values, not targets"
    runs_jobs = not RUN_NO_JOB & set(words)
    assert not runs_jobs or parsed.profile or parsed.cores, f"{command!r}: no profile and no --cores"
    if "--report" in words:  # plan the report's inputs instead of writing it
        at = words.index("--report")
        words = [*words[:at], *words[at + 2 :], "-n"]
    elif not {"--summary", "--list-changes", "--unlock", "--lint"} & set(words) and "-n" not in words:
        words.append("-n")
    result = run_once(words, sandbox)
    assert result.returncode == 0, f"{command!r} as {words}:\n{result.stderr[-3000:]}"


def documented_run(command: str, sandbox: Path) -> subprocess.CompletedProcess:
    """The run of a dry-run command the pages show, shared with that command's test above."""
    assert command in snakemake_commands(), f"the docs no longer show {command!r}"
    return run_once(shlex.split(command)[1:], sandbox)


PAPER_DRY_RUN = "snakemake -n -d runs/paper --configfile config/paper.yaml"


def test_the_demo_and_paper_dry_runs_plan_their_own_models_without_data(sandbox):
    """The embedded default plans the demo's models; config/paper.yaml plans the paper's alone
    (the default is not merged into it); neither reads a data set to plan."""
    demo, paper = (documented_run(command, sandbox) for command in ("snakemake -n", PAPER_DRY_RUN))
    for result in (demo, paper):
        assert result.returncode == 0, result.stderr[-3000:]
        assert "rule dataset:" in result.stdout and "rule vocabulary:" in result.stdout
    assert "smollm2" in demo.stdout and "smollm2" not in paper.stdout + paper.stderr


def test_the_economy_dry_run_plans_the_papers_generation_and_a_batch_per_step_and_file(sandbox):
    """config/paper_economy.yaml over the paper's: the paper's generation jobs, and a Batch API
    submit and collect per annotation step and response file."""
    economy = "snakemake -n -d runs/paper_economy --configfile config/paper.yaml config/paper_economy.yaml"
    paper, cheap = (planned_rules(documented_run(command, sandbox)) for command in (PAPER_DRY_RUN, economy))
    assert cheap["generate"] == paper["generate"] == 10 and "batch_submit" not in paper
    assert cheap["batch_submit"] == cheap["batch_collect"] == 3 * cheap["annotate_arguments"]


def comparable(value: object) -> object:
    """An argument's value as something ``==`` compares by content (some option types are plain
    objects that compare by identity)."""
    if type(value).__eq__ is object.__eq__ and hasattr(value, "__dict__"):
        return type(value).__name__, vars(value)
    return value


def run_once(words: list[str], sandbox: Path) -> subprocess.CompletedProcess:
    """Run Snakemake with ``words`` in the sandbox, unless a command the parser reads as the very
    same arguments already ran (a page's command with `-n` added, or a report planned instead of
    written, can be another page's command word for word)."""
    meant = {name: comparable(value) for name, value in vars(PARSER.parse_args(words)).items()}
    for earlier, result in RUNS:
        if earlier == meant:
            return result
    result = subprocess.run([SNAKEMAKE, *words], cwd=sandbox, capture_output=True, text=True, timeout=300)
    RUNS.append((meant, result))
    return result


@pytest.mark.parametrize("command", [c for c in shown_commands() if PYTHON_COMMAND.match(c)])
def test_each_python_command_runs(command, sandbox):
    words = shlex.split(command)[1:]
    if any(module in command for module in STARTS_A_PROCESS):
        words = [*words[:2], "--help"]
    if words[1] == "valueprefs.runtime.stop":
        words.append("--dry-run")
    result = subprocess.run([sys.executable, *words], cwd=sandbox, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{command!r} as {words}:\n{result.stderr[-3000:]}"
    assert result.stdout.strip(), command


def test_the_docs_site_builds_without_a_warning(tmp_path):
    """mkdocs in strict mode: a broken link or a page missing from the navigation fails."""
    site = tmp_path / "site"
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "-q", "-d", str(site)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert (site / "index.html").is_file() and (site / "first-model" / "index.html").is_file()
