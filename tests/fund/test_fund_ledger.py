"""The ledger: exact decimal balances, double entry, no overspending, no double commitment, every
entry tied to a decision, replay after a crash, and two concurrent writers on one SQLite file and on PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

pytest.importorskip("django")

from frenchtech.programme.fund import services as ledger
from frenchtech.programme.fund.models import Entry, Line

pytestmark = pytest.mark.django_db

FUND = "ft-test"


@pytest.fixture
def fund(db):
    ledger.open_fund(FUND, "Test fund", "10000000.00")
    ledger.record_decision(FUND, "allocation", "batch-1", rationale="test allocation")
    return FUND


def _commit(app, amount, key=None, region="11", labelled=True, decision="batch-1"):
    return ledger.commit(FUND, app, amount, decision, key or f"batch-1:{app}", accelerator=f"Acc {app}",
                         region=region, labelled=labelled, territory="paris" if labelled else "")


def test_balances_are_exact_decimals_and_entries_balance(fund):
    for i in range(3):
        _commit(f"A{i}", "1000000.10")
    ledger.record_decision(FUND, "disbursement", "pay-1")
    ledger.disburse(FUND, "A0", "333333.37", "pay-1", "pay-1:A0")
    ledger.write_off(FUND, "A0", "0.01", "pay-1", "wo-1:A0")
    ledger.record_return(FUND, "A1", "12.34", "pay-1", "ret-1:A1")
    b = ledger.balances(FUND)
    assert b.available == Decimal("6999999.70")
    assert b.committed == Decimal("3000000.30")
    assert b.undrawn == Decimal("3000000.30") - Decimal("333333.37")
    assert b.invested == Decimal("333333.36") and b.written_off == Decimal("0.01")
    assert b.returned == Decimal("12.34") and b.balanced
    for e in Entry.objects.all():
        lines = list(e.lines.all())
        assert sum(x.debit_eur for x in lines) == sum(x.credit_eur for x in lines) == e.amount_eur
        assert e.decision_id is not None
    assert all(isinstance(x.debit_eur, Decimal) for x in Line.objects.all())


def test_never_negative_remaining_budget(fund):
    _commit("A1", "6000000")
    with pytest.raises(ledger.LedgerError, match="only EUR 4000000.00 of the budget remains"):
        _commit("A2", "4000000.01")
    _commit("A2", "4000000")
    assert ledger.balances(FUND).available == 0


def test_no_double_commitment_and_keys_are_idempotent(fund):
    e1 = _commit("A1", "1000000")
    assert _commit("A1", "1000000").pk == e1.pk               # the same key again: the same entry
    with pytest.raises(ledger.LedgerError, match="no double commitment"):
        _commit("A1", "500000", key="other-key")
    with pytest.raises(ledger.LedgerError, match="already used for a different entry"):
        _commit("A1", "999999", key="batch-1:A1")
    assert ledger.balances(FUND).committed == Decimal(1000000)


def test_every_entry_needs_a_decision_and_bad_amounts_are_refused(fund):
    with pytest.raises(ledger.LedgerError, match="record the decision first"):
        _commit("A1", "1000", decision="nobody-decided")
    for bad in ("-5", "0", "abc", "1.001"):
        with pytest.raises(ledger.LedgerError):
            _commit("A1", bad)
    with pytest.raises(ledger.LedgerError, match="not a float"):
        _commit("A1", 1000.5)
    _commit("A1", "1000")
    ledger.record_decision(FUND, "disbursement", "pay")
    with pytest.raises(ledger.LedgerError, match="only EUR 1000.00 committed"):
        ledger.disburse(FUND, "A1", "1000.01", "pay", "pay:A1")
    with pytest.raises(ledger.LedgerError, match="no position"):
        ledger.disburse(FUND, "ZZ", "1", "pay", "pay:ZZ")


def _batch():
    out = []
    for i in range(6):
        out.append({"op": "commit", "application_id": f"A{i}", "amount": f"{1000000 + i}.{i}5",
                    "decision": "batch-1", "key": f"batch-1:A{i}", "region": "11" if i % 2 else "82",
                    "labelled": True})
    for i in range(3):
        out.append({"op": "disburse", "application_id": f"A{i}", "amount": "250000.33", "decision": "batch-1",
                    "key": f"pay:A{i}"})
    out.append({"op": "write_off", "application_id": "A0", "amount": "100000.01", "decision": "batch-1",
                "key": "wo:A0"})
    out.append({"op": "return", "application_id": "A1", "amount": "7.77", "decision": "batch-1", "key": "ret:A1"})
    return out


def test_replay_after_a_crash_mid_batch_leaves_balances_exact(fund):
    clean_code = "ft-clean"
    ledger.open_fund(clean_code, "Clean run", "10000000.00")
    ledger.record_decision(clean_code, "allocation", "batch-1")
    ledger.apply_entries(clean_code, _batch())
    expected = ledger.balances(clean_code)

    class Crash(Exception):
        pass

    seen = []

    def crash_after_five(entry):
        seen.append(entry["key"])
        if len(seen) == 5:
            raise Crash()

    with pytest.raises(Crash):
        ledger.apply_entries(FUND, _batch(), after_each=crash_after_five)
    assert Entry.objects.filter(fund__code=FUND).exclude(kind="open").count() == 5
    # a crash inside an entry's own transaction leaves no half-written entry either
    real_create = Line.objects.create
    calls = []

    def failing_create(**kw):
        calls.append(kw)
        if len(calls) == 2:
            raise Crash()
        return real_create(**kw)

    Line.objects.create = failing_create
    try:
        with pytest.raises(Crash):
            ledger.apply_entries(FUND, _batch())
    finally:
        Line.objects.create = real_create
    assert Entry.objects.filter(fund__code=FUND).exclude(kind="open").count() == 5
    result = ledger.apply_entries(FUND, _batch())               # the replay
    assert result == {"booked": len(_batch()) - 5, "skipped": 5}
    assert ledger.apply_entries(FUND, _batch()) == {"booked": 0, "skipped": len(_batch())}
    got = ledger.balances(FUND)
    assert got == expected and got.balanced
    assert got.available + got.committed == Decimal("10000000.00")


def test_rolling_state_for_the_optimiser(fund):
    _commit("A1", "3000000", region="11", labelled=True)
    _commit("A2", "1000000", region="82", labelled=False)
    st = ledger.committed_state(FUND)
    assert st["available"] == Decimal(6000000) and st["committed"] == Decimal(4000000)
    assert st["labelled"] == Decimal(3000000) and st["by_region"] == {"11": Decimal(3000000), "82": Decimal(1000000)}


WORKER = textwrap.dedent("""
    import sys, time
    from frenchtech.programme import setup
    setup(sys.argv[1], migrate=False)  # the database was migrated when the fund was opened
    from frenchtech.programme.fund import services as ledger
    code = sys.argv[4]
    start = float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.001)
    ok = refused = 0
    for i in range(12):
        try:
            ledger.commit(code, f"{sys.argv[2]}-{i}", "1000000.00", "race", f"race:{sys.argv[2]}-{i}",
                          region="11", labelled=True)
            ok += 1
        except ledger.LedgerError:
            refused += 1
    print(ok, refused)
""")


def _postgres_server() -> str | None:
    """The PostgreSQL server for the race: FRENCHTECH_TEST_POSTGRES_URL, else the one the suite runs on."""
    for name in ("FRENCHTECH_TEST_POSTGRES_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return None


def _backends():
    yield pytest.param("sqlite", id="sqlite-file")
    yield pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
        not _postgres_server(), reason="the suite runs on SQLite (DATABASE_URL is not a PostgreSQL URL)"))


@pytest.fixture
def race_url(backend, tmp_path):
    """A database of its own for the race: a SQLite file, or a new PostgreSQL database dropped afterwards
    (never the suite's own database, which the processes would migrate and fill)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'race.sqlite3'}"
        return
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    server = urlsplit(_postgres_server())
    name = f"test_race_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(server._replace(path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(server._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(False)
@pytest.mark.parametrize("backend", list(_backends()))
def test_two_concurrent_writers_cannot_overspend(race_url, backend):
    """Two processes commit EUR 1 M twelve times each against a EUR 15 M budget, on one SQLite file
    (or one PostgreSQL database), starting at the same instant."""
    import time
    import uuid

    url = race_url
    code = f"ft-race-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": url}
    prep = ("import sys; from frenchtech.programme import setup; setup(); "
            "from frenchtech.programme.fund import services as s; "
            "s.open_fund(sys.argv[1], 'Race', '15000000'); s.record_decision(sys.argv[1], 'allocation', 'race')")
    subprocess.run([sys.executable, "-c", prep, code], env=env, check=True)
    start = str(time.time() + 1.5)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, name, start, code], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("w1", "w2")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    counts = [tuple(map(int, o[0].split())) for o in outs]
    assert sum(c[0] for c in counts) == 15 and sum(c[1] for c in counts) == 9
    check = ("import sys; from frenchtech.programme import setup; setup(migrate=False); "
             "from frenchtech.programme.fund import services as s; "
             "b = s.balances(sys.argv[1]); print(b.available, b.committed, b.balanced)")
    out = subprocess.run([sys.executable, "-c", check, code], env=env, check=True, capture_output=True,
                         text=True).stdout
    assert out.split() == ["0.00", "15000000.00", "True"]


def test_rolling_allocation_reads_the_ledger(db, fund2014, apps60, assessed60):
    """Book a first batch, then allocate the next against what the ledger says remains: the rules hold
    for the whole portfolio and the budget is never exceeded."""
    from fractions import Fraction

    from frenchtech.fund import Existing, allocate

    code = fund2014.id
    ledger.open_fund(code, fund2014.name, fund2014.budget_eur)
    first_apps, second_apps = apps60[:30], apps60[30:]
    first = allocate(first_apps, assessed60, fund2014.rules)
    by_id = {a.application_id: a for a in apps60}
    rows = [{"application_id": k, "amount_eur": str(v), "region": by_id[k].region, "territory": by_id[k].territory,
             "labelled": str(by_id[k].labelled).lower(), "accelerator": by_id[k].accelerator}
            for k, v in first.amounts.items()]
    ledger.commit_allocation(code, "allocation:test:1", rows)
    st = ledger.committed_state(code)
    assert st["committed"] == first.total and st["available"] == fund2014.budget_eur - first.total
    second = allocate(second_apps, assessed60, fund2014.rules,
                      Existing(st["available"], st["committed"], st["labelled"], st["by_region"]))
    rows2 = [{"application_id": k, "amount_eur": str(v), "region": by_id[k].region,
              "labelled": str(by_id[k].labelled).lower()} for k, v in second.amounts.items()]
    ledger.commit_allocation(code, "allocation:test:2", rows2)
    b = ledger.balances(code)
    assert b.available >= 0 and b.committed == first.total + second.total and b.balanced
    port = ledger.portfolio(code)
    lab = sum((r["committed_eur"] for r in port if r["labelled"]), Decimal(0))
    assert Fraction(lab) >= Fraction("0.8") * Fraction(b.committed)
    for reg in {r["region"] for r in port}:
        amt = sum((r["committed_eur"] for r in port if r["region"] == reg), Decimal(0))
        assert Fraction(amt) <= Fraction("0.35") * Fraction(b.committed)
