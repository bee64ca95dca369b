"""Atomic file writes: a reader never sees a half-written file.

Every writer in the package goes through these helpers. The data are written to a
temporary file in the *same folder* as the target (so that the final rename stays on
one file system), flushed and ``fsync``-ed, then moved over the target with
:func:`os.replace`, which is atomic on POSIX and Windows. On any error the temporary
file is removed and the target is left as it was.

Temporary names are ``.<name>.<pid>.<random><suffix>.tmp``: hidden, marked as temporary,
and carrying the writer's process id, so that :func:`remove_stale_temp_files` (called by
every CLI command on its output folder before it starts) removes what a killed run left
behind without touching the file another live process is writing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["atomic_path", "atomic_save_npz", "atomic_write", "atomic_write_bytes", "atomic_write_text",
           "remove_stale_temp_files"]

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"
"""Suffix of the temporary files (a crash can leave one of these, never a partial target)."""

_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[a-z0-9_]{8}(?:\.[^/]*)?\.tmp$")
"""A temporary name made by :func:`atomic_path` (target name, writer's pid, mkstemp's 8 random characters)."""
_OLD_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}(?:\.[^/]*)?\.tmp$")
"""Temporary names of earlier versions, without a pid."""

_DEFAULT_FILE_MODE = 0o666
"""Permission bits of a new file before the process umask is applied (as ``open`` does)."""


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (POSIX); silently skipped where folders cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _finish(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the permissions a plain new file would have, and move it over ``target``."""
    try:
        os.chmod(tmp, _DEFAULT_FILE_MODE & ~_current_umask())
    except OSError:  # e.g. file systems without POSIX permissions
        pass
    os.replace(tmp, target)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it over ``path``.

    For libraries that insist on opening a file name themselves (GDAL/rasterio,
    ``PIL.Image.save``, trimesh). The caller must have closed the file when the
    ``with`` block ends. ``suffix`` (default: the target's own suffix) comes before the
    final ``.tmp``.

    Raises:
        FileNotFoundError: when the target's folder does not exist.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{target}: the folder {folder} does not exist")
    sfx = (suffix if suffix is not None else target.suffix) + TEMP_SUFFIX
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=sfx, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.exists():
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        _finish(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None,
                 newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; on success it replaces ``path``.

    Args:
        path: the file to create or replace.
        mode: ``"wb"`` (default) or ``"w"`` (text); ``"x"`` modes are refused, append
            modes make no sense for a fresh temporary file and are refused too.
        encoding: text encoding for ``"w"`` (default UTF-8).
        newline: as for :func:`open` in text mode.

    The file object is flushed and ``fsync``-ed before the rename; on an exception in
    the block the temporary file is deleted and ``path`` is untouched.
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_write mode: expected 'w', 'wt' or 'wb' (got {mode!r})")
    binary = "b" in mode
    if binary and encoding is not None:
        raise ValueError("atomic_write: encoding is only valid with a text mode")
    with atomic_path(path) as tmp:
        if binary:
            fh: IO[Any] = open(tmp, "wb")  # noqa: SIM115 - closed below
        else:
            fh = open(tmp, "w", encoding=encoding or "utf-8", newline=newline)  # noqa: SIM115
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (``\\n`` line ends kept as they are)."""
    with atomic_write(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)


def atomic_save_npz(path: str | os.PathLike[str], compress: bool = True, **arrays: np.ndarray) -> None:
    """Save named arrays to an ``.npz`` file atomically.

    Unlike :func:`numpy.savez`, the name is used exactly as given (no ``.npz`` is
    appended). ``compress`` selects :func:`numpy.savez_compressed` (default) or
    :func:`numpy.savez`; an array therefore cannot be called ``compress``. Object arrays
    are refused (they would need pickle to load). The bytes are identical for identical
    arrays (numpy writes fixed zip timestamps).
    """
    if not arrays:
        raise ValueError(f"{path}: atomic_save_npz needs at least one array")
    for name, arr in arrays.items():
        if np.asarray(arr).dtype == object:
            raise ValueError(f"{path}: array {name!r} has dtype object; expected a numeric or string array")
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())
    log.debug("wrote %s (%d arrays, %d bytes)", path, len(arrays), buf.tell())


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists, owned by someone else (or cannot tell): keep its file
        return True
    return True


def remove_stale_temp_files(folder: str | os.PathLike[str], depth: int = 1) -> list[Path]:
    """Remove the temporary files a killed writer left in ``folder`` (and ``depth`` levels below).

    A file counts as left over when its name is one :func:`atomic_path` makes and the
    process id in it is not running (names without a pid, from earlier versions, always
    count). Returns the files removed; a folder that does not exist holds none.
    """
    removed: list[Path] = []
    root = Path(folder)
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if depth > 0:
                    removed += remove_stale_temp_files(entry.path, depth - 1)
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        m = _TEMP_NAME.match(entry.name)
        stale = (not _pid_alive(int(m.group("pid")))) if m else bool(_OLD_TEMP_NAME.match(entry.name))
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
                log.info("removed %s, left by an interrupted run", entry.path)
    return removed
