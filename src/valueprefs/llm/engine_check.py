"""Does llama.cpp run on this CPU? Each llama.cpp model of a config answers a multi-token chat
prompt and a plain completion through the project's own backend, in a child process: a crash of
the engine (an instruction this CPU lacks, a broken kernel) becomes one line naming the signal,
the CPU features the llama.cpp build reported and what to do, before any workflow job starts.

    python -m valueprefs.llm.engine_check [--configfile config.yaml]

``make setup`` ends with it. Exit status 0 when every model answered, 1 otherwise.
"""

import argparse
import importlib.metadata
import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from valueprefs.llm.cpu import cpu_flags, cpu_model

CHAT = ({"role": "user", "content": "Name three colours of the rainbow, please."},)
COMPLETION = "The three primary colours are red,"
MAX_TOKENS = 4
# The brief check (under an emulator, where each token takes seconds): a three-token completion
# and two new tokens, which still run the prompt's batched kernels and one decoding step.
BRIEF = "Red, green"
BRIEF_TOKENS = 2
# What the child prints, one line each, flushed before the step that may crash.
FEATURES, STEP, ANSWER = "features: ", "step: ", "answer: "
# llama.cpp's system-info names of x86 features -> their /proc/cpuinfo flags.
CPUINFO_FLAGS = {
    "SSE3": "pni", "SSSE3": "ssse3", "AVX": "avx", "AVX2": "avx2", "F16C": "f16c", "FMA": "fma", "BMI2": "bmi2",
    "AVX_VNNI": "avx_vnni", "AVX512": "avx512f", "AVX512_VBMI": "avx512vbmi", "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16", "AMX_INT8": "amx_int8",
}  # fmt: skip
LLAMA_ISSUE_AMX = "https://github.com/ggml-org/llama.cpp/issues/20824"


@dataclass(frozen=True)
class EngineCheck:
    """One model's check: whether it answered, and the line that says so."""

    model: str
    ok: bool
    line: str


def llamacpp_models(config: dict) -> list[dict]:
    """The distinct llama.cpp model entries (models and judges) of a config, as backend specs."""
    entries = [entry for family in config.get("models", {}).values() for entry in family.values()]
    entries += config.get("judges") or []
    specs: dict[str, dict] = {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("backend") == "llamacpp":
            specs.setdefault(entry["model"], {"model": entry["model"], "n_ctx": min(entry.get("n_ctx", 512), 512)})
    return list(specs.values())


def check_model(
    spec: dict, models_dir: str, launcher: tuple[str, ...] = (), timeout: float = 600, brief: bool = False
) -> EngineCheck:
    """Load one model in a child process (``launcher`` goes before its command: an emulator,
    say) and have it answer (``brief``: one short completion only); a crash or an error becomes
    the check's line."""
    child = ["-m", "valueprefs.llm.engine_check", "--child", json.dumps(spec), "--models-dir", models_dir]
    child += ["--brief"] if brief else []
    command = [*launcher, sys.executable, *child]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return EngineCheck(spec["model"], False, f"error: {spec['model']}: no answer within {timeout:.0f} s")
    lines = done.stdout.splitlines()
    features = _last(lines, FEATURES)
    answers = [json.loads(line.removeprefix(ANSWER)) for line in lines if line.startswith(ANSWER)]
    if done.returncode == 0 and len(answers) == len(_tasks(brief)):
        said = "; ".join(f"{a['task']}: {a['prompt_tokens']} prompt tokens -> {a['text']!r}" for a in answers)
        return EngineCheck(spec["model"], True, f"ok: llama.cpp answered with {spec['model']} ({said})")
    if done.returncode < 0:
        line = crash_line(spec["model"], -done.returncode, _last(lines, STEP), features, cpu_model(), cpu_flags())
        return EngineCheck(spec["model"], False, line)
    last_error = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
    return EngineCheck(spec["model"], False, f"error: {spec['model']} failed while {_last(lines, STEP)}: {last_error}")


def crash_line(model: str, signal_number: int, step: str, features: str, cpu: str, flags: set[str]) -> str:
    """One line for an engine that died from a signal: which, where, what the build and the CPU
    have, and what to do."""
    name = _signal_name(signal_number)
    built = enabled_features(features)
    if not features:
        features = "nothing before it died"
    lacking = [feature for feature in built if feature in CPUINFO_FLAGS and CPUINFO_FLAGS[feature] not in flags]
    facts = [
        f"error: llama.cpp died from {name} while {step} {model}",
        f"CPU: {cpu or 'unknown'}",
        f"llama.cpp build reported: {' '.join(built) or features}",
    ]
    if lacking and flags:
        facts.append(f"this CPU lacks {', '.join(lacking)}")
    return "; ".join(facts) + f"; what to do: {advice(signal_number, built, flags)}"


def advice(signal_number: int, built: list[str], flags: set[str]) -> str:
    """What to do about a crash, by its signal, the build's features and the CPU's flags."""
    from valueprefs.llm.llama_build import DEFAULT_LEVEL, install_command, level_for

    version = _llama_version()
    if signal_number == signal.SIGILL:
        level = level_for(flags)
        here = "make setup" if level == DEFAULT_LEVEL else f"make setup LLAMA_CPU={level}"
        elsewhere = install_command(level, version)
        rebuild = f"rebuild it for this CPU's level, {level} (in this checkout: {here}; elsewhere: {elsewhere})"
        known = [feature for feature in built if feature in CPUINFO_FLAGS]
        if flags and known and all(CPUINFO_FLAGS[feature] in flags for feature in known):
            # seen on an Intel Xeon KVM guest: AMX and AVX-512 listed in /proc/cpuinfo, a native build refused
            return (
                "the CPU lists every feature the build uses, yet refused one of its instructions (a virtual machine "
                f"may list AVX-512 or AMX without allowing them); {rebuild}"
            )
        return f"the build uses an instruction this CPU lacks; {rebuild}"
    elsewhere = install_command(DEFAULT_LEVEL, version)
    portable = f"rebuild llama.cpp portably (in this checkout: make setup; elsewhere: {elsewhere})"
    if "AMX_INT8" in built:
        return f"this build runs llama.cpp's AMX kernels, which crash on this CPU ({LLAMA_ISSUE_AMX}); {portable}"
    return f"{portable}; if it still crashes, report this line"


def enabled_features(system_info: str) -> list[str]:
    """The features a llama.cpp system-info line reports as built in (``AVX2 = 1``)."""
    found = []
    for part in system_info.replace(":", "|").split("|"):
        name, _, value = part.partition("=")
        if value.strip() == "1":
            found.append(name.strip())
    return found


def _signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name} ({signal.strsignal(number)})"
    except ValueError:
        return f"signal {number}"


def _last(lines: list[str], prefix: str) -> str:
    return next((line.removeprefix(prefix) for line in reversed(lines) if line.startswith(prefix)), "")


def _llama_version() -> str:
    try:
        return importlib.metadata.version("llama_cpp_python")
    except importlib.metadata.PackageNotFoundError:
        return "<version>"


def _tasks(brief: bool) -> dict:
    """The requests a check makes, by name."""
    from valueprefs.llm.requests import Request

    if brief:
        return {"completion": Request(prompt=BRIEF, max_tokens=BRIEF_TOKENS)}
    return {
        "chat": Request(messages=CHAT, max_tokens=MAX_TOKENS),
        "completion": Request(prompt=COMPLETION, max_tokens=MAX_TOKENS),
    }


def _answer_in_child(spec: dict, models_dir: str, brief: bool) -> None:
    """The child's work: say what the build has, then load the model and answer, saying each
    step before taking it (a crash leaves the last step said)."""

    def say(prefix: str, text: str) -> None:
        print(prefix + text, flush=True)

    say(STEP, "loading the llama.cpp library for")
    import llama_cpp

    from valueprefs.llm.backends import make_backend
    from valueprefs.llm.context import RunContext

    say(FEATURES, llama_cpp.llama_print_system_info().decode("utf-8", errors="replace").strip())
    say(STEP, "loading the model")
    backend = make_backend({"backend": "llamacpp", "n_threads": None, **spec}, RunContext(Path(models_dir)))
    for task, request in _tasks(brief).items():
        say(STEP, f"answering a {task} prompt with")
        done = _first_answer(backend, request)
        if done.prompt_tokens < 2 or done.finish_reason not in ("stop", "length"):
            raise RuntimeError(f"{task}: {done.prompt_tokens} prompt tokens, finish reason {done.finish_reason!r}")
        say(ANSWER, json.dumps({"task": task, "text": done.text, "prompt_tokens": done.prompt_tokens}))
    backend.close()


def _first_answer(backend, request):
    answers: list = []
    backend.generate([request], lambda _, completions: answers.extend(completions))
    return answers[0]


def main(argv: list[str] | None = None) -> int:
    """Check every llama.cpp model of a config; print one line per model."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", default="config.yaml", help="the config whose llama.cpp models to check")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--models-dir", help=argparse.SUPPRESS)
    parser.add_argument("--brief", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _answer_in_child(json.loads(args.child), args.models_dir, args.brief)
        return 0
    from valueprefs.config import load_config_file

    config = load_config_file(args.configfile)
    models_dir = str(Path(config.get("cache_dir", "results/cache")) / "models")
    checks = [check_model(spec, models_dir) for spec in llamacpp_models(config)]
    for check in checks:
        print(check.line, file=sys.stdout if check.ok else sys.stderr)
    if not checks:
        print(f"ok: {args.configfile} has no llama.cpp model")
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
