"""The shape of the library: floors that import only downwards, thin packages, one entry module
per stage for the workflow's scripts, and a DAG that is built without heavy imports."""

import ast
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SRC = REPO / "src" / "valueprefs"
# Each package sits on a floor and imports only from its own floor and the floors below.
FLOORS = {
    "runtime": 1, "synthetic": 2, "llm": 3, "data": 4, "generation": 5, "annotation": 6, "accounting": 7,
    "preferences": 8, "analysis": 9, "figures": 10, "study": 11,
}  # fmt: skip
STAGES = ("data", "generation", "annotation", "accounting", "preferences", "analysis", "figures")
HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "openai", "llama_cpp", "vllm", "torch", "sentence_transformers")


def floor(module: str) -> int:
    """The floor of a valueprefs module (top-level modules are the ground floor)."""
    parts = module.split(".")
    return FLOORS.get(parts[1], 0) if len(parts) > 2 or parts[1] in FLOORS else 0


def library_modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        yield ".".join(relative.parts).removesuffix(".__init__"), path


def imports_of(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("valueprefs.")}


def test_no_import_runs_back_up_a_floor():
    upward = [
        f"{module} -> {imported}"
        for module, path in library_modules()
        for imported in imports_of(path)
        if floor(imported) > floor(module)
    ]
    assert upward == []


def test_packages_are_thin_and_each_stage_has_one_entry_module():
    for package in (*FLOORS, "demo_data"):
        init = SRC / package / "__init__.py"
        tree = ast.parse(init.read_text())
        assert all(isinstance(node, ast.Expr) for node in tree.body), f"{init} does more than document"
    for stage in STAGES:
        assert (SRC / stage / "jobs.py").is_file()
    for script in sorted((REPO / "workflow" / "scripts").glob("*.py")):
        modules = imports_of(script)
        assert modules and all(re.fullmatch(r"valueprefs\.(\w+\.jobs|runtime\.runlog)", m) for m in modules), (
            script,
            modules,
        )


def test_building_the_dag_imports_nothing_heavy():
    """The valueprefs modules the Snakefile and its rule files import load no data or model library."""
    text = "\n".join(path.read_text() for path in [REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")])
    modules = sorted(set(re.findall(r"^\s*from (valueprefs[\w.]*) import", text, re.MULTILINE)))
    assert "valueprefs.planning" in modules and "valueprefs.config" in modules
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    code += "print(sorted(m for m in sys.modules if m.startswith(('valueprefs.llm', 'valueprefs.annotation.'))))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["[]", "[]"]


def test_the_workflow_reaches_into_no_private_part_of_snakemake():
    """Snakemake's private attributes (``workflow._...``, an object's ``__dict__``) can change in
    any release without notice; the rules use its public API only."""
    files = [
        REPO / "Snakefile",
        *sorted((REPO / "workflow").rglob("*.smk")),
        *sorted((REPO / "workflow").rglob("*.py")),
    ]
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bworkflow\._|__dict__", line)
    ]
    assert not found, "\n".join(found)


def rule_files():
    return [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]


def test_rules_ask_the_study_plan_for_every_path_and_task():
    """No rule formats a results path or parses a task name: the paths come from
    ``valueprefs.paths.Paths``, task names from ``valueprefs.tasks``; the rules' shared
    module stays small."""
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in rule_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"[\"']results/|long_k|startswith\(|removeprefix\(", line)
    ]
    assert not found, "\n".join(found)
    assert len((REPO / "workflow" / "rules" / "common.smk").read_text().splitlines()) < 200


def test_no_modules_import_each_other_in_a_cycle():
    """Imports anywhere in a module (function bodies included) form no cycle among the library's
    modules: each can be read, tested and moved with what it imports, never with what imports it."""
    modules = dict(library_modules())
    graph = {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}
    state: dict[str, str] = {}

    def cycle_from(name, trail):
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                return [*trail[trail.index(other) :], other] if other in trail else [name, other]
            if other not in state:
                found = cycle_from(other, [*trail, other])
                if found:
                    return found
        state[name] = "done"
        return None

    for name in sorted(graph):
        if name not in state:
            found = cycle_from(name, [name])
            assert found is None, " -> ".join(found)


def test_functions_stay_short_and_take_few_parameters():
    """No library function over 60 lines or 8 parameters (``self`` not counted)."""
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args
                names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
                count = len(names) - (names[:1] in (["self"], ["cls"])) + bool(arguments.vararg) + bool(arguments.kwarg)
                if node.end_lineno - node.lineno + 1 > 60 or count > 8:
                    found.add(f"{path.relative_to(SRC)}:{node.name}")
    assert not found, f"over 60 lines or 8 parameters: {sorted(found)}"


def files_naming(key: str) -> list[str]:
    """Code files (not comments or docstrings) that name ``key``: as an attribute, a keyword, a
    name or a string, in the library, the scripts and the rules."""
    found = []
    for path in [*sorted(SRC.rglob("*.py")), *sorted((REPO / "workflow" / "scripts").glob("*.py"))]:
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(node) is not None
        }
        for node in ast.walk(tree):
            named = (
                (isinstance(node, ast.Attribute) and node.attr == key)
                or (isinstance(node, ast.keyword) and node.arg == key)
                or (isinstance(node, ast.Name) and node.id == key)
                or (isinstance(node, ast.Constant) and node.value == key and id(node) not in docstrings)
            )
            if named:
                found.append(str(path.relative_to(REPO)))
                break
    found += [str(p.relative_to(REPO)) for p in rule_files() if re.search(rf"\b{key}\b", p.read_text())]
    return found


def test_min_evidence_goes_from_config_to_figure_through_six_files_downwards():
    """The threshold is read from the config once into the typed analysis settings, applied by
    the estimates, written into the analysis rows and read back by the figures from the
    tables: the schema and five library files, each on a floor no lower than the one before
    (nothing hands it back up)."""
    path = files_naming("min_evidence")
    assert path == [
        "src/valueprefs/analysis/analyses.py",
        "src/valueprefs/analysis/controls.py",
        "src/valueprefs/analysis/estimates.py",
        "src/valueprefs/analysis/settings.py",
        "src/valueprefs/figures/figure_data.py",
    ]
    assert "min_evidence:" in (REPO / "workflow/schemas/config.schema.yaml").read_text()
    flow = ["settings", "estimates", "analyses", "controls", "figure_data"]  # the order the value travels in
    floors = [
        floor("valueprefs." + p.removeprefix("src/valueprefs/").removesuffix(".py").replace("/", ".")) for p in path
    ]
    assert sorted(floors) == floors and len(path) + 1 <= 6 and {Path(p).stem for p in path} == set(flow)


def test_the_runtime_has_no_side_channels():
    """Each part owns its state: nothing runs at interpreter exit behind a caller's back, and no
    part finds another by looking it up in ``sys.modules`` (a job ends by calling what its parts
    registered with ``runlog.at_job_end``)."""
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\batexit\b|sys\.modules", line)
    ]
    assert not found, "\n".join(found)


def library_calls(path: Path):
    """Each call in a test file of a function or class it imports from the library, with the
    line, the name, the number of positional arguments and the keywords (None where a call
    splats arguments in, and so cannot be checked without running it)."""
    tree = ast.parse(path.read_text())
    imported = {
        alias.asname or alias.name: (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("valueprefs")
        for alias in node.names
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in imported:
            splat = any(isinstance(arg, ast.Starred) for arg in node.args) or any(k.arg is None for k in node.keywords)
            keywords = None if splat else [k.arg for k in node.keywords]
            yield node.lineno, imported[node.func.id], len(node.args), keywords


def test_the_vllm_tests_call_the_library_as_it_is():
    """The vLLM tests run in their own environment (`make test-vllm`), outside this suite: each of
    their calls into the library must still fit the signature it calls."""
    import importlib
    import inspect

    misfits, checked = [], 0
    for path in sorted((REPO / "tests_vllm").glob("*.py")):
        for line, (module, name), positional, keywords in library_calls(path):
            if keywords is None:
                continue
            target = getattr(importlib.import_module(module), name)
            try:
                inspect.signature(target).bind(*[None] * positional, **dict.fromkeys(keywords))
            except TypeError as error:
                misfits.append(f"{path.name}:{line} {name}: {error}")
            checked += 1
    assert checked >= 10 and misfits == []


def test_a_job_that_builds_no_table_starts_without_pandas():
    """Step jobs are most of a run's jobs and read and write JSON only: importing pandas (and
    krippendorff) would be most of their start-up time, so the modules they import leave it out."""
    code = "import sys, valueprefs.annotation.jobs, valueprefs.io\n"
    code += "print(sorted(m for m in ('pandas', 'krippendorff', 'scipy', 'matplotlib') if m in sys.modules))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
