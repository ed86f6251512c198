"""The library files a workflow script's results depend on, found by following its imports.

Rules list these files as inputs, so editing library code reruns exactly the jobs whose
scripts import it (directly or through other library modules) and nothing else.
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE = "valueprefs"
# Logging and error messages: editing them never changes a result.
NOT_RESULT_CODE = frozenset({"valueprefs.runlog", "valueprefs.errors"})


def _module_file(src: Path, module: str) -> Path | None:
    """The file that defines ``module`` under ``src`` (a module or a package's __init__)."""
    base = src.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def imported_modules(path: Path) -> frozenset[str]:
    """Library modules ``path`` imports anywhere (function-level imports included).

    ``from valueprefs.x import y`` yields ``valueprefs.x`` and ``valueprefs.x.y``; the second
    counts only if ``y`` turns out to be a module.
    """
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(name for name in names if name == PACKAGE or name.startswith(PACKAGE + "."))


def library_files(script: str | Path, src: str | Path) -> list[str]:
    """Every library source file that ``script`` runs, sorted; ``src`` holds the package."""
    src = Path(src)
    pending, seen_modules, files = set(imported_modules(Path(script))), set(), set()
    while pending:
        module = pending.pop()
        if module in seen_modules:
            continue
        seen_modules.add(module)
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            name = ".".join(parts[:depth])
            if name in NOT_RESULT_CODE:
                break
            path = _module_file(src, name)
            if path is not None and path not in files:
                files.add(path)
                pending |= imported_modules(path)
    return sorted(map(str, files))
