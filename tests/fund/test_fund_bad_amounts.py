"""Amounts the ledger cannot hold are refused before anything is stored: no decision without its entry."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

pytest.importorskip("django")

from frenchtech.programme.fund import services as ledger  # noqa: E402
from frenchtech.programme.fund.models import Decision, Entry  # noqa: E402

FUND = "ft-bad-amounts"
BAD = ["1e999", "Infinity", "-Infinity", "NaN", "sNaN", "1e15", "0", "-5", "12.345", "abc", "", "1e-999"]


@pytest.fixture
def fund(db):
    ledger.open_fund(FUND, "Test fund", "10000000.00")
    ledger.record_decision(FUND, "allocation", "batch-1")
    ledger.commit(FUND, "a000", "500000", "batch-1", "batch-1:a000", region="11")
    return FUND


@pytest.mark.django_db
@pytest.mark.parametrize("amount", BAD)
def test_bad_amount_stores_no_decision_and_no_entry(fund, amount):
    decisions, entries = Decision.objects.count(), Entry.objects.count()
    with pytest.raises(ledger.LedgerError) as info:
        ledger.decide_and_book(FUND, "disburse", "a000", amount, "pay-bad")
    assert str(info.value).startswith("disbursement for a000: ")
    assert Decision.objects.count() == decisions and Entry.objects.count() == entries
    assert not Decision.objects.filter(reference="pay-bad").exists()


@pytest.mark.django_db
def test_refusals_say_why(fund):
    for amount, says in [("1e999", "is more than the ledger holds (at most EUR 99,999,999,999,999.99)"),
                         ("Infinity", "is not a finite amount in EUR"), ("NaN", "is not a finite amount in EUR"),
                         ("-5", "must be a positive amount"), ("12.345", "has more than 2 decimals")]:
        with pytest.raises(ledger.LedgerError) as info:
            ledger.decide_and_book(FUND, "disburse", "a000", amount, "pay-bad")
        assert str(info.value).startswith(f"disbursement for a000: {amount} {says}")


@pytest.mark.django_db
def test_refused_entry_after_the_check_leaves_no_decision(fund):
    with pytest.raises(ledger.LedgerError, match="refused: only EUR 500000.00"):
        ledger.decide_and_book(FUND, "disburse", "a000", "600000", "pay-too-much")
    assert not Decision.objects.filter(reference="pay-too-much").exists()
    entry = ledger.decide_and_book(FUND, "disburse", "a000", "100000", "pay-ok")
    assert entry.amount_eur == 100000 and Decision.objects.filter(reference="pay-ok").exists()


@pytest.mark.django_db(False)
def test_cli_disburse_of_1e999_is_a_clear_error_and_stores_nothing(tmp_path):
    db = tmp_path / "p.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONWARNINGS": "ignore"}
    cli = [sys.executable, "-c", "from frenchtech.cli import run; run()", "fund", "ledger"]
    assert subprocess.run(cli + ["open"], env=env, capture_output=True, text=True).returncode == 0
    res = subprocess.run(cli + ["disburse", "a000", "1e999", "--decision", "pay-1"], env=env,
                         capture_output=True, text=True)
    assert res.returncode == 2, res.stderr[-2000:]
    assert "Traceback" not in res.stderr and "InvalidOperation" not in res.stderr
    assert ("error: disbursement for a000: 1e999 is more than the ledger holds (at most EUR 99,999,999,999,999.99)"
            in res.stderr)
    with sqlite3.connect(db) as con:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        decision = next(t for t in tables if t.startswith("fund") and t.endswith("_decision"))
        entry = next(t for t in tables if t.startswith("fund") and t.endswith("_entry"))
        assert con.execute(f"SELECT count(*) FROM {decision} WHERE reference = 'pay-1'").fetchone()[0] == 0
        assert con.execute(f"SELECT count(*) FROM {entry} WHERE kind != 'open'").fetchone()[0] == 0
