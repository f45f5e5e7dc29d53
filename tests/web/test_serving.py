"""`frenchtech serve` and `frenchtech check` as a deployment runs them: gunicorn in its own process on
127.0.0.1 with its workers, static files from WhiteNoise, the secret key required outside the demo, and
the production checks on the documented configuration."""
from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

BIN = Path(sys.executable).parent
STRONG_KEY = "k" + "x7Qp2-Lm9vR_tZ4wYb8NcA3dF6gH1jK5sU0eI" * 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(**changes) -> dict:
    """This process's environment with ``changes`` (None removes a variable). The server gets its own
    SQLite database in its home unless DATABASE_URL is given."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Server:
    """``frenchtech serve`` started as a command, stopped with SIGTERM as systemd stops it."""

    def __init__(self, home: Path, *args, env: dict, ready: str = "Serving on", timeout: float = 240):
        self.port, self.home = free_port(), home
        self.log = home.parent / f"serve-{self.port}.log"
        with open(self.log, "w") as out:
            self.process = subprocess.Popen([str(BIN / "frenchtech"), "serve", "--home", str(home), "--port",
                                             str(self.port), *args], stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"frenchtech serve exited with {self.process.returncode}:\n{self.output()}")
            if ready in self.output():
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"frenchtech serve not listening after {timeout} s:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
        """One request, the path sent exactly as given (no client-side normalisation of ``..``)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={"Accept-Language": "en", **(headers or {})})
            r = conn.getresponse()
            return r.status, r.headers, r.read()
        finally:
            conn.close()

    def workers(self, expected: int = 0) -> list[int]:
        """The server's child processes, waiting up to 60 s for ``expected`` of them (forked after the bind)."""
        deadline = time.monotonic() + 60
        while len(found := self._children()) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        return found

    def _children(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("serve") / "home"
    s = Server(home, "--workers", "2", env=environment(FRENCHTECH_SECRET_KEY=STRONG_KEY))
    yield s
    s.stop()


def test_serve_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    from frenchtech.cli.main import main

    monkeypatch.delenv("FRENCHTECH_SECRET_KEY", raising=False)
    for extra in ([], ["--dev"]):
        r = CliRunner().invoke(main, ["serve", "--home", str(tmp_path / "home"), *extra])
        assert r.exit_code == 2, r.output
        assert "error: FRENCHTECH_SECRET_KEY is not set" in r.output
        assert 'python -c "import secrets; print(secrets.token_urlsafe(50))"' in r.output
    assert not (tmp_path / "home").exists()  # refused before anything was created


def test_gunicorn_serves_with_its_workers(server):
    from frenchtech.cli.demo import default_workers, gunicorn_command

    assert len(server.workers(2)) == 2
    cmdline = [a.decode() for a in Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")[:-1]]
    expected = gunicorn_command("127.0.0.1", server.port, 2)
    assert cmdline[1:] == expected[1:] and os.path.samefile(cmdline[0], expected[0])
    assert "gunicorn, 2 workers" in server.output()
    assert default_workers() == 2 * len(os.sched_getaffinity(0)) + 1
    status, headers, body = server.request("/")
    assert status == 200 and headers["Server"] == "gunicorn"
    assert b"French Tech" in body


def test_static_files_hashed_compressed_and_cached_for_ever(server):
    _, _, body = server.request("/")
    css = re.search(rb'href="(/static/web/platform\.[0-9a-f]{12}\.css)"', body)
    assert css, body[:600]
    status, headers, raw = server.request(css.group(1).decode(), headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    collected = server.home / "static" / css.group(1).decode().removeprefix("/static/")
    assert gzip.decompress(raw) == collected.read_bytes()
    source = Path(__file__).parents[2] / "src" / "frenchtech" / "web" / "static" / "web" / "platform.css"
    assert collected.read_bytes() == source.read_bytes()
    status, headers, raw = server.request("/static/web/platform.css")  # the plain name: a short cache
    assert status == 200 and raw == source.read_bytes() and "immutable" not in headers.get("Cache-Control", "")


def test_static_paths_out_of_the_static_folders_are_not_found(server):
    (server.home / "settings.py").write_text("SECRET = 1\n")
    for path in ["/static/../settings.py", "/static/..%2fsettings.py", "/static/%2e%2e/%2e%2e/urls.py",
                 "/static/web/../../settings.py", "/static/web/nothing.css"]:
        status, _, body = server.request(path)
        assert status == 404, (path, status)
        assert b"Not found" in body and b"SECRET" not in body


def cookies(headers) -> str:
    return "\n".join(headers.get_all("Set-Cookie") or [])


def test_demo_draws_its_own_key_and_sessions_hold_across_workers(audit_dir, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(audit_dir, home / "demo" / "audit")  # the demo's audit, made once for the session
    demo = Server(home, "--demo", "--rows", "5000", "--workers", "2",
                  env=environment(FRENCHTECH_SECRET_KEY=None))
    try:
        password = re.search(r"^\s+\S+\s+admin\s+(\S+)$", demo.output(), re.MULTILINE).group(1)
        _, headers, page = demo.request("/accounts/login/")
        csrf = re.search(r"csrftoken=([^;]+)", cookies(headers)).group(1)
        form = urlencode({"username": "admin", "password": password, "csrfmiddlewaretoken": csrf}).encode()
        status, headers, _ = demo.request("/accounts/login/", "POST", form, {
            "Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, demo.output()[-2000:]
        session = re.search(r"sessionid=([^;]+)", cookies(headers)).group(1)
        assert len(demo.workers(2)) == 2
        for _ in range(8):  # each worker checks the session's signature with the key drawn at start
            status, _, body = demo.request("/dossiers/", headers={"Cookie": f"sessionid={session}"})
            assert status == 200 and b"Lyon" in body
    finally:
        demo.stop()


def _check(env) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "frenchtech"), "check"], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.django_db
def test_check_passes_on_the_documented_production_configuration(tmp_path):
    from django.db import connection

    # The variables docs/deploy.md sets, in an environment without the test run's own.
    production = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "FRENCHTECH_SECRET_KEY": STRONG_KEY,
                  "FRENCHTECH_TLS": "1", "FRENCHTECH_HOME": str(tmp_path),
                  "FRENCHTECH_ALLOWED_HOSTS": "frenchtech.example.org"}
    if connection.vendor == "postgresql":  # the test database, migrated for this session
        s = connection.settings_dict
        production["DATABASE_URL"] = f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    else:
        production["DATABASE_URL"] = f"sqlite:///{tmp_path / 'programme.sqlite3'}"
        subprocess.run([sys.executable, "-m", "frenchtech.web.manage", "migrate", "-v0"], env=production,
                       check=True, timeout=300)
    r = _check(production)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * 6, r.stdout
    for name in ("Django check --deploy", "secret key", "TLS", "database reachable", "migrations applied",
                 "private files writable"):
        assert any(name in line for line in lines), name
    assert lines[-1] == "all 6 checks passed"


def test_check_names_every_failure(tmp_path):
    (tmp_path / "a-file").write_text("")
    weak = environment(FRENCHTECH_SECRET_KEY=None, FRENCHTECH_TLS=None, FRENCHTECH_HOME=str(tmp_path),
                       FRENCHTECH_PRIVATE_FILES=str(tmp_path / "a-file" / "private"),
                       DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    r = _check(weak)
    assert r.returncode == 2, r.stdout + r.stderr
    failed = {line[6:30].strip() for line in r.stdout.splitlines() if line.startswith("FAIL")}
    assert failed == {"Django check --deploy", "secret key", "TLS", "database reachable", "migrations applied",
                      "private files writable"}, r.stdout
    assert "security.W009" in r.stdout and "security.W012" in r.stdout  # Django's own findings, by id
    assert "FRENCHTECH_SECRET_KEY is not set; make one with" in r.stdout
    assert "error: 6 of 6 checks failed" in r.stderr
    assert not list(tmp_path.glob("*.sqlite3"))


def test_deploy_guide_names_every_setting_and_the_server_command():
    """docs/deploy.md lists every FRENCHTECH_* variable the platform reads, its commands exist, and the
    gunicorn command line it shows is the one serve runs."""
    from frenchtech.cli.demo import gunicorn_command
    from frenchtech.cli.main import main

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "deploy.md").read_text(encoding="utf-8")
    sources = [*(root / "src" / "frenchtech" / "web").rglob("*.py"), *(root / "src" / "frenchtech" / "programme").rglob("*.py"),
               root / "src" / "frenchtech" / "cli" / "demo.py", root / "src" / "frenchtech" / "cli" / "ops.py"]
    read = {v for f in sources for v in re.findall(r"FRENCHTECH_[A-Z_]+[A-Z]", f.read_text(encoding="utf-8"))}
    documented = set(re.findall(r"FRENCHTECH_[A-Z_]+[A-Z]", doc))
    documented |= {f"FRENCHTECH_SMTP_{p}" for p in re.findall(r"`_([A-Z]+)`", doc)}  # `_PORT`, `_USER`...
    assert read - documented == set(), read - documented
    for cmd in re.findall(r"/opt/frenchtech/bin/frenchtech ([a-z]+)|frenchtech-admin ([a-z]+)", doc):
        assert (cmd[0] or cmd[1]) in main.commands, cmd
    shown = re.search(r"^/opt/frenchtech/bin/python (-m gunicorn .*)$", doc, re.MULTILINE).group(1).split()
    assert shown == [a if a != "3" else "N" for a in gunicorn_command("127.0.0.1", 8000, 3)[1:]]
