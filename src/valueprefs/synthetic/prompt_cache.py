"""A provider's automatic prompt caching, as OpenAI documents it, for the synthetic server: a
prompt's cached tokens are its longest prefix already seen in an earlier prompt, counted from
``min_tokens`` on in steps of ``increment`` tokens (0 below ``min_tokens``). Nothing expires."""

import hashlib
import threading

from valueprefs.tokens import CACHE_INCREMENT, CACHE_MIN_TOKENS


class PrefixCache:
    """The token prefixes seen so far, as digests at every countable length."""

    def __init__(self, min_tokens: int = CACHE_MIN_TOKENS, increment: int = CACHE_INCREMENT):
        self.min_tokens, self.increment = min_tokens, increment
        self.seen: set[bytes] = set()
        self.lock = threading.Lock()

    def cached_tokens(self, tokens: list[str]) -> int:
        """The tokens of this prompt served from the cache; its prefixes are remembered."""
        digests = self._prefix_digests(tokens)
        with self.lock:
            cached = max((length for length, digest in digests if digest in self.seen), default=0)
            self.seen.update(digest for _, digest in digests)
        return cached

    def _prefix_digests(self, tokens: list[str]) -> list[tuple[int, bytes]]:
        """(length, digest of the first ``length`` tokens) at every countable length."""
        running = hashlib.sha256()
        digests, done = [], 0
        for length in range(self.min_tokens, len(tokens) + 1, self.increment):
            running.update("\x00".join(tokens[done:length]).encode() + b"\x00")
            done = length
            digests.append((length, running.copy().digest()))
        return digests


def parse_prompt_cache(text: str) -> PrefixCache | None:
    """``1024,128`` -> a cache counting from 1024 tokens in steps of 128; ``off`` -> None."""
    if text == "off":
        return None
    try:
        min_tokens, increment = (int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--prompt-cache {text!r}: give MIN_TOKENS,INCREMENT (e.g. 1024,128) or off") from None
    if min_tokens < 1 or increment < 1:
        raise ValueError(f"--prompt-cache {text!r}: both numbers must be at least 1")
    return PrefixCache(min_tokens, increment)
