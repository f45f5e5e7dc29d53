"""Digests of the files the product reads and writes.

SHA-256 for every file but the register. The register (gigabytes) is hashed with BLAKE3, about four
times SHA-256's speed on one core and parallel across cores, and, when the audit scans it with the
field extractor, from the very blocks the scan reads (``InPassDigest``): the file is read once, and
the digest is that of the bytes the figures were computed from. A manifest entry names its
algorithm by its key: ``{"path": ..., "sha256": hex}`` or ``{"path": ..., "blake3": hex}``; ``b3sum``
(BLAKE3's reference tool) prints the same digest as the product.
"""
from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import blake3

SHA256 = "sha256"
BLAKE3 = "blake3"
ALGORITHMS = (SHA256, BLAKE3)  # the keys a manifest's file entry may carry its digest under
REGISTER_ALGORITHM = BLAKE3
BLOCK = 8 << 20


def file_digest(path, algorithm: str = SHA256) -> str:
    """Hex digest of the file at ``path``. Both release the interpreter lock on large blocks; BLAKE3
    maps the file and hashes it on every core."""
    if algorithm == BLAKE3:
        h = blake3.blake3(max_threads=blake3.blake3.AUTO)
        if os.path.getsize(path):  # an empty file cannot be mapped
            h.update_mmap(os.fspath(path))
        return h.hexdigest()
    if algorithm != SHA256:
        raise ValueError(f"unknown digest algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def file_sha256(path) -> str:
    """Hex SHA-256 of the file at ``path``."""
    return file_digest(path, SHA256)


def recorded_digest(entry) -> tuple[str, str] | None:
    """(algorithm, hex digest) of a manifest's file entry, or None when it carries none. Manifests
    written before registers were hashed with BLAKE3 carry ``sha256`` for every file."""
    if not isinstance(entry, dict):
        return None
    for algorithm in ALGORITHMS:
        if isinstance(entry.get(algorithm), str):
            return algorithm, entry[algorithm]
    return None


def digest_entry(path, algorithm: str, digest: str) -> dict:
    """A manifest's file entry: the path and the digest under its algorithm's name."""
    return {"path": str(path), algorithm: digest}


class InPassDigest:
    """The BLAKE3 digest of a file, computed from the blocks a reader passes, in file order, as it
    reads them: one pass over the file serves both the scan and the digest.

    ``feed`` hands a block to a thread of its own (BLAKE3 releases the interpreter lock), so the
    reader never waits for it; the block must stay readable until the returned future is done.
    ``complete`` is called by the reader once every byte of the file was fed; ``hexdigest`` is then
    the file's digest, or None when the reader did not feed the whole file (another reader, an
    interrupted scan): the caller then hashes the file itself."""

    algorithm = BLAKE3

    def __init__(self, path):
        self.path = Path(path)
        self._hasher = blake3.blake3()  # one thread: the scan's workers have the other cores
        self._fed = 0
        self._complete = False
        self._pool: ThreadPoolExecutor | None = None
        self._last: Future | None = None
        self._lock = threading.Lock()

    def feed(self, block) -> Future:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="register-digest")
            self._fed += len(block)
            self._last = self._pool.submit(self._hasher.update, block)
            return self._last

    def complete(self) -> None:
        """Every byte of the file was fed, in order."""
        self._complete = True

    def hexdigest(self) -> str | None:
        """The file's digest once it was fed whole (and had the size it has now), else None."""
        with self._lock:
            if self._last is not None:
                self._last.result()
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        try:
            whole = self._complete and self._fed == self.path.stat().st_size
        except OSError:
            whole = False
        return self._hasher.hexdigest() if whole else None

    def result(self) -> str:
        """The file's digest: from the reader's pass, or from a pass of its own if the reader did not
        feed the whole file."""
        return self.hexdigest() or file_digest(self.path, self.algorithm)
