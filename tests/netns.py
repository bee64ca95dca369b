"""Tests that start Ray run it inside a private network namespace (``unshare -n``, loopback up),
so it can only use loopback."""

from __future__ import annotations

import shutil
import subprocess

RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
"""No usage reports, no token prompt."""


def private_netns_works() -> bool:
    """Whether ``unshare -n`` and ``ip`` can make a private network namespace here."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True).returncode == 0


def in_private_netns(command: str) -> list[str]:
    """The argv that runs the shell ``command`` in a new network namespace with only loopback up."""
    return ["unshare", "-n", "sh", "-c", f"ip link set lo up && {command}"]
