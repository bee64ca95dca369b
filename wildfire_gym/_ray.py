"""Joining a Ray cluster for the commands that spread work over one (``--ray ADDRESS``)."""

from __future__ import annotations

from typing import Any

from .errors import ScenarioError


def connect_ray(address: str) -> Any:
    """The ``ray`` module, connected to the cluster at ``address`` (``local`` starts one on this
    machine); a clear error naming ``--ray`` when Ray is not installed or the cluster cannot be
    reached."""
    try:
        import ray
    except ImportError:
        raise ScenarioError("--ray", "Ray installed (pip install 'wildfire_gym[ray]')", address) from None
    try:
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    except Exception as exc:  # noqa: BLE001 - ray raises many types for an unreachable cluster
        raise ScenarioError("--ray", f"the address of a running Ray cluster ({type(exc).__name__}: {exc})",
                            address) from None
    return ray
