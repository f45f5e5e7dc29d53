"""`fetch sirene` against a local HTTP server (127.0.0.1) serving a fixture zip, with range requests."""
from __future__ import annotations

import hashlib
import http.server
import io
import json
import threading
import zipfile

import pytest
from click.testing import CliRunner

from frenchtech.cli import main
from frenchtech.sources.fetch import FetchError, fetch_sirene

from .conftest import write_register


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` (name -> bytes) with ETag and single byte ranges, like a CDN does."""

    files: dict = {}
    cut: int | None = None  # send only this many bytes of a full response, then drop the connection

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and self.headers.get("If-Range") in (None, etag):
            start = int(rng.split("=")[1].split("-")[0])
            status = 206
        self.send_response(status)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body) - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        payload = body[start:]
        if self.cut is not None and status == 200:
            payload = payload[: self.cut]
        self.wfile.write(payload)


@pytest.fixture
def server(tmp_path):
    csv = write_register(tmp_path / "StockEtablissement_utf8.csv",
                         [dict(codeCommuneEtablissement="35238", dateCreationEtablissement="2012-01-01")] * 3000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.write(csv, "StockEtablissement_utf8.csv")
    RangeHandler.files = {"StockEtablissement_utf8.zip": buf.getvalue(), "broken.zip": b"not a zip" * 100}
    RangeHandler.cut = None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_checks_and_names(server, tmp_path):
    body = RangeHandler.files["StockEtablissement_utf8.zip"]
    got = fetch_sirene(tmp_path / "ev", f"{server}/StockEtablissement_utf8.zip",
                       sha256=hashlib.sha256(body).hexdigest())
    assert got.path.read_bytes() == body and got.size == len(body) and got.resumed_from == 0
    assert (tmp_path / "ev" / "StockEtablissement_utf8.zip.sha256").read_text().startswith(got.sha256)
    assert not list((tmp_path / "ev").glob("*.part*"))


def test_interrupted_download_resumes(server, tmp_path):
    body = RangeHandler.files["StockEtablissement_utf8.zip"]
    RangeHandler.cut = len(body) // 3
    with pytest.raises(FetchError, match="run the command again to resume"):
        fetch_sirene(tmp_path, f"{server}/StockEtablissement_utf8.zip")
    assert not (tmp_path / "StockEtablissement_utf8.zip").exists()
    assert (tmp_path / "StockEtablissement_utf8.zip.part").stat().st_size == len(body) // 3
    got = fetch_sirene(tmp_path, f"{server}/StockEtablissement_utf8.zip")
    assert got.resumed_from == len(body) // 3 and got.path.read_bytes() == body


def test_changed_remote_file_restarts(server, tmp_path):
    part = tmp_path / "StockEtablissement_utf8.zip.part"
    part.write_bytes(b"x" * 100)
    (tmp_path / "StockEtablissement_utf8.zip.part.json").write_text(json.dumps({"validator": '"old-etag"'}))
    got = fetch_sirene(tmp_path, f"{server}/StockEtablissement_utf8.zip")
    assert got.resumed_from == 0 and got.path.read_bytes() == RangeHandler.files["StockEtablissement_utf8.zip"]


def test_bad_checksum_bad_zip_and_missing_file(server, tmp_path):
    with pytest.raises(FetchError, match="SHA-256"):
        fetch_sirene(tmp_path, f"{server}/StockEtablissement_utf8.zip", sha256="0" * 64)
    with pytest.raises(FetchError, match="not a valid zip"):
        fetch_sirene(tmp_path, f"{server}/broken.zip")
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_sirene(tmp_path, f"{server}/nothing.zip")
    assert not list(tmp_path.glob("*.zip"))


def test_cli_fetch_then_ingest(server, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["fetch", "sirene", "--out", str(tmp_path), "--url",
                             f"{server}/StockEtablissement_utf8.zip"])
    assert r.exit_code == 0, r.output
    assert "frenchtech ingest sirene" in r.output
    r = runner.invoke(main, ["ingest", "sirene", str(tmp_path / "StockEtablissement_utf8.zip")])
    assert r.exit_code == 0, r.output
    assert "rows: 3,000" in r.output


def test_cli_fetch_unreachable(tmp_path):
    r = CliRunner().invoke(main, ["fetch", "sirene", "--out", str(tmp_path), "--url",
                                  "http://127.0.0.1:9/StockEtablissement_utf8.zip"])
    assert r.exit_code == 2 and "network" in r.output
