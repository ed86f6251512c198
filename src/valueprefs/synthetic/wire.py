"""OpenAI's wire protocol over any answerer: one HTTP server for the synthetic engine and for
tests' scripted judges.

It serves ``/v1/chat/completions`` and ``/v1/completions`` (answers from the service's
``complete``), ``/v1/models``, ``/stats`` (what it answered and the faults it injected), and
the Files and Batches endpoints of the Batch API (upload, create, retrieve, download: a batch
reports ``in_progress`` on its first ``batch_polls`` retrievals, then ``completed`` with every
line answered by ``complete``). Injected faults (HTTP statuses with probabilities) and a latency
apply to every completion request.
"""

import email.parser
import http.server
import json
import threading
import time
from contextlib import contextmanager

import numpy as np


def parse_faults(text: str) -> dict[int, float]:
    """``429=0.05,500=0.02`` -> {429: 0.05, 500: 0.02}."""
    faults = {}
    for part in filter(None, text.split(",")):
        status, _, probability = part.partition("=")
        faults[int(status)] = float(probability)
    if sum(faults.values()) > 1:
        raise ValueError(f"--faults {text!r}: the probabilities add up to more than 1")
    return faults


def completion_object(body: dict, texts: list[str], reasons: list[str], usage: tuple[int, int, int], chat: bool):
    """A chat.completion (or text_completion) object as OpenAI returns it; ``usage``: prompt,
    completion and cached prompt tokens."""
    prompt_tokens, completion_tokens, cached = usage
    choices = [
        {"index": index, "finish_reason": reason}
        | ({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
        for index, (text, reason) in enumerate(zip(texts, reasons, strict=True))
    ]
    return {
        "id": "completion",
        "object": "chat.completion" if chat else "text_completion",
        "created": 0,
        "model": body.get("model", "synthetic"),
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


class OpenAIService:
    """What the server answers with (``complete``, for a subclass to define), the faults and
    latency it injects, the batches and files it holds, and counts of what it served. With
    ``record``, every request (path, body, Authorization header) is kept in ``requests`` and
    every route taken in ``log``."""

    def __init__(self, faults: dict[int, float] | None = None, latency: float = 0.0, seed: int = 0, record=False):
        self.faults, self.latency, self.record = faults or {}, latency, record
        self.random = np.random.default_rng(seed)
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "completions": 0, "prompt_tokens": 0, "completion_tokens": 0}
        self.stats |= {"cached_input_tokens": 0, "faults": {}}
        self.requests: list[dict] = []
        self.log: list[str] = []
        self.batch_polls = 1
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}

    def complete(self, body: dict, chat: bool) -> dict:
        """The completion object answering one request body."""
        raise NotImplementedError

    def fault(self) -> int | None:
        """An injected HTTP status for this request, or None."""
        with self.lock:
            draw = self.random.random()
            for status, probability in self.faults.items():
                if draw < probability:
                    self.stats["faults"][status] = self.stats["faults"].get(status, 0) + 1
                    return status
                draw -= probability
        return None

    def answered(self, body: dict, chat: bool) -> dict:
        """``complete``, counted in ``stats``."""
        payload = self.complete(body, chat)
        usage = payload["usage"]
        with self.lock:
            self.stats["requests"] += 1
            self.stats["completions"] += len(payload["choices"])
            self.stats["prompt_tokens"] += usage["prompt_tokens"]
            self.stats["completion_tokens"] += usage["completion_tokens"]
            self.stats["cached_input_tokens"] += usage["prompt_tokens_details"]["cached_tokens"]
        return payload

    def seen(self, method: str, path: str, body: dict | None = None, auth: str | None = None) -> None:
        """Record a request (with ``record`` only)."""
        if self.record:
            with self.lock:
                self.log.append(f"{method} {path}")
                if body is not None:
                    self.requests.append({"path": path, "body": body, "auth": auth})

    # the Batch API
    def upload(self, content: bytes, purpose: str) -> dict:
        with self.lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
        return {"id": file_id, "object": "file", "bytes": len(content), "created_at": 0} | {
            "filename": "batch.jsonl",
            "purpose": purpose,
        }

    def create_batch(self, request: dict) -> dict:
        with self.lock:
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": request["endpoint"],
                "input_file_id": request["input_file_id"],
                "completion_window": request["completion_window"],
                "status": "validating",
                "created_at": 0,
                "polls": 0,
            }
        return self._public(batch_id)

    def retrieve_batch(self, batch_id: str) -> dict:
        """A batch as its next retrieval sees it: in progress, then completed with its output."""
        batch = self.batches[batch_id]
        batch["polls"] += 1
        if batch["status"] != "completed":
            batch["status"] = "in_progress" if batch["polls"] <= self.batch_polls else "completed"
        if batch["status"] == "completed" and "output_file_id" not in batch:
            lines = []
            for line in self.files[batch["input_file_id"]].decode().splitlines():
                request = json.loads(line)
                response = {"status_code": 200, "request_id": "req", "body": self.answered(request["body"], True)}
                lines.append(
                    json.dumps({"id": "r", "custom_id": request["custom_id"], "response": response, "error": None})
                )
            batch["output_file_id"] = self.upload("\n".join(lines).encode(), "batch_output")["id"]
        return self._public(batch_id)

    def _public(self, batch_id: str) -> dict:
        return {key: value for key, value in self.batches[batch_id].items() if key != "polls"}


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves the wire protocol from ``service`` (set by ``handler_for``)."""

    service: OpenAIService

    def log_message(self, *args):
        pass

    def _send(self, status: int, payload: dict | None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if raw is None else "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_GET(self):
        self.service.seen("GET", self.path)
        parts = self.path.strip("/").split("/")
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": "synthetic", "object": "model"}]})
        elif self.path.rstrip("/").endswith("/stats"):
            with self.service.lock:
                self._send(200, json.loads(json.dumps(self.service.stats)))
        elif parts[:2] == ["v1", "batches"] and len(parts) == 3 and parts[2] in self.service.batches:
            self._send(200, self.service.retrieve_batch(parts[2]))
        elif (
            parts[:2] == ["v1", "files"]
            and len(parts) == 4
            and parts[3] == "content"
            and parts[2] in self.service.files
        ):
            self._send(200, None, raw=self.service.files[parts[2]])
        else:
            self._not_found()

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.rstrip("/")
        if path.endswith("/files"):
            self.service.seen("POST", self.path)
            self._send(200, self._upload(raw))
        elif path.endswith("/batches"):
            self.service.seen("POST", self.path)
            self._send(200, self.service.create_batch(json.loads(raw)))
        elif path.endswith("/completions"):
            body = json.loads(raw or b"{}")
            self.service.seen("POST", self.path, body, self.headers.get("Authorization"))
            self._complete(body, chat=path.endswith("/chat/completions"))
        else:
            self._not_found()

    def _upload(self, raw: bytes) -> dict:
        header = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser().parsebytes(header + raw)
        parts = {part.get_param("name", header="content-disposition"): part for part in message.get_payload()}
        return self.service.upload(parts["file"].get_payload(decode=True), parts["purpose"].get_payload())

    def _complete(self, body: dict, chat: bool) -> None:
        time.sleep(self.service.latency)
        status = self.service.fault()
        if status is not None:
            self._send(status, {"error": {"message": f"injected fault {status}", "type": "synthetic_fault"}})
            return
        try:
            self._send(200, self.service.answered(body, chat))
        except Exception as error:  # an unrecognized prompt, an unknown item, a malformed body
            self._send(400, {"error": {"message": str(error), "type": "invalid_request_error"}})


def handler_for(service: OpenAIService) -> type:
    """The request handler class serving ``service``."""
    return type("ServiceHandler", (Handler,), {"service": service})


class Server(http.server.ThreadingHTTPServer):
    """A thread per connection and a listen backlog for a whole judge's concurrency: with the
    standard library's 5, connections beyond it can fail before the server sees a request,
    which the client counts as sent and the server does not."""

    request_queue_size = 256
    daemon_threads = True


@contextmanager
def serving(service: OpenAIService, host: str = "127.0.0.1", port: int = 0):
    """Serve ``service`` from a thread while the block runs; yields the base URL (``.../v1``)."""
    server = Server((host, port), handler_for(service))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
