"""Active on the window's last day: from StockEtablissementHistorique when given, else from the stock's
dateDebut; the same answer from every reader of the register (every state below is set by hand)."""
from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from frenchtech.audit.run import compute_measures, run_audit
from frenchtech.errors import InputError
from frenchtech.indicators.backends import connect
from frenchtech.sources import csvscan, history, sirene
from frenchtech.sources.sirene_columns import HISTORY_COLUMNS
from frenchtech.sources.store import ingest_sirene
from tests.conftest import write_stock

END = dt.date(2014, 12, 31)  # the last day of the mini campaign's window (2010-2014)
TECH = dict(codeCommuneEtablissement="35238", activitePrincipaleEtablissement="62.01Z")  # Rennes, software


def siret(i: int) -> str:
    return f"{100000000 + i:09d}00010"  # what write_stock gives row i


# name: (stock state, creation, stock dateDebut, periods as (dateDebut, dateFin, state), active on END:
#        from the periods, from the stock)
CASES = {
    "never_closed": ("A", "2012-03-01", "2012-03-01", [("2012-03-01", "", "A")], True, True),
    "closed_before": ("F", "2011-01-01", "2013-06-30",
                      [("2011-01-01", "2013-06-29", "A"), ("2013-06-30", "", "F")], False, False),
    "closed_after": ("F", "2012-05-01", "2016-03-01",
                     [("2012-05-01", "2016-02-29", "A"), ("2016-03-01", "", "F")], True, True),
    "closed_on_the_day": ("F", "2012-05-01", "2014-12-31",
                          [("2012-05-01", "2014-12-30", "A"), ("2014-12-31", "", "F")], False, False),
    "created_after": ("A", "2015-02-01", "2015-02-01", [("2015-02-01", "", "A")], False, False),
    # The stock cannot see a closure followed by a reopening: the approximation the docs state.
    "closed_then_reopened": ("A", "2010-01-01", "2015-05-01",
                             [("2010-01-01", "2013-12-31", "A"), ("2014-01-01", "2015-04-30", "F"),
                              ("2015-05-01", "", "A")], False, True),
    # A period without a start (INSEE's oldest periods) covers every day before its end.
    "undated_then_closed_after": ("F", "", "2019-01-01", [("", "2018-12-31", "A"), ("2019-01-01", "", "F")],
                                  True, True),
}
NAMES = list(CASES)


def write_history(path: Path, rows: list[dict]) -> Path:
    """A StockEtablissementHistorique CSV with INSEE's 18-column header; unspecified columns are empty."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({"siren": r["siret"][:9], "nic": r["siret"][9:], **r})
    return path


def write_case(folder: Path, with_history: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_stock(folder / "StockEtablissement_utf8.csv",
                [dict(TECH, etatAdministratifEtablissement=state, dateCreationEtablissement=created, dateDebut=since)
                 for state, created, since, *_ in CASES.values()])
    if with_history:
        write_history(folder / "StockEtablissementHistorique_utf8.csv",
                      [{"siret": siret(i), "dateDebut": start, "dateFin": end, "etatAdministratifEtablissement": s}
                       for i, (*_, periods, _, _) in enumerate(CASES.values()) for start, end, s in periods])
    return folder


def _zip(csv_path: Path) -> None:
    with zipfile.ZipFile(csv_path.with_suffix(".zip"), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, csv_path.name)
    csv_path.unlink()


def _parquet(csv_path: Path) -> None:
    names = csv_path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names}))
    pq.write_table(table, csv_path.with_name(csv_path.name.replace("_utf8.csv", ".parquet")))
    csv_path.unlink()


READERS = ["extractor", "duckdb-reader", "zip", "zip-arrow", "parquet", "store"]


def layout(folder: Path, reader: str, monkeypatch) -> Path:
    """The hand-made folder in the layout ``reader`` reads (and that reader selected)."""
    if reader in ("duckdb-reader", "zip-arrow"):
        monkeypatch.setattr(csvscan, "_csvscan", None)
    elif not csvscan.available():
        pytest.skip("the C extractor is not built")
    files = [folder / "StockEtablissement_utf8.csv", folder / "StockEtablissementHistorique_utf8.csv"]
    for f in files:
        if f.exists() and reader in ("zip", "zip-arrow"):
            _zip(f)
        elif f.exists() and reader == "parquet":
            _parquet(f)
    if reader == "store":
        ingest_sirene(files[0], folder / sirene.STORE_NAME)
        files[0].unlink()
    return folder


def active_on(con, folder: Path, day=END) -> dict[str, bool]:
    """{case name: active on ``day``} as the audit reads the folder."""
    src = sirene.establishments(con, sirene.find_stock(folder), at=day, history_path=history.find_history(folder))
    rows = con.execute(src.table.select("siret" if "siret" in src.table.columns else "siren", "active"))
    key = rows.columns[0]
    by_id = {(r if key == "siret" else r[:9]): bool(a) for r, a in zip(rows[key], rows["active"], strict=True)}
    return {name: by_id[siret(i) if key == "siret" else siret(i)[:9]] for i, name in enumerate(NAMES)}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("method", ["historique", "stock-dateDebut"])
def test_each_case_on_each_reader(tmp_path, monkeypatch, reader, method):
    folder = layout(write_case(tmp_path / "ev", with_history=method == "historique"), reader, monkeypatch)
    got = active_on(connect("duckdb"), folder)
    column = 4 if method == "historique" else 5
    assert got == {name: case[column] for name, case in CASES.items()}


@pytest.mark.parametrize("method", ["historique", "stock-dateDebut"])
def test_the_audit_counts_active_at_the_end_and_says_how(tmp_path, mini_campaign, method):
    folder = write_case(tmp_path / "ev", with_history=method == "historique")
    measures, info = compute_measures(connect("duckdb"), mini_campaign, folder, None)
    column = 4 if method == "historique" else 5
    # every case is a Rennes software establishment: created by the end and active then
    assert measures.loc["rennes", "tech_active"] == sum(case[column] for case in CASES.values())
    today = sum(case[0] == "A" and case[1] <= str(END) for case in CASES.values())
    assert measures.loc["rennes", "tech_active"] != today  # not the state of today
    assert info["active_at_end"]["method"] == method
    assert info["active_at_end"]["approximation"] == (
        sirene.HISTORY_APPROXIMATION if method == "historique" else sirene.STOCK_APPROXIMATION)


def test_a_later_day_sees_the_later_closures(tmp_path):
    folder = write_case(tmp_path / "ev")
    got = active_on(connect("duckdb"), folder, dt.date(2016, 6, 30))
    assert got["closed_after"] is False and got["closed_then_reopened"] is True and got["created_after"] is True


def test_the_manifest_records_the_method_and_the_history_file(tmp_path, mini_campaign):
    ev = write_case(tmp_path / "ev")
    for name in ("funding_rounds.csv", "exchange_rates.csv", "structures.csv", "initiatives.csv"):
        shutil.copy(Path(__file__).parent / "fixtures" / "valid" / name, ev / name)
    run_audit(mini_campaign, ev, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["active_at_end"]["method"] == "historique"
    entry = manifest["inputs"]["establishments_history"]
    assert entry["path"] == str(ev / "StockEtablissementHistorique_utf8.csv")
    (ev / "StockEtablissementHistorique_utf8.csv").unlink()
    run_audit(mini_campaign, ev, tmp_path / "out2")
    manifest = json.loads((tmp_path / "out2" / "manifest.json").read_text())
    assert manifest["active_at_end"] == {"method": "stock-dateDebut", "approximation": sirene.STOCK_APPROXIMATION}
    assert "establishments_history" not in manifest["inputs"]


# -- a malformed Historique stops the audit, naming the file, the line and the column -------------------

BAD = [
    ({"dateFin": "2013-02-30"}, "dateFin", "'2013-02-30'"),
    ({"dateDebut": "30/06/2013"}, "dateDebut", "'30/06/2013'"),
    ({"dateFin": "2010-01-01"}, "dateFin", "not before dateDebut"),
    ({"etatAdministratifEtablissement": "X"}, "etatAdministratifEtablissement", "'X'"),
    ({"siret": "1234"}, "siret", "'1234'"),
]


@pytest.mark.parametrize("reader", ["extractor", "duckdb-reader"])
@pytest.mark.parametrize(("change", "column", "said"), BAD)
def test_a_bad_period_is_named(tmp_path, mini_campaign, monkeypatch, reader, change, column, said):
    if reader == "duckdb-reader":
        monkeypatch.setattr(csvscan, "_csvscan", None)
    folder = write_case(tmp_path / "ev")
    path = folder / "StockEtablissementHistorique_utf8.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # line 4 is the second period of "closed_before" (2013-06-30, F)
    row = dict(zip(HISTORY_COLUMNS, next(csv.reader([lines[3]])), strict=True)) | change
    write_history(path, [dict(zip(HISTORY_COLUMNS, next(csv.reader([x])), strict=True)) for x in lines[1:3]]
                  + [row] + [dict(zip(HISTORY_COLUMNS, next(csv.reader([x])), strict=True)) for x in lines[4:]])
    with pytest.raises(InputError) as info:
        compute_measures(connect("duckdb"), mini_campaign, folder, None)
    text = str(info.value)
    assert str(path) in text and "line 4" in text and f"column '{column}'" in text and said in text, text


def test_a_history_without_its_columns_or_rows_is_refused(tmp_path, mini_campaign):
    folder = write_case(tmp_path / "ev")
    path = folder / "StockEtablissementHistorique_utf8.csv"
    path.write_text("siren,nic,siret,dateDebut\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1, column 'dateFin': missing column\(s\) dateFin"):
        compute_measures(connect("duckdb"), mini_campaign, folder, None)
    path.write_text(",".join(HISTORY_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no period rows"):
        compute_measures(connect("duckdb"), mini_campaign, folder, None)


def test_a_cut_history_says_so(tmp_path, mini_campaign):
    folder = write_case(tmp_path / "ev")
    path = folder / "StockEtablissementHistorique_utf8.csv"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(InputError, match="truncated") as info:
        compute_measures(connect("duckdb"), mini_campaign, folder, None)
    assert str(path) in str(info.value)


def test_a_bad_stock_date_debut_is_named(tmp_path, mini_campaign):
    folder = write_case(tmp_path / "ev", with_history=False)
    write_stock(folder / "StockEtablissement_utf8.csv",
                [dict(TECH, dateCreationEtablissement="2012-01-01", dateDebut="2012-01-01"),
                 dict(TECH, etatAdministratifEtablissement="F", dateCreationEtablissement="2012-01-01",
                      dateDebut="2016-13-01")])
    with pytest.raises(InputError) as info:
        compute_measures(connect("duckdb"), mini_campaign, folder, None)
    assert "line 3" in str(info.value) and "column 'dateDebut'" in str(info.value)


# -- the demo, replayed on a register read years later -----------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The 2014 demo's evidence at the demo's size (`frenchtech demo`: 500,000 rows, the campaign's seed)."""
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(Path(__file__).resolve().parents[2] / "campaigns" / "metropoles-2014.toml")
    folder = tmp_path_factory.mktemp("demo")
    generate_evidence(campaign, folder, rows=500_000, seed=campaign.seed)
    return campaign, folder


def test_the_demo_counts_establishments_closed_after_2014_as_active_at_its_end(demo, tmp_path):
    import polars as pl

    campaign, folder = demo
    end = campaign.window_end
    assert end == END
    measures, info = compute_measures(connect("duckdb"), campaign, folder, None)
    assert info["active_at_end"]["method"] == "historique"

    # The same count from the two files, by a separate reading: each tech establishment of a
    # candidate's communes, created by the end, whose period covering 31 December 2014 is active.
    tech = set(sirene_tech_codes(campaign))
    members = pl.DataFrame([(t.id, c) for t in campaign.territories for c in t.match_codes],
                           schema=["territory", "commune"], orient="row")
    stock = (pl.read_csv(folder / "StockEtablissement_utf8.csv", infer_schema=False)
             .filter(pl.col("activitePrincipaleEtablissement").is_in(tech))
             .with_columns(created=pl.col("dateCreationEtablissement").str.to_date(strict=False))
             .filter(pl.col("created").is_null() | (pl.col("created") <= end))
             .join(members, left_on="codeCommuneEtablissement", right_on="commune"))
    periods = (pl.read_csv(folder / "StockEtablissementHistorique_utf8.csv", infer_schema=False)
               .with_columns(start=pl.col("dateDebut").str.to_date(strict=False),
                             stop=pl.col("dateFin").str.to_date(strict=False))
               .filter((pl.col("start").is_null() | (pl.col("start") <= end))
                       & (pl.col("stop").is_null() | (pl.col("stop") >= end)))
               .select("siret", at_end=pl.col("etatAdministratifEtablissement")))
    rows = stock.join(periods, on="siret", how="left")
    active = rows.filter(pl.col("at_end") == "A").group_by("territory").len()
    expected = dict(zip(active["territory"], active["len"], strict=True))
    assert {t: int(measures.loc[t, "tech_active"]) for t in expected} == expected

    # The case the change is for: open at the end of 2014, closed since.
    closed_after = rows.filter((pl.col("at_end") == "A") & (pl.col("etatAdministratifEtablissement") == "F"))
    assert closed_after.height > 100
    for t in campaign.territories:
        today = rows.filter((pl.col("territory") == t.id) & (pl.col("etatAdministratifEtablissement") == "A")).height
        later = closed_after.filter(pl.col("territory") == t.id).height
        assert measures.loc[t.id, "tech_active"] == today + later

    # Without the Historique, the stock's dateDebut gives the same figures on this register, where a
    # closure is each establishment's only change; the manifest then names the approximation.
    stock_only = tmp_path / "stock-only"
    stock_only.mkdir()
    (stock_only / "StockEtablissement_utf8.csv").symlink_to(folder / "StockEtablissement_utf8.csv")
    again, info = compute_measures(connect("duckdb"), campaign, stock_only, None)
    assert info["active_at_end"]["method"] == "stock-dateDebut"
    assert again["tech_active"].equals(measures["tech_active"])


def sirene_tech_codes(campaign) -> list[str]:
    from frenchtech.indicators.catalogue import load_catalogue

    return list(load_catalogue().naf_codes(campaign.tech_naf_tags))


def test_frenchtech_sources_lists_the_history_as_read_when_present():
    from click.testing import CliRunner

    from frenchtech.cli.main import main

    out = CliRunner().invoke(main, ["sources"]).output
    entry = out[out.index("sirene-historique"):]
    assert entry.startswith("sirene-historique: StockEtablissementHistorique_utf8.zip, "
                            "StockEtablissementHistorique_utf8.csv")
    assert "read when present; reader: frenchtech.sources.history" in entry.split("\n\n")[0]
