"""Files only their owner may read (secrets, a password file), private from the moment they exist."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 and write ``text``: never a moment readable by others (no chmod
    after the fact), and never over an existing file (``O_EXCL``)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


def kept_secret(path: Path) -> str:
    """A random secret made once in ``path`` (mode 0600) and read back on every later start."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            write_private(path, secrets.token_urlsafe(48))
        except FileExistsError:  # another process made it first: use theirs
            pass
    return path.read_text().strip()
