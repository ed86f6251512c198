"""Config checks that stop a run before any job, each with one line naming the file and the key.

Three layers: the file itself (YAML that silently drops a block: duplicate keys, or tabs),
the JSON schema (types, unknown keys, defaults), and the relations between keys the schema
cannot express (a sample that does not exist, a data set of the wrong kind, a judge that is
not configured, a backend that cannot do what is asked). API keys in the environment are
checked when the workflow starts running (not in a dry run).
"""

import os
from pathlib import Path

import yaml
from jsonschema.exceptions import ValidationError

from valueprefs.errors import ConfigError
from valueprefs.secrets import VARIABLE_NAME, remember_configured_keys, scrub

LLM_BACKENDS = ("openai", "vllm", "llamacpp", "synthetic")


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (YAML keeps only the last)."""


def _strict_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(
                f"{loader.name}, line {key_node.start_mark.line + 1}: key '{key}' is given twice in the same "
                f"block (first on line {seen[key]}); YAML would silently keep only the last one"
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def load_config_file(path: str | os.PathLike) -> dict:
    """A config file read strictly: a duplicate key or a YAML error names the file and line."""
    try:
        with open(path, encoding="utf-8") as stream:
            loader = _StrictLoader(stream)
            loader.name = str(path)
            try:
                data = loader.get_single_data()
            finally:
                loader.dispose()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error.strerror})") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        tab = " (YAML does not allow tabs for indentation)" if "\\t" in str(error.problem) else ""
        raise ConfigError(f"{path}{where}: {error.problem or error}{tab}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys, got {type(data).__name__}")
    return data


# Config keys renamed so that one concept has one name (docs/glossary.md): where the key sits,
# its old name and its new one. A config with the old name still works, with a warning.
RENAMED_KEYS = (("models.<family>.<alignment>", "token_limits", "token_caps"),)


def _keyed_entries(config: dict, where: str):
    """(key path, mapping) of every mapping at ``where`` in the config."""
    if where == "models.<family>.<alignment>":
        for family, entries in (config.get("models") or {}).items():
            for alignment, entry in (entries or {}).items() if isinstance(entries, dict) else ():
                if isinstance(entry, dict):
                    yield f"models.{family}.{alignment}", entry


def rename_old_keys(config: dict, configfiles: list[str]) -> list[str]:
    """Rename, in place, the keys a config still spells the old way; one warning per key (both
    names set at one place is an error naming it)."""
    warnings = []
    for where, old, new in RENAMED_KEYS:
        for path, entry in _keyed_entries(config, where):
            if old not in entry:
                continue
            if new in entry:
                raise ConfigError(
                    f"{_files(configfiles)}: config keys '{path}.{old}' and '{path}.{new}' are one key; keep {new}"
                )
            entry[new] = entry.pop(old)
            warnings.append(
                f"config key '{path}.{old}' is now called '{new}' ({_files(configfiles)}); the old name still works"
            )
    return warnings


def check_config(config: dict, configfiles: list[str], schema: str) -> list[str]:
    """Every check before the DAG is built: the files, old key names (renamed, returned as
    warnings), the schema (filling in its defaults), the relations between keys. Keys the config
    points to are scrubbed from messages."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    for path in configfiles:
        load_config_file(path)
    warnings = rename_old_keys(config, configfiles)
    remember_configured_keys(_model_entries(config))
    try:
        validate(config, schema)
    except WorkflowError as error:
        problem = find_validation_error(error)
        if problem is None:
            raise
        raise describe(problem, configfiles) from None
    resolve_defaults(config)
    check_relations(config, configfiles)
    if configfiles:
        resolve_config_paths(config, configfiles[-1])
    return warnings


def resolve_config_paths(config: dict, configfile: str | os.PathLike) -> None:
    """Relative data and model paths are read relative to the config file that names them (the
    last one given): rewritten relative to the working directory, where the jobs run, so the
    same config works from any ``-d`` directory. Absolute paths, ``package:`` models and
    Hugging Face ids (vLLM) stay as they are."""
    base = Path(configfile).resolve().parent
    entries = [config["vocabulary"], *config["datasets"].values()]
    models = [spec for family in config["models"].values() for spec in family.values()]
    for entry in entries + models:
        if isinstance(entry.get("path"), str):
            entry["path"] = _from_config_dir(entry["path"], base)
    for spec in models + config["judges"]:
        if spec["backend"] == "llamacpp" and not spec["model"].startswith("package:"):
            spec["model"] = _from_config_dir(spec["model"], base)


def _from_config_dir(path: str, base: Path) -> str:
    if os.path.isabs(path):
        return path
    return os.path.relpath(base / path, Path.cwd())


def resolve_defaults(config: dict) -> None:
    """Defaults that depend on other keys. ``annotation.specificity_samples``: null becomes the
    sample the analyses read (rating the others would be paid for and never used), "all"
    becomes None (every sample), a list stays. With structure first and an audit fraction, the
    audit judge joins ``judges`` (``annotation.audit``)."""
    from valueprefs.planning import audit_judge

    annotation = config["annotation"]
    if annotation["specificity_samples"] is None:
        annotation["specificity_samples"] = [config["analysis"]["preference_sample"]]
    elif annotation["specificity_samples"] == "all":
        annotation["specificity_samples"] = None
    auditor = audit_judge(config["judges"], annotation)
    if auditor is not None and all(judge["name"] != auditor["name"] for judge in config["judges"]):
        config["judges"].append(auditor)


def _model_entries(config: dict) -> list[dict]:
    """Judge and model entries, read defensively (the config is not validated yet)."""
    entries = [judge for judge in config.get("judges") or [] if isinstance(judge, dict)]
    for family in (config.get("models") or {}).values():
        if isinstance(family, dict):
            entries += [spec for spec in family.values() if isinstance(spec, dict)]
    return entries


def key_path(error: ValidationError) -> str:
    """Dotted path of the config key an error is about, e.g. ``generation.k[0]``."""
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def describe(error: ValidationError, configfiles: list[str]) -> ConfigError:
    """A one-line ConfigError for a schema violation, naming the config file(s) and the key.

    A value given for ``api_key_env`` is never repeated: it may be a key pasted by mistake."""
    key = key_path(error)
    message = error.message
    if key.endswith("api_key_env"):
        message = "must name an environment variable (capitals, digits, underscores), not hold the key itself"
    return ConfigError(f"invalid config ({_files(configfiles)}): key '{key}': {scrub(message)}")


def find_validation_error(exception: BaseException) -> ValidationError | None:
    """The jsonschema error behind Snakemake's WorkflowError (its cause or context), if any."""
    if isinstance(exception, ValidationError):
        return exception
    cause = exception.__cause__ or exception.__context__
    return find_validation_error(cause) if cause else None


def check_relations(config: dict, configfiles: list[str]) -> None:
    """Relations between keys that the schema cannot check; the first problem is raised."""
    problem = _first_problem(config)
    if problem:
        key, message = problem
        raise ConfigError(f"invalid config ({_files(configfiles)}): key '{key}': {message}")


def _first_problem(config: dict) -> tuple[str, str] | None:
    samples = config["generation"]["n_samples"]
    analysis, annotation = config["analysis"], config["annotation"]
    if analysis["preference_sample"] > samples:
        return "analysis.preference_sample", (
            f"sample {analysis['preference_sample']} does not exist: generation.n_samples is {samples} "
            f"(samples are 0 = greedy to {samples})"
        )
    missing = [s for s in annotation["specificity_samples"] or [] if s > samples]
    if missing:
        return "annotation.specificity_samples", (
            f"sample(s) {', '.join(map(str, missing))} do not exist: generation.n_samples is {samples}"
        )
    reference = analysis["reference_dataset"]
    if reference is not None:
        kind = config["datasets"].get(reference, {}).get("kind")
        if kind is None:
            return "analysis.reference_dataset", (
                f"{reference!r} is not a data set of this config ({', '.join(sorted(config['datasets']))})"
            )
        if kind != "dilemmas":
            return "analysis.reference_dataset", f"{reference!r} is a {kind} data set; it must be a dilemmas data set"
    for family, alignments in sorted(config["models"].items()):
        for alignment, spec in sorted(alignments.items()):
            unknown = sorted(set(spec["limits"]) - set(config["datasets"]))
            if unknown:
                return f"models.{family}.{alignment}.limits", f"{unknown[0]!r} is not a data set of this config"
    problem = _judge_problem(config["judges"], annotation)
    if problem:
        return problem
    judges = {judge["name"]: judge for judge in config["judges"]}
    standardizer = annotation["standardize_judge"]
    if standardizer is not None and standardizer not in judges:
        return "annotation.standardize_judge", f"no judge is named {standardizer!r} (judges: {', '.join(judges)})"
    batched = [name for name, judge in judges.items() if judge.get("batch")]
    if annotation["shards"] > 1 and batched:
        return "annotation.shards", (
            f"{annotation['shards']} shards with a Batch API judge ({batched[0]!r}, batch: true) are not "
            "supported: use 1 shard, or turn the Batch API off"
        )
    if standardizer is not None and judges[standardizer]["backend"] not in LLM_BACKENDS:
        return "annotation.standardize_judge", f"judge {standardizer!r} is not an LLM judge (backend offline)"
    if config["generation"]["short_form_mode"] == "logprob":
        for family, alignments in sorted(config["models"].items()):
            for alignment, spec in sorted(alignments.items()):
                if spec["backend"] == "openai":
                    return f"models.{family}.{alignment}.backend", (
                        "generation.short_form_mode 'logprob' needs log-probabilities of the prompt "
                        "(backend llamacpp or vllm); an OpenAI-compatible API does not give them"
                    )
    return None


def _judge_problem(judges: list[dict], annotation: dict) -> tuple[str, str] | None:
    """Two judges of one name (their labels would land under one name, both paid), or an
    annotation step no judge does (found only after generation was paid for)."""
    seen: dict[str, int] = {}
    for index, judge in enumerate(judges):
        if judge["name"] in seen:
            return f"judges[{index}].name", (
                f"{judge['name']!r} is already the name of judges[{seen[judge['name']]}]; judge names must be unique"
            )
        seen[judge["name"]] = index
    needed = ["arguments", "values"] + (["specificity"] if annotation["specificity"] else [])
    for step in needed:
        if not any(step in judge["steps"] for judge in judges):
            doing = "; ".join(f"{judge['name']}: {', '.join(judge['steps'])}" for judge in judges)
            return "judges", f"no judge does the {step!r} step (steps by judge: {doing}); add it to a judge's steps"
    return None


def unset_api_keys(job_params: list[object]) -> list[str]:
    """The variables named by ``api_key_env`` anywhere in the params of the jobs about to run
    that are unset or empty (a dry run, or a rerun that only redraws figures, needs none)."""
    named: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, dict):
            variable = value.get("api_key_env")
            if isinstance(variable, str) and VARIABLE_NAME.match(variable):
                named.add(variable)
            for inner in value.values():
                collect(inner)
        elif isinstance(value, (list, tuple)):
            for inner in value:
                collect(inner)

    for params in job_params:
        collect(params)
    return sorted(variable for variable in named if not os.environ.get(variable))


def _files(configfiles: list[str]) -> str:
    return ", ".join(map(str, configfiles)) or "config"
