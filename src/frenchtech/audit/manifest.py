"""The audit manifest: what went in (hashed), how (configuration, version, seed), what came out."""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash")


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(8 << 20), b""):
            h.update(block)  # hashlib releases the GIL on large blocks: runs beside the query
    return h.hexdigest()


def hash_later(path) -> Future:
    """Hash a (possibly large) input in the background while the audit scans it."""
    return _pool.submit(sha256, path)


def write_manifest(path: Path, manifest: dict) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n",
                    encoding="utf-8")
