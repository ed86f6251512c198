"""Library code as rule inputs: each script's import closure, nothing more."""

from valueprefs.runtime.code_digest import library_files

from conftest import REPO

SRC = REPO / "src"


def relative(files):
    return {str(p).removeprefix(str(SRC / "valueprefs") + "/") for p in files}


def test_a_figure_depends_on_plotting_and_statistics_but_not_on_models():
    files = relative(library_files(REPO / "workflow/scripts/figure.py", SRC))
    assert {"figures/jobs.py", "figures/figure_data.py", "figures/plots.py", "analysis/stats.py"} <= files
    assert "figures/recovery.py" not in files and "analysis/simulate.py" not in files  # the other figure job
    assert {"figures/style.py", "__init__.py", "figures/__init__.py"} <= files
    assert not any(path.startswith(("generation/", "annotation/judge")) for path in files)
    assert "runtime/runlog.py" not in files and "errors.py" not in files  # messages never change a result


def test_generation_follows_imports_made_inside_functions():
    files = relative(library_files(REPO / "workflow/scripts/generate.py", SRC))
    # make_backend imports each backend lazily, inside the function
    assert {"llm/llamacpp.py", "llm/vllm_engine.py", "llm/openai_api.py"} <= files
    assert not any(path.startswith("figures/") for path in files)


def test_a_rule_depends_on_its_own_job_not_its_neighbours():
    step = relative(library_files(REPO / "workflow/scripts/annotate_step.py", SRC))
    cost = relative(library_files(REPO / "workflow/scripts/cost_estimate.py", SRC))
    assert {"annotation/jobs.py", "annotation/annotator.py", "llm/calls.py"} <= step
    assert "accounting/cost.py" not in step and "tokens.py" not in step and "accounting/ledger.py" not in step
    assert {"accounting/jobs.py", "accounting/cost.py", "tokens.py"} <= cost and "annotation/jobs.py" not in cost


def test_a_constructed_package(tmp_path):
    package = tmp_path / "src" / "valueprefs"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("import json\nfrom valueprefs.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    import valueprefs.c\n")
    (package / "c.py").write_text("from valueprefs.runtime.runlog import rule_log\n")
    (package / "unused.py").write_text("")
    script = tmp_path / "script.py"
    script.write_text("from valueprefs.sub.a import thing\n")
    files = library_files(script, tmp_path / "src")
    assert {p.removeprefix(str(package) + "/") for p in files} == {
        "__init__.py", "sub/__init__.py", "sub/a.py", "sub/b.py", "c.py",
    }  # fmt: skip


def test_only_what_the_imported_jobs_use_is_followed(tmp_path):
    """Imports at the top of a jobs module and inside its functions alike: a module is followed
    when a followed function (or a top-level statement, which runs on import) uses its name."""
    package = tmp_path / "src" / "valueprefs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text(
        "from valueprefs import unused, used_by_helper\n"
        "from valueprefs.constants import LIMIT\n"
        "import valueprefs.dotted\n"
        "from valueprefs.tools import tool as renamed\n\n"
        "CAP = LIMIT * 2\n\n"
        "def first():\n    from valueprefs import heavy\n    return helper(renamed)\n\n"
        "def helper(x):\n    from valueprefs import helped\n    return used_by_helper.f(x, CAP)\n\n"
        "def second():\n    from valueprefs import other\n    return valueprefs.dotted.g(unused)\n"
    )
    for name in ("unused", "used_by_helper", "constants", "dotted", "tools", "heavy", "helped", "other"):
        (package / f"{name}.py").write_text("")
    script = tmp_path / "script.py"
    script.write_text("from valueprefs.jobs import first\n")
    files = {p.removeprefix(str(package) + "/") for p in library_files(script, tmp_path / "src")}
    assert files == {
        "__init__.py", "jobs.py", "used_by_helper.py", "constants.py", "tools.py", "heavy.py", "helped.py",
    }  # fmt: skip
    other = tmp_path / "other_script.py"
    other.write_text("from valueprefs.jobs import second\n")
    files = {p.removeprefix(str(package) + "/") for p in library_files(other, tmp_path / "src")}
    assert files == {"__init__.py", "jobs.py", "constants.py", "other.py", "dotted.py", "unused.py"}


def test_the_code_digest_follows_content_only(tmp_path):
    import shutil

    from valueprefs.runtime.code_digest import code_digest

    package = tmp_path / "one" / "src" / "valueprefs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "used.py").write_text("X = 1\n")
    (package / "unused.py").write_text("Y = 1\n")
    script = tmp_path / "script.py"
    script.write_text("from valueprefs import used\n")

    def digest(root):
        return code_digest(library_files(script, root / "src"), root / "src")

    first = digest(tmp_path / "one")
    assert first.startswith("library code ") and len(first.split()[-1]) == 12
    (package / "unused.py").write_text("Y = 2\n")
    assert digest(tmp_path / "one") == first  # a file the script does not import
    shutil.copytree(tmp_path / "one", tmp_path / "moved")
    assert digest(tmp_path / "moved") == first  # the checkout somewhere else
    (package / "used.py").write_text("X = 2\n")
    assert digest(tmp_path / "one") != first
    (package / "used.py").write_text("X = 1\n")
    assert digest(tmp_path / "one") == first  # the same content again


def test_a_jobs_module_may_import_at_the_top_without_widening_its_rules():
    """The generation jobs import their backends at the top of the module; merging shards and
    counting answer lengths run no backend, so editing the vLLM engine reruns neither."""
    assert "import" in (SRC / "valueprefs/generation/jobs.py").read_text().split("def ", 1)[0]
    for script in ("merge_generation.py", "answer_lengths.py"):
        files = relative(library_files(REPO / "workflow/scripts" / script, SRC))
        assert not any(path.startswith(("llm/", "synthetic/")) for path in files), (script, files)
    assert "llm/vllm_engine.py" in relative(library_files(REPO / "workflow/scripts/generate.py", SRC))


def test_code_versions_are_remembered_until_a_library_file_or_script_changes(tmp_path):
    """A planning process reads the scripts' digests from the memo while every file is as it
    was (a forged memo entry shows it was read, not recomputed); an edited library file, a new
    script or a damaged memo gets every digest computed again; an unwritable memo is no error."""
    import json

    from valueprefs.runtime.code_digest import code_digest, code_versions

    package, scripts = tmp_path / "src" / "valueprefs", tmp_path / "scripts"
    package.mkdir(parents=True)
    scripts.mkdir()
    (package / "__init__.py").write_text("")
    (package / "used.py").write_text("X = 1\n")
    (scripts / "a.py").write_text("from valueprefs import used\n")
    (scripts / "b.py").write_text("import json\n")
    memo = tmp_path / "workdir" / ".snakemake" / "valueprefs" / "code_versions.json"

    def computed() -> dict[str, str]:
        return {p.name: code_digest(library_files(p, tmp_path / "src"), tmp_path / "src") for p in scripts.glob("*.py")}

    first = code_versions(tmp_path / "src", scripts, memo)
    assert first == computed() and first["a.py"] != first["b.py"] and memo.is_file()
    remembered = json.loads(memo.read_text())
    memo.write_text(json.dumps({**remembered, "digests": {**first, "a.py": "forged"}}))
    assert code_versions(tmp_path / "src", scripts, memo)["a.py"] == "forged"
    (package / "used.py").write_text("X = 2\n")
    edited = code_versions(tmp_path / "src", scripts, memo)
    assert edited == computed() and edited["a.py"] not in (first["a.py"], "forged") and edited["b.py"] == first["b.py"]
    (scripts / "c.py").write_text("from valueprefs import used\n")
    assert code_versions(tmp_path / "src", scripts, memo)["c.py"] == edited["a.py"]
    memo.write_text("{not json")
    assert code_versions(tmp_path / "src", scripts, memo) == computed()
    (tmp_path / "file").write_text("")
    assert code_versions(tmp_path / "src", scripts, tmp_path / "file" / "memo.json") == computed()
