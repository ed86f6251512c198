"""Turning config validation failures into one line that names the offending key."""

from jsonschema.exceptions import ValidationError

from valueprefs.errors import ConfigError


def key_path(error: ValidationError) -> str:
    """Dotted path of the config key an error is about, e.g. ``generation.k[0]``."""
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def describe(error: ValidationError, configfiles: list[str]) -> ConfigError:
    """A one-line ConfigError for a schema violation, naming the config file(s) and the key."""
    files = ", ".join(map(str, configfiles)) or "config"
    return ConfigError(f"invalid config ({files}): key '{key_path(error)}': {error.message}")


def find_validation_error(exception: BaseException) -> ValidationError | None:
    """The jsonschema error behind Snakemake's WorkflowError (its cause or context), if any."""
    if isinstance(exception, ValidationError):
        return exception
    cause = exception.__cause__ or exception.__context__
    return find_validation_error(cause) if cause else None
