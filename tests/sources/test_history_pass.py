"""StockEtablissementHistorique read in one pass: checked, reduced to the SIRETs active on a day (kept
compact, looked up during the stock's scan) and hashed in that same pass."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from frenchtech.audit.run import compute_measures, run_audit
from frenchtech.hashing import REGISTER_ALGORITHM, file_digest
from frenchtech.indicators.backends import connect
from frenchtech.sources import csvscan, history
from tests.sources.test_state_at_date import END, write_case


def _set(numbers: np.ndarray) -> history.ActiveSet:
    low, starts, shift = history._compact([numbers[: len(numbers) // 2].copy(), numbers[len(numbers) // 2:].copy()])
    return history.ActiveSet(Path("h.csv"), END, low, starts, shift, len(numbers))


@pytest.mark.parametrize("n", [0, 1, 9, 5_000, 400_000])
def test_the_compact_set_answers_as_a_plain_set(n):
    rng = np.random.default_rng(n)
    numbers = rng.integers(0, 10**14, n)
    numbers[: n // 3] = 35_600_000_000_000 + np.arange(n // 3)  # one company's many establishments
    active = _set(numbers)
    assert active.size == n and active.low.dtype == np.uint32
    assert np.array_equal(active.numbers(), np.sort(numbers))
    queries = np.concatenate([numbers[rng.integers(0, max(n, 1), min(n, 3_000))] if n else numbers,
                              rng.integers(0, 10**14, 3_000), numbers[:40] + 1, numbers[-40:] - 1,
                              [0, 10**14 - 1]])
    text = [f"{q:014d}" for q in queries] + [None, "", "3560000000000A", "-0000000000001", "123"]
    got = active.contains(pa.array(text, pa.string())).to_pylist()
    assert got == [bool(x) for x in np.isin(queries, numbers)] + [False] * 5


def test_the_pass_finds_what_the_engine_join_finds(tmp_path):
    """On a generated Historique (periods of every kind), the one pass keeps exactly the SIRETs the
    relational query (a period covering the day, state A) selects."""
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(Path(__file__).resolve().parents[2] / "campaigns" / "metropoles-2014.toml")
    generate_evidence(campaign, tmp_path, rows=30_000, seed=3)
    path = history.find_history(tmp_path)
    con = connect("duckdb")
    for day in (dt.date(2014, 12, 31), dt.date(2005, 1, 1), dt.date(2020, 6, 30)):
        joined = con.execute(history.active_on(history.periods(con, path).table, day).distinct())
        expected = np.sort(joined["siret"].astype(np.int64).to_numpy())
        got = history.active_set(con, path, day)
        assert got.rows > 30_000  # every period read
        assert len(expected) > 1000 and np.array_equal(got.numbers(), expected)


def test_the_audit_hashes_the_history_in_the_pass_that_reads_it(tmp_path, mini_campaign):
    if not csvscan.available():
        pytest.skip("the C extractor is not built")
    ev = write_case(tmp_path / "ev")
    measures, info = compute_measures(connect("duckdb"), mini_campaign, ev, None)
    path = ev / "StockEtablissementHistorique_utf8.csv"
    assert info["history_hash"].hexdigest() == file_digest(path, REGISTER_ALGORITHM)  # fed whole, in order
    for name in ("funding_rounds.csv", "exchange_rates.csv", "structures.csv", "initiatives.csv"):
        shutil.copy(Path(__file__).parent / "fixtures" / "valid" / name, ev / name)
    run_audit(mini_campaign, ev, tmp_path / "out")
    entry = json.loads((tmp_path / "out" / "manifest.json").read_text())["inputs"]["establishments_history"]
    assert file_digest(path, REGISTER_ALGORITHM) in json.dumps(entry)


def test_every_malformed_period_is_counted_and_the_first_named(tmp_path, mini_campaign):
    ev = write_case(tmp_path / "ev")
    path = ev / "StockEtablissementHistorique_utf8.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",A,", ",Z,", 1)
    lines[6] = lines[6].replace("2012-05-01", "2012-05-41", 1)
    assert "2012-05-41" in lines[6]
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(history.InputError) as info:
        history.active_set(connect("duckdb"), path, END)
    text = str(info.value)
    assert "2 malformed row(s)" in text and "line 3" in text and "etatAdministratifEtablissement" in text, text
