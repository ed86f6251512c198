"""API keys: read from the environment only, and scrubbed from every text the tool records.

A server may echo the key in an error message, and a user may paste a key where a variable
name belongs; every error, log line and failure reason goes through :func:`scrub` first.
"""

import logging
import os
import re

from valueprefs.errors import ConfigError

REDACTED = "[redacted key]"
MIN_SECRET_LENGTH = 8
VARIABLE_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_secrets: set[str] = set()


def remember(secret: str) -> None:
    """Scrub ``secret`` from everything recorded from now on (short strings are not secrets)."""
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        _secrets.add(secret)


def scrub(text: str) -> str:
    """``text`` with every known key replaced by a marker."""
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def api_key_from_env(variable: str | None) -> str:
    """The key in ``variable``; local servers that need none get a placeholder."""
    if not variable:
        return "not-needed"
    key = os.environ.get(variable)
    if not key:
        raise ConfigError(f"environment variable {variable} (named by api_key_env) is not set")
    remember(key)
    return key


def remember_configured_keys(entries: list[dict]) -> None:
    """Keys the config points to (their variables' values), and keys pasted where a variable
    name belongs: both are scrubbed from messages, the validation error included."""
    for entry in entries:
        name = entry.get("api_key_env")
        if not isinstance(name, str):
            continue
        if VARIABLE_NAME.match(name):
            remember(os.environ.get(name, ""))
        else:
            remember(name)


class ScrubbingFilter(logging.Filter):
    """A logging filter that removes keys from every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = scrub(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True
