"""Download INSEE's monthly SIRENE stock files: resumable, size- and checksum-checked, atomic.

INSEE publishes the stock of establishments each month on data.gouv.fr ("Base Sirene des
entreprises et de leurs établissements (SIREN, SIRET)"), as a zipped UTF-8 CSV of about 2 GB.
A download goes to ``NAME.part`` beside its target; an interrupted download resumes with an HTTP
range request (only if the server's validator still matches, so two months never mix) and the file
takes its final name only once its size (and checksum, when one is given) is right.
"""
from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from frenchtech.errors import FrenchTechError
from frenchtech.hashing import file_sha256

SIRENE_STOCK_URL = ("https://object.files.data.gouv.fr/data-pipeline-open/siren/stock/"
                    "StockEtablissement_utf8.zip")
SIRENE_DATASET_PAGE = ("https://www.data.gouv.fr/fr/datasets/"
                       "base-sirene-des-entreprises-et-de-leurs-etablissements-siren-siret/")
CHUNK = 1 << 20
TIMEOUT = 60


class FetchError(FrenchTechError):
    """A download that failed or did not give the expected file."""


@dataclass
class Fetched:
    path: Path
    size: int
    sha256: str
    resumed_from: int = 0


def _validator(headers) -> str | None:
    """What identifies the remote version: ETag, else Last-Modified."""
    return headers.get("ETag") or headers.get("Last-Modified")


def fetch(url: str, target, *, sha256: str | None = None, progress=None, timeout: float = TIMEOUT) -> Fetched:
    """Download ``url`` to ``target``; ``progress(total_bytes, done_bytes)`` is called as bytes arrive."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    meta = target.with_name(target.name + ".part.json")
    have = part.stat().st_size if part.exists() else 0
    validator = json.loads(meta.read_text())["validator"] if have and meta.exists() else None
    request = urllib.request.Request(url, headers={"User-Agent": "frenchtech-fetch"})
    if have and validator:
        request.add_header("Range", f"bytes={have}-")
        request.add_header("If-Range", validator)
    elif have:
        have = 0  # a partial file whose version is unknown cannot be continued
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to fetch: the part file is complete
            response = None
        else:
            raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {getattr(exc, 'reason', exc)} (is the network reachable?)") from None
    resumed_from = 0
    if response is None:
        total = have
    else:
        with response:
            if response.status == 206:
                resumed_from = have
                total = int(response.headers["Content-Range"].rsplit("/", 1)[1])
            else:  # 200: the server sent the whole (possibly new) file
                have = 0
                length = response.headers.get("Content-Length")
                total = int(length) if length is not None else None
            meta.write_text(json.dumps({"url": url, "validator": _validator(response.headers), "total": total}))
            mode = "ab" if response.status == 206 else "wb"
            with open(part, mode) as f:
                if progress:
                    progress(total, have)
                while True:
                    try:
                        block = response.read(CHUNK)
                    except (http.client.HTTPException, OSError):  # connection lost: keep what arrived
                        break
                    if not block:
                        break
                    f.write(block)
                    have += len(block)
                    if progress:
                        progress(total, have)
    size = part.stat().st_size
    if total is not None and size != total:
        raise FetchError(f"{url}: received {size:,} of {total:,} bytes; run the command again to resume")
    digest = file_sha256(part)
    if sha256 and digest.lower() != sha256.lower():
        part.unlink()
        meta.unlink(missing_ok=True)
        raise FetchError(f"{url}: SHA-256 {digest} differs from the expected {sha256}; the partial file was removed")
    if target.suffix.lower() == ".zip":
        _check_zip(part, url)
    os.replace(part, target)
    meta.unlink(missing_ok=True)
    target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n")
    return Fetched(target, size, digest, resumed_from)


def fetch_sirene(out_dir, url: str = SIRENE_STOCK_URL, **kwargs) -> Fetched:
    """The monthly StockEtablissement zip into ``out_dir`` (named as published)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    if not name.lower().endswith(".zip"):
        name = "StockEtablissement_utf8.zip"
    return fetch(url, Path(out_dir) / name, **kwargs)


def _check_zip(path: Path, url: str) -> None:
    """The download is a zip holding a CSV (its directory read; its bytes are checked by their size
    and checksum, and again by each reader's CRC-32)."""
    try:
        with zipfile.ZipFile(path) as zf:
            if not any(n.lower().endswith(".csv") for n in zf.namelist()):
                raise FetchError(f"{url}: the archive holds no CSV file")
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        path.unlink(missing_ok=True)
        raise FetchError(f"{url}: the download is not a valid zip archive ({exc}); the partial file "
                         f"{path} was removed; run the command again") from None
