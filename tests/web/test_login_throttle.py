"""The login rate limit holds under parallel attempts and never locks a colleague out of a shared
gateway: at most MAX_FAILURES password checks fail per account and window, however many requests
arrive at once; failures count per account and per account and address, never per address alone; a
success clears the account's count (not another address's); the window expires.

The parallel tests use real threads, each with its own database connection, released together by a
barrier. On SQLite the suite's test database lives in memory with a shared cache, whose table locks
fail at once instead of waiting; these tests therefore run on a file copy of it (``shared_db``)."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from frenchtech.programme.accounts.models import LoginAttempt, Role
from frenchtech.programme.accounts.services import MAX_FAILURES, WINDOW, create_person
from frenchtech.web.auth import ProgrammeBackend
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

GATEWAY = "10.20.30.40"  # a whole ministry behind one address
PARALLEL = 30


@pytest.fixture
def shared_db(transactional_db, tmp_path):
    """A database every thread can open with its own connection (see the module's docstring)."""
    conn = connections["default"]
    if conn.vendor != "sqlite" or not conn.is_in_memory_db():
        yield
        return
    assert conn.settings_dict is connections.settings["default"]  # what new threads' connections read
    conn.ensure_connection()
    path = tmp_path / "threads.sqlite3"
    copy = sqlite3.connect(path)
    conn.connection.backup(copy)  # schema and migrations as the suite created them
    copy.close()
    memory = conn.settings_dict["NAME"]
    conn.settings_dict["NAME"] = str(path)
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = conn  # the in-memory connection was never closed: its database lives on
        conn.settings_dict["NAME"] = memory


@pytest.fixture
def accounts(shared_db):
    names = ["alice", "colleague", *(f"agent{i}" for i in range(5))]
    return {n: create_person(n, PASSWORD, Role.APPLICANT) for n in names}


@pytest.fixture
def checks(monkeypatch):
    """Every password check, counted; each takes 50 ms like a real password hash, so that parallel
    requests are all inside the check at the same time."""
    calls, lock = [], threading.Lock()
    original = ProgrammeBackend.authenticate

    def counted(self, request, username=None, password=None, **kwargs):
        with lock:
            calls.append(username)
        time.sleep(0.05)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ProgrammeBackend, "authenticate", counted)
    return calls


@pytest.fixture
def clock(monkeypatch):
    """Move the time forward: ``clock(minutes=16)``."""
    real, offset = timezone.now, [dt.timedelta(0)]
    monkeypatch.setattr(timezone, "now", lambda: real() + offset[0])

    def advance(**delta):
        offset[0] += dt.timedelta(**delta)
    return advance


def login(username, password, address=GATEWAY) -> int:
    return Client(REMOTE_ADDR=address).post("/accounts/login/",
                                            {"username": username, "password": password}).status_code


def burst(username, password, n=PARALLEL, address=GATEWAY) -> list:
    """n login attempts at once, one thread and one database connection each; their statuses."""
    barrier, results, lock = threading.Barrier(n), [], threading.Lock()

    def attempt():
        try:
            client = Client(REMOTE_ADDR=address)
            barrier.wait(timeout=30)
            status = client.post("/accounts/login/", {"username": username, "password": password}).status_code
        except BaseException as exc:  # reported in the results, never lost in the thread
            status = exc
        finally:
            connections.close_all()
        with lock:
            results.append(status)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_parallel_attempts_check_at_most_max_failures_passwords(accounts, checks):
    statuses = burst("alice", "wrong password")
    assert sorted(statuses, key=str) == [200] * MAX_FAILURES + [429] * (PARALLEL - MAX_FAILURES), statuses
    assert len(checks) == MAX_FAILURES
    assert LoginAttempt.objects.filter(username="alice").count() == MAX_FAILURES
    # Locked: refused without a check, the correct password too.
    assert login("alice", PASSWORD) == 429
    assert login("alice", "wrong again") == 429
    assert len(checks) == MAX_FAILURES


def test_one_address_failures_do_not_lock_a_colleague_out(accounts, checks):
    for i in range(5):
        for _ in range(MAX_FAILURES):
            assert login(f"agent{i}", "wrong password") == 200
    assert len(checks) == 25
    assert login("colleague", "mistyped") == 200  # a colleague's own typo counts on their account only
    assert login("colleague", PASSWORD) == 302
    assert login("agent0", PASSWORD) == 429  # the accounts that failed are still locked


def test_a_success_clears_the_account_count_but_not_another_address(accounts, checks):
    user, attacker = "10.0.0.1", "10.6.6.6"
    for _ in range(3):
        assert login("alice", "guess", attacker) == 200
    assert login("alice", "typo", user) == 200
    assert login("alice", PASSWORD, user) == 302  # clears the account's count and its own address's
    for _ in range(2):
        assert login("alice", "typo", user) == 200
    for _ in range(2):
        assert login("alice", "guess", attacker) == 200
    assert login("alice", "guess", attacker) == 429  # its own 5 failures stand: her login did not reset them
    assert login("alice", "typo", user) == 200  # the account's fifth failure since her login
    assert login("alice", PASSWORD, user) == 429


def test_the_window_expires(accounts, checks, clock):
    assert burst("alice", "wrong password").count(200) == MAX_FAILURES
    clock(minutes=14)
    assert login("alice", PASSWORD) == 429
    clock(seconds=(WINDOW - dt.timedelta(minutes=14)).total_seconds() + 1)
    assert login("alice", PASSWORD) == 302
    # A fresh window holds the same limit.
    assert burst("alice", "wrong password").count(200) == MAX_FAILURES
    assert login("alice", PASSWORD) == 429
    assert len(checks) == 2 * MAX_FAILURES + 1
