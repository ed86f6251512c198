"""Errors that name exactly what is wrong: the file, the row or key, and the value."""


class ValuePrefsError(Exception):
    """Base class of every error the tool raises on purpose."""


class DataError(ValuePrefsError):
    """A data file is missing, empty or malformed.

    ``where`` locates the problem inside the file, e.g. ``"line 4"`` or ``"row 12, column 'x'"``.
    """

    def __init__(self, source: str, problem: str, where: str | None = None):
        prefix = f"{source}, {where}" if where else str(source)
        super().__init__(f"{prefix}: {problem}")
        self.source = str(source)
        self.where = where
        self.problem = problem


class ConfigError(ValuePrefsError):
    """The workflow configuration is invalid."""
