"""SHA-256 of a file, read in large blocks (registers run to gigabytes)."""
from __future__ import annotations

import hashlib

BLOCK = 8 << 20


def file_sha256(path) -> str:
    """Hex SHA-256 of the file at ``path``. hashlib releases the GIL on large blocks, so a thread can hash
    a register while a query scans it."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            h.update(block)
    return h.hexdigest()
