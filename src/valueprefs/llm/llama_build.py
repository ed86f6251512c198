"""How llama.cpp is compiled for this project: for one portable CPU level, never for the machine
that builds it (``-march=native``), because a wheel built on one CPU is reused on others (pip
caches it by name and version; a cluster's login node builds what its compute nodes run).

``python -m valueprefs.llm.llama_build LEVEL`` prints the CMake arguments of a level (the
Makefile's ``CMAKE_ARGS``). Only the standard library is imported: this runs before anything is
installed.
"""

import sys

# Off in every level: the build machine's own instruction set, AVX-512, and llama.cpp's AMX
# kernels, which crash on Sapphire Rapids CPUs (llama.cpp issue #20824, open).
_ALWAYS_OFF = (
    "-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF "
    "-DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
)
# CPU level -> its CMake switches. On ARM the x86 switches are ignored: every level is the
# generic ARMv8-A build there.
LEVELS = {
    # AVX, AVX2, FMA, F16C, BMI2: Intel since Haswell (2013), AMD since Excavator (2015). The default.
    "x86-64-v3": "-DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON",
    # SSE4.2 only: every x86-64 CPU since 2009, also the Atom, Celeron and Pentium lines without AVX. Slower.
    "x86-64-v2": "-DGGML_SSE42=ON -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF",
}
DEFAULT_LEVEL = "x86-64-v3"
# The /proc/cpuinfo flags a CPU needs for each level, highest level first.
LEVEL_FLAGS = {"x86-64-v3": {"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"}, "x86-64-v2": {"sse4_2"}}


def cmake_args(level: str = DEFAULT_LEVEL) -> str:
    """The CMake arguments that build llama.cpp for ``level``."""
    if level not in LEVELS:
        raise ValueError(f"unknown llama.cpp CPU level {level!r}; choose one of {', '.join(LEVELS)}")
    return f"{_ALWAYS_OFF} {LEVELS[level]}"


def level_for(cpu_flags: set[str]) -> str:
    """The highest level a CPU with ``cpu_flags`` runs (the lowest when its flags are unknown)."""
    return next((level for level, needed in LEVEL_FLAGS.items() if needed <= cpu_flags), "x86-64-v2")


def install_command(level: str, version: str) -> str:
    """The pip command that rebuilds llama-cpp-python ``version`` for ``level`` (a cached wheel,
    possibly built for another CPU, is never reused)."""
    return (
        f'CMAKE_ARGS="{cmake_args(level)}" pip install --no-cache-dir --no-deps --force-reinstall '
        f"llama_cpp_python=={version}"
    )


if __name__ == "__main__":
    try:
        print(cmake_args(*sys.argv[1:2]))
    except ValueError as error:
        sys.exit(f"error: {error}")
