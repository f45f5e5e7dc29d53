"""Dossier list and detail pages under load: 50 concurrent clients for 60 s on 127.0.0.1.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5433/frenchtech python benchmarks/bench_web.py \
        [--clients 50] [--seconds 60] [--think 1] [--workers N] [--home DIR]

Loads the demo campaign into the database (reusing HOME/demo/audit when present), serves the platform
with gunicorn, logs in once as a programme admin (every client shares the session) and prints
p50/p95/p99, requests/s and errors. The load comes from wrk (Debian package ``wrk``) when installed,
with the same URLs in turn on every connection; else from a bounded asyncio/httpx client.

Two loads: users who read a page then wait ``--think`` seconds (default 1 s, as locust users do), or
``--think 0``, a closed loop where every client sends its next request as soon as the answer comes,
which measures the server's saturation throughput.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def prepare(home: Path) -> str:
    os.environ["FRENCHTECH_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "frenchtech.web.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from frenchtech.web.demo import load_demo

    accounts = load_demo(ROOT / "campaigns" / "metropoles-2014.toml", home / "demo", rows=20_000)
    return next(p for role, user, p in accounts if user == "admin")


def login(base, password) -> dict:
    """One programme-admin session shared by every client (logins are deliberately slow to hash)."""
    with httpx.Client(base_url=base, timeout=30) as c:
        c.get("/accounts/login/")
        r = c.post("/accounts/login/", data={"username": "admin", "password": password,
                                             "csrfmiddlewaretoken": c.cookies.get("csrftoken")},
                   headers={"Referer": base})
        assert r.status_code == 302, r.status_code
        return {"sessionid": c.cookies.get("sessionid")}


async def client(base, cookies, urls, stop, latencies, errors, think, seed):
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=10, cookies=cookies) as c:
        if think:
            await asyncio.sleep(rng.uniform(0, think))  # users arrive over the first think time
        i = rng.randrange(len(urls))
        while time.perf_counter() < stop:
            url = urls[i % len(urls)]
            i += 1
            t0 = time.perf_counter()
            try:
                r = await c.get(url)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t0)
            errors[0] += 0 if ok else 1
            if think:  # uniform around the mean, as locust's between(): users do not march in step
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))


async def run(base, cookies, urls, clients, seconds, think):
    latencies, errors = [], [0]
    stop = time.perf_counter() + seconds
    t0 = time.perf_counter()
    await asyncio.gather(*(client(base, cookies, urls, stop, latencies, errors, think, k) for k in range(clients)))
    return latencies, errors[0], time.perf_counter() - t0


WRK_SCRIPT = """
local urls = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", urls[(i %% #urls) + 1], {["Cookie"] = "sessionid=%s"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%d %%d %%f %%f %%f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(base, cookies, urls, clients, seconds):
    """(requests, errors, seconds, p50 s, p95 s, p99 s) measured by wrk."""
    import tempfile

    threads = max(1, min(2, clients))
    script = WRK_SCRIPT % (", ".join(f'"{u}"' for u in urls), cookies["sessionid"])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{int(seconds)}s", "-s", f.name,
                          "--timeout", "10s", base + "/"], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    n, errors, micros, p50, p95, p99 = (float(x) for x in line.split()[1:])
    return int(n), int(errors), micros / 1e6, p50 / 1e6, p95 / 1e6, p99 / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2) + 1)
    ap.add_argument("--home", type=Path, default=ROOT / "benchmarks" / "_data" / "web")
    ap.add_argument("--port", type=int, default=8799)
    ap.add_argument("--httpx", action="store_true", help="use the Python client even if wrk is installed")
    ap.add_argument("--think", type=float, default=1.0,
                    help="seconds each client waits between requests, like locust users (0: closed loop, "
                         "as fast as the server answers, with wrk when installed)")
    a = ap.parse_args()
    a.home.mkdir(parents=True, exist_ok=True)
    password = prepare(a.home.resolve())
    from frenchtech.programme.dossiers.models import Dossier

    urls = ["/dossiers/"] + [f"/dossiers/{pk}/" for pk in Dossier.objects.values_list("pk", flat=True)]
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "frenchtech.web.wsgi", "-b", f"127.0.0.1:{a.port}",
                               "-w", str(a.workers), "--log-level", "warning"], env=os.environ.copy())
    try:
        base = f"http://127.0.0.1:{a.port}"
        for _ in range(100):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        cookies = login(base, password)
        if shutil.which("wrk") and not a.think and not a.httpx:
            tool = "wrk"
            n, errors, elapsed, p50, p95, p99 = run_wrk(base, cookies, urls, a.clients, a.seconds)
        else:
            tool = "httpx"
            lat, errors, elapsed = asyncio.run(run(base, cookies, urls, a.clients, a.seconds, a.think))
            q = statistics.quantiles(sorted(lat), n=100)
            n, p50, p95, p99 = len(lat), q[49], q[94], q[98]
    finally:
        server.terminate()
        server.wait()
    db = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    print(f"dossier list/detail ({tool}), {a.clients} clients, think time {a.think:g} s, {elapsed:.0f} s, "
          f"{a.workers} gunicorn workers, {db}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"requests {n}  req/s {n / elapsed:.0f}  errors {errors}")
    print(f"p50 {p50 * 1000:.1f} ms  p95 {p95 * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
