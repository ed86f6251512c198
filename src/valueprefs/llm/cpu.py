"""This machine's CPU as Linux describes it (``/proc/cpuinfo``): its model name and feature flags."""

from pathlib import Path


def cpu_model() -> str:
    """This CPU's model name, as ``lscpu`` prints it (empty when unknown)."""
    return _cpuinfo_field("model name")


def cpu_flags() -> set[str]:
    """This CPU's feature flags, as ``/proc/cpuinfo`` lists them (empty when unknown)."""
    return set(_cpuinfo_field("flags").split())


def _cpuinfo_field(field: str) -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == field:
                return value.strip()
    except OSError:
        pass
    return ""
