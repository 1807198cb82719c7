"""Files with personal data (plans, held review plans, the state file) are owner-only: 0600, folders 0700.

A plan lists subjects, names, addresses and bodies of both sides' records; on a shared machine the process's
umask would otherwise leave it readable by every user (0644).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dirs(path: str | Path) -> None:
    """Create ``path`` and its missing parents owner-only; folders that exist already are left as they are."""
    path = Path(path)
    missing = []
    while not path.exists():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made by someone else meanwhile: theirs, as it is
            folder.mkdir(mode=DIR_MODE)


def write_private_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` as an owner-only file; an existing file is narrowed to 0600 too."""
    path = Path(path)
    make_private_dirs(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        if hasattr(os, "fchmod"):  # not on Windows, where the mode bits mean little
            os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(text)
