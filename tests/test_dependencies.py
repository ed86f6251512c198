"""Every third-party package the code of a rule imports is declared where that rule runs: in the
rule's conda environment (``envs/``, for ``--sdm conda``) and in ``pyproject.toml``."""

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib

import pytest
import yaml

from valueprefs.code_inputs import library_files

from conftest import REPO

RULE = re.compile(r"^(?:use rule (\w+) as (\w+) with:|\s*rule (\w+)?:)", re.MULTILINE)
FIELD = re.compile(r"^\s+(conda|script):\s*\n\s+\"([^\"]+)\"", re.MULTILINE)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def rules() -> dict[str, dict[str, str]]:
    """Rule -> its conda env and script file, from the rule files (``use rule`` inherits)."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        text = path.read_text()
        starts = list(RULE.finditer(text))
        ends = [following.start() for following in starts[1:]] + [len(text)] if starts else []
        for match, end in zip(starts, ends, strict=True):
            body = text[match.end() : end]
            fields = dict(FIELD.findall(body))
            parent, name = match.group(1), match.group(2) or match.group(3) or f"{path.stem}:{match.start()}"
            found[name] = {**found.get(parent, {}), **fields}
    return {name: fields for name, fields in found.items() if "script" in fields}


def third_party_imports(paths: list[str]) -> set[str]:
    """Top-level names of the non-standard, non-valueprefs modules ``paths`` import anywhere."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "valueprefs"}


@functools.cache
def distributions(module: str) -> set[str]:
    """The distributions that provide an importable name (its own name when not installed)."""
    provided = importlib.metadata.packages_distributions().get(module)
    return {normalized(name) for name in provided} if provided else {normalized(module)}


def env_packages(path) -> set[str]:
    spec = yaml.safe_load(path.read_text())
    pip = next(entry["pip"] for entry in spec["dependencies"] if isinstance(entry, dict))
    return {normalized(re.split(r"[=<>!\[ ]", line)[0]) for line in pip}


def project_packages() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return {normalized(re.split(r"[=<>!\[ ]", line)[0]) for line in lines}


RULES = rules()


def test_the_rule_files_were_read():
    assert {"generate", "annotate_step", "annotate_arguments", "preferences_long", "analyze_run"} <= set(RULES)
    assert RULES["annotate_arguments"]["script"] == RULES["annotate_step"]["script"]  # inherited by use rule
    assert all("conda" in fields for fields in RULES.values())


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_import_of_a_rule_is_in_its_environment_and_the_project(rule):
    script = (REPO / "workflow" / "rules" / RULES[rule]["script"]).resolve()
    env = (REPO / "workflow" / "rules" / RULES[rule]["conda"]).resolve()
    imported = third_party_imports([str(script), *library_files(script, REPO / "src")])
    in_env, in_project = env_packages(env), project_packages()
    missing_env = sorted(m for m in imported if not distributions(m) & in_env)
    missing_project = sorted(m for m in imported if not distributions(m) & in_project)
    assert missing_env == [], f"{rule}: not in {env.name}"
    assert missing_project == [], f"{rule}: not in pyproject.toml"
