"""A request's token limit as a server applies it to a synthetic answer. Synthetic tokens are
whitespace-separated words; an answer longer than ``max_tokens`` stops after that many words
(its whitespace kept up to there), with finish_reason "length", as a real engine's would."""

import re

WORD = re.compile(r"\S+")


def within_limit(text: str, max_tokens: int | None) -> tuple[str, int, str]:
    """The answer as sent (cut at ``max_tokens`` words), its token count and its finish reason."""
    tokens = len(text.split())
    if max_tokens is None or tokens <= max_tokens:
        return text, tokens, "stop"
    ends = [match.end() for match in WORD.finditer(text)]
    return text[: ends[max_tokens - 1]], max_tokens, "length"
