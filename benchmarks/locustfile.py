"""Locust users for benchmarks/bench_load.py: the demo's accounts reading their pages, 0.5-1.5 s apart.

BENCH_SESSIONS names a JSON file of accounts ({"name", "session", "urls"}); each simulated user takes the
next account in turn (so 100 users share the admin, the jurors and the territory teams) and reads its
pages in turn from a random starting point. Anything but a 200 is a failure.
"""
from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

ACCOUNTS = json.loads(open(os.environ["BENCH_SESSIONS"], encoding="utf-8").read())
_next = itertools.count()


class Reader(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        account = ACCOUNTS[next(_next) % len(ACCOUNTS)]
        self.client.cookies.set("sessionid", account["session"])
        self.urls = account["urls"]
        self.i = random.randrange(len(self.urls))

    @task
    def read(self):
        self.i = (self.i + 1) % len(self.urls)
        url = self.urls[self.i]
        # one name per kind of page in the statistics (the figures are per kind and aggregated)
        name = "/".join(p if not p.isdigit() else "N" for p in url.split("/"))
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
