"""What a backend is asked to do, and what it answers: one interface for every engine."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field


def user_message(text: str) -> dict:
    """A chat message from the user."""
    return {"role": "user", "content": text}


@dataclass(frozen=True)
class Request:
    """Generate ``n`` completions of a raw ``prompt`` (base models) or chat ``messages`` (instruct)."""

    prompt: str | None = None
    messages: tuple[dict, ...] | None = None
    max_tokens: int = 256
    temperature: float = 0.0
    n: int = 1
    seed: int = 0

    def describe(self) -> dict:
        """Everything that determines the completions; part of the cache key."""
        return {"kind": "generate", **asdict(self), "messages": list(self.messages or []) or None}


@dataclass(frozen=True)
class ScoreRequest:
    """Log-probability of each continuation (e.g. "Action 1", "Action 2") after a prompt."""

    continuations: tuple[str, ...]
    prompt: str | None = None
    messages: tuple[dict, ...] | None = None

    def describe(self) -> dict:
        return {"kind": "score", **asdict(self), "messages": list(self.messages or []) or None}


@dataclass
class Completion:
    """One generated text with its seed, token counts and time; ``cached_input_tokens`` are the
    prompt tokens the provider served from its prompt cache (part of ``prompt_tokens``, billed
    at the cached-input price)."""

    text: str
    seed: int
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    seconds: float
    cached_input_tokens: int = 0


@dataclass
class CallMeter:
    """What a backend sent and received, counted where it happens (never from the cache).

    ``requests`` are the requests sent (for an HTTP API every attempt, retries included: what
    the server saw); ``completions`` the answers received (one per sample: an OpenAI-compatible
    server answers a request for n samples with n calls); tokens are the usage those answers
    reported, whether or not the request they belong to succeeded as a whole;
    ``cached_input_tokens`` the prompt tokens among them the provider's prompt cache served;
    ``answer_seconds`` the time the backend took for those answers, summed over calls (calls in
    flight at once overlap, so the sum can exceed the job's wall time).
    """

    requests: int = 0
    completions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_input_tokens: int = 0
    answer_seconds: float = 0.0

    def received(self, completion: "Completion") -> None:
        self.completions += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.cached_input_tokens += completion.cached_input_tokens
        self.answer_seconds += completion.seconds

    def add(self, other: "CallMeter") -> None:
        for name in ("requests", "completions", "prompt_tokens", "completion_tokens", "cached_input_tokens"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.answer_seconds += other.answer_seconds

    def as_dict(self) -> dict[str, float]:
        return asdict(self) | {"answer_seconds": round(self.answer_seconds, 3)}


@dataclass
class CallFailure:
    """A call that failed for good (retries exhausted, refused, ...); never cached."""

    reason: str
    details: dict = field(default_factory=dict)


# A backend reports each finished call as (index of the request, its result).
ResultSink = Callable[[int, object], None]
