"""The library files a workflow script's results depend on, found by following its imports.

Rules carry a digest of these files' contents as a param, so editing library code reruns
exactly the jobs whose scripts import it (directly or through other library modules) and
nothing else; a touched file with the same content, or the checkout moved elsewhere, reruns
nothing.

A stage's ``jobs`` module holds the functions the rules of that stage call. From a ``jobs``
module only what the functions a script imports use is followed: the module's own functions and
classes they call, and the modules bound to the names they refer to (imported at the top of the
module or inside a function alike), so a rule depends on the code of its own job, not on its
neighbours'. Every other library module is followed whole, through every import it makes.
``code_versions`` keeps every script's digest in a memo file while no file changes.
"""

import ast
import contextlib
import hashlib
import json
import sys
from functools import cache
from pathlib import Path

from valueprefs.io import atomic_write_text

PACKAGE = "valueprefs"
ENTRY_MODULE = "jobs"
# Logging and error messages: editing them never changes a result.
NOT_RESULT_CODE = frozenset({"valueprefs.runtime.runlog", "valueprefs.errors"})


@cache
def _module_file(src: Path, module: str) -> Path | None:
    """The file that defines ``module`` under ``src`` (a module or a package's __init__); the
    library does not change while a workflow is planned, so each is looked up once."""
    base = src.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _bound_by(node: ast.stmt) -> list[tuple[str, set[str]]]:
    """(name bound, library modules named) of each alias of an import statement: ``import a.b``
    binds a and names a.b; ``from a import b`` binds b and names a and a.b (b may be a module)."""
    if isinstance(node, ast.Import):
        pairs = [(alias.asname or alias.name.split(".")[0], {alias.name}) for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        pairs = [(alias.asname or alias.name, {node.module, f"{node.module}.{alias.name}"}) for alias in node.names]
    else:
        return []
    return [(local, {m for m in modules if m == PACKAGE or m.startswith(PACKAGE + ".")}) for local, modules in pairs]


def _import_names(nodes) -> set[str]:
    """Library modules named by the import statements among ``nodes``."""
    return {module for node in nodes for _, modules in _bound_by(node) for module in modules}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _statements(nodes: list[ast.stmt]):
    """Every statement among ``nodes`` and in their blocks (bodies, branches, handlers), without
    descending into expressions: imports are statements, and a module has ten times more
    expression nodes than statements."""
    for node in nodes:
        yield node
        for block in ("body", "orelse", "finalbody", "handlers", "cases"):
            yield from _statements(getattr(node, block, None) or [])


@cache
def imported_modules(path: Path) -> frozenset[str]:
    """Library modules ``path`` imports anywhere (function-level imports included)."""
    return frozenset(_import_names(_statements(_tree(path).body)))


def _bindings(tree: ast.Module) -> dict[str, set[str]]:
    """Top-level name -> the library modules whose import binds it."""
    bound: dict[str, set[str]] = {}
    for node in tree.body:
        for local, modules in _bound_by(node):
            bound.setdefault(local, set()).update(modules)
    return bound


def _names_in(node: ast.AST) -> set[str]:
    return {each.id for each in ast.walk(node) if isinstance(each, ast.Name)}


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def entry_imports(path: Path, functions: frozenset[str]) -> frozenset[str]:
    """Library modules a ``jobs`` module needs to run ``functions``: the modules bound to the
    names those functions (and the module's functions and classes they use, and its top-level
    statements) refer to, and the imports inside them. A ``jobs`` module may import at the top:
    an import none of the functions uses is not followed."""
    tree = _tree(path)
    defined = {node.name: node for node in tree.body if isinstance(node, DEFINITIONS)}
    statements = [node for node in tree.body if not isinstance(node, (*DEFINITIONS, ast.Import, ast.ImportFrom))]
    used = set(functions).union(*map(_names_in, statements))
    pending, seen, modules = [name for name in used if name in defined], set(), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        modules |= _import_names(ast.walk(defined[name]))
        names = _names_in(defined[name])
        used |= names
        pending += [other for other in names if other in defined]
    bindings = _bindings(tree)
    return frozenset(modules.union(*(bindings.get(name, set()) for name in used)))


def _script_imports(path: Path) -> tuple[dict[str, frozenset[str]], set[str]]:
    """The functions a script imports from ``jobs`` modules, and the other library modules it imports."""
    entries: dict[str, frozenset[str]] = {}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE + "."):
            if node.module.rsplit(".", 1)[-1] == ENTRY_MODULE:
                entries[node.module] = entries.get(node.module, frozenset()) | {alias.name for alias in node.names}
    others = {name for name in imported_modules(path) if name not in entries and name.rsplit(".", 1)[0] not in entries}
    return entries, others


def library_files(script: str | Path, src: str | Path) -> list[str]:
    """Every library source file that ``script`` runs, sorted; ``src`` holds the package."""
    src = Path(src)
    entries, pending = _script_imports(Path(script))
    files: set[Path] = set()
    for module, functions in entries.items():
        path = _module_file(src, module)
        if path is not None:
            files.add(path)
            pending |= entry_imports(path, functions) | _parents(module)
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
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


def _parents(module: str) -> set[str]:
    """The packages above ``module`` (their __init__ files run first)."""
    parts = module.split(".")
    return {".".join(parts[:depth]) for depth in range(1, len(parts))}


def code_digest(files: list[str], src: str | Path) -> str:
    """``library code <12 hex>``: a digest of the files' paths (relative to ``src``) and contents."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(Path(path).relative_to(src)).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return f"library code {digest.hexdigest()[:12]}"


def code_versions(src: str | Path, scripts: str | Path, memo: str | Path) -> dict[str, str]:
    """The code digest of every workflow script in ``scripts`` by file name. They are kept in
    ``memo`` (JSON) under a fingerprint of every library and script file's path and content:
    while no file changes, a Snakemake start reads them instead of parsing the library again (a
    fifth of a second). A memo that cannot be read or written is computed again, never an error."""
    src, scripts = Path(src), Path(scripts)
    fingerprint = _fingerprint(src, scripts)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        remembered = json.loads(Path(memo).read_text(encoding="utf-8"))
        if remembered["fingerprint"] == fingerprint:
            return dict(remembered["digests"])
    digests = {path.name: code_digest(library_files(path, src), src) for path in sorted(scripts.glob("*.py"))}
    with contextlib.suppress(OSError):
        atomic_write_text(memo, json.dumps({"fingerprint": fingerprint, "digests": digests}, indent=1) + "\n")
    return digests


def _fingerprint(src: Path, scripts: Path) -> str:
    """A digest of the paths and contents of every library file and workflow script."""
    named = [(path.relative_to(src), path) for path in (src / PACKAGE).rglob("*.py")]
    named += [(Path("scripts", path.name), path) for path in scripts.glob("*.py")]
    digest = hashlib.sha256()
    for name, path in sorted(named):
        digest.update(name.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def main(scripts: list[str]) -> None:
    """Print each script's code digest and the library files it covers."""
    src = Path(__file__).resolve().parents[2]
    for script in scripts:
        files = library_files(script, src)
        print(f"{script}: {code_digest(files, src)}")
        print("".join(f"  {Path(path).relative_to(src)}\n" for path in files), end="")


if __name__ == "__main__":
    main(sys.argv[1:])
