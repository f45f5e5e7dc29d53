"""The readers of the formats evidence comes in: the ECB's reference rates, a Crunchbase export, any
export through a column-mapping profile. Each on a fixture written from the publisher's documented
columns, and each malformed file refused with its file, line and column, nothing read."""
import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from frenchtech.errors import ConfigError, InputError
from frenchtech.sources.crunchbase import read_crunchbase_rounds
from frenchtech.sources.ecb import read_ecb_rates
from frenchtech.sources.mapping import read_mapped_rounds, read_profile
from frenchtech.sources.rates import read_exchange_rates
from frenchtech.sources.rounds import read_rounds

FIXTURES = Path(__file__).parent / "fixtures" / "real_formats"


def copy(tmp_path, name, text=None, data=None):
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    elif data is not None:
        path.write_bytes(data)
    else:
        shutil.copy(FIXTURES / name, path)
    return path


def refused(call, *args):
    with pytest.raises(InputError) as info:
        call(*args)
    return info.value


# -- ECB ---------------------------------------------------------------------------------------------

def test_ecb_day_rule_takes_the_last_business_day():
    rates = read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "day")
    assert rates.rate("USD", dt.date(2014, 1, 3)) == 1 / 1.3589
    # Saturday 4 and Sunday 5 January have no fixing: Friday's rate
    assert rates.rate("USD", dt.date(2014, 1, 5)) == 1 / 1.3589
    assert rates.rate("EUR", dt.date(2014, 1, 5)) == 1.0
    # more than a week after the last fixing: no rate (the file has a gap from 6 January to 1 July)
    assert rates.rate("USD", dt.date(2014, 1, 14)) is None
    assert rates.rate("USD", dt.date(2014, 1, 13)) == 1 / 1.3618
    assert rates.rate("CYP", dt.date(2014, 1, 3)) is None          # N/A since the euro replaced it
    assert rates.rate("CYP", dt.date(2008, 1, 2)) == 1 / 0.5853
    message, _ = rates.explain("USD", dt.date(2014, 1, 14))
    assert "USD" in message and "2014-01-14" in message


def test_ecb_year_average_is_the_mean_of_the_days_published():
    rates = read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "year_average")
    days_2014 = [1.2141, 1.3690, 1.3618, 1.3589, 1.3670]
    assert rates.rate("USD", dt.date(2014, 6, 15)) == pytest.approx(len(days_2014) / sum(days_2014), rel=1e-15)
    assert rates.rate("GBP", dt.date(2013, 3, 1)) == 1 / 0.8337
    assert rates.rate("USD", dt.date(2012, 3, 1)) is None
    assert rates.rate("CYP", dt.date(2014, 3, 1)) is None


def test_ecb_zip_as_published(tmp_path):
    path = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(FIXTURES / "eurofxref-hist.csv", "eurofxref-hist.csv")
    rates = read_ecb_rates(path, "day")
    assert rates.rate("JPY", dt.date(2014, 12, 31)) == 1 / 145.23


@pytest.mark.parametrize("edit, line, column, words", [
    (lambda t: t.replace("2014-07-01,1.3690", "2014-07-01,1,3690"), 4, None, "8 fields instead of 7"),
    (lambda t: t.replace("2014-07-01,1.3690", '2014-07-01,"1,3690"'), 4, "USD", "bad rate"),
    (lambda t: t.replace("2014-07-01,1.3690", "2014-07-01,-1.3690"), 4, "USD", "bad rate"),
    (lambda t: t.replace("2014-07-01,1.3690", "2014-07-01,n/a"), 4, "USD", "bad rate"),
    (lambda t: t.replace("2014-07-01", "01/07/2014"), 4, "Date", "bad date"),
    (lambda t: t.replace("2014-07-01", "2014-01-03"), 6, "Date", "second row for 2014-01-03"),
    (lambda t: t.replace("Date,USD", "Date,usd"), 1, "usd", "unknown column"),
    (lambda t: t.replace("Date,USD", "Day,USD"), 1, "Day", "first column"),
    (lambda t: t.replace("1.2307,\n", "1.2307\n"), 7, "CHF", "fields instead of"),
    (lambda t: t.rsplit("\n", 2)[0][:-9], 8, "GBP", "truncated file"),
])
def test_ecb_malformed_files_are_refused_with_line_and_column(tmp_path, edit, line, column, words):
    path = copy(tmp_path, "eurofxref-hist.csv", edit((FIXTURES / "eurofxref-hist.csv").read_text()))
    err = refused(read_ecb_rates, path, "day")
    assert err.path == str(path) and err.line == line and words in str(err)
    if column is not None:
        assert err.column == column


def test_ecb_damaged_zip_and_latin1(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(FIXTURES / "eurofxref-hist.csv", "eurofxref-hist.csv")
    cut = copy(tmp_path, "eurofxref-hist.zip", data=good.read_bytes()[:-40])
    assert "damaged" in str(refused(read_ecb_rates, cut))
    latin = copy(tmp_path, "latin.csv", data=(FIXTURES / "eurofxref-hist.csv").read_bytes().replace(
        b"Date,USD", b"Date,USD").replace(b"2013-12-31,", b"2013-12-31\xe9,"))
    err = refused(read_ecb_rates, latin)
    assert err.line == 8 and "UTF-8" in str(err)


# -- Crunchbase ----------------------------------------------------------------------------------------

def test_crunchbase_export(campaign):
    rates = read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "day")
    rounds, report = read_crunchbase_rounds(FIXTURES / "funding_rounds.csv", campaign, rates)
    assert rounds["company"].tolist() == ["Atelier Lumen", "Nuage Bleu", "Cabestan", "Orbe, Lune & Co"]
    assert rounds["commune"].tolist() == ["69123", "75056", "33063", "35238"]
    assert rounds["round_type"].tolist() == ["seed", "series_a", "angel", "seed"]
    # the USD round of Saturday 4 January 2014 at Friday's rate; the undisclosed amount is 0 euro
    assert rounds["amount_eur"].tolist() == [500_000.0, 1_359_000 * (1 / 1.3589), 0.0, 300_000 * (1 / 1.2024)]
    assert rounds["currency"].tolist()[:2] == ["EUR", "USD"] and rounds["amount"].iloc[2] == 0.0
    assert rounds["amount_eur"].iloc[2] == 0.0 and rounds["line"].tolist() == [2, 3, 6, 7]
    assert [(r["line"], r["problem"]) for r in report] == [(4, "ambiguous"), (5, "abroad"), (8, "unknown")]


def test_crunchbase_needs_its_columns_and_ignores_the_others(tmp_path, campaign):
    text = (FIXTURES / "funding_rounds.csv").read_text()
    extra = copy(tmp_path, "funding_rounds.csv", text.replace("lead_investor_uuids", "lead_investor_uuids_v2"))
    assert len(read_crunchbase_rounds(extra, campaign, read_ecb_rates(FIXTURES / "eurofxref-hist.csv"))[0]) == 4
    missing = copy(tmp_path, "funding_rounds.csv", text.replace(",announced_on,", ",announced,"))
    err = refused(read_crunchbase_rounds, missing, campaign)
    assert err.line == 1 and err.column == "announced_on" and "missing column" in str(err)


@pytest.mark.parametrize("old, new, line, column, words", [
    ("seed,2014-02-28,", "seed,28/02/2014,", 2, "announced_on", "bad date"),
    (",500000,EUR,", ",500 000,EUR,", 2, "raised_amount", "not a number"),
    (",500000,EUR,", ",500000,Euro,", 2, "raised_amount_currency_code", "bad currency"),
    (",1359000,USD,", ",1359000,XAF,", 3, "raised_amount_currency_code", "unknown currency 'XAF'"),
    (",Atelier Lumen,", ",,", 2, "org_name", "empty value"),
])
def test_crunchbase_malformed_rows_are_refused(tmp_path, campaign, old, new, line, column, words):
    path = copy(tmp_path, "funding_rounds.csv", (FIXTURES / "funding_rounds.csv").read_text().replace(old, new, 1))
    err = refused(read_crunchbase_rounds, path, campaign, read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "day"))
    assert err.path == str(path) and err.line == line and err.column == column and words in str(err)


def test_crunchbase_day_rule_outside_the_rates_is_refused(tmp_path, campaign):
    path = copy(tmp_path, "funding_rounds.csv",
                (FIXTURES / "funding_rounds.csv").read_text().replace("2014-01-04,1359000", "2014-03-04,1359000"))
    err = refused(read_crunchbase_rounds, path, campaign, read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "day"))
    assert err.line == 3 and err.column == "raised_amount_currency_code" and "2014-03-04" in str(err)


# -- column-mapping profiles -------------------------------------------------------------------------------

def test_mapped_csv_in_french_conventions(campaign):
    profile = read_profile(FIXTURES / "dealroom-profile.toml")
    rates = read_exchange_rates_for(campaign)
    rounds, report = read_mapped_rounds(FIXTURES / "dealroom.csv", profile, campaign, rates)
    assert rounds["company"].tolist() == ["Atelier Lumen", "Café Numérique"]
    assert rounds["commune"].tolist() == ["69123", "93066"]
    assert rounds["amount_eur"].tolist() == [500_000.0, 1_200_500_000.0]
    assert rounds["line"].tolist() == [4, 5] and rounds["investors"].tolist() == ["Fonds Un", "Fonds Deux"]
    assert [(r["line"], r["problem"]) for r in report] == [(6, "abroad"), (7, "ambiguous")]


def read_exchange_rates_for(campaign):
    return read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "year_average")


def _xlsx(path, rows, sheet="Deals"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    book.save(path)
    return path


XLSX_PROFILE = """[profile]
name = "In-house spreadsheet"
sheet = "Deals"
currency = "EUR"

[columns]
company = "Company"
date = "Closed on"
amount = "Amount (EUR)"
commune_code = "INSEE code"
siren = "SIREN"
"""


def test_mapped_xlsx_with_typed_cells(tmp_path, campaign):
    profile_path = copy(tmp_path, "p.toml", XLSX_PROFILE)
    path = _xlsx(tmp_path / "deals.xlsx", [
        ["Company", "Closed on", "Amount (EUR)", "INSEE code", "SIREN", "Notes"],
        ["Atelier Lumen", dt.datetime(2014, 2, 28), 500000, "69383", 12345678, "typed cells"],
        ["Vigne Numérique", "2014-05-02", "750000.5", 1001, None, "codes as numbers lose their zeros"],
        [None, None, None, None, None, None],
        ["Maquis Data", dt.date(2013, 9, 1), 1_000_000.0, "2A004", "", ""],
    ])
    rounds, report = read_mapped_rounds(path, read_profile(profile_path), campaign)
    assert rounds["commune"].tolist() == ["69383", "01001", "2A004"]
    assert rounds["siren"].tolist()[0] == "012345678"
    assert rounds["amount_eur"].tolist() == [500_000.0, 750_000.5, 1_000_000.0]
    assert rounds["date"].dt.date.tolist() == [dt.date(2014, 2, 28), dt.date(2014, 5, 2), dt.date(2013, 9, 1)]
    assert rounds["line"].tolist() == [2, 3, 5] and report == []


def test_mapped_xlsx_malformed_cells_name_sheet_row_and_column(tmp_path, campaign):
    profile = read_profile(copy(tmp_path, "p.toml", XLSX_PROFILE))
    header = ["Company", "Closed on", "Amount (EUR)", "INSEE code", "SIREN"]
    cases = [
        ([header, ["A", dt.date(2014, 1, 2), "1 000", "69383", None]], 2, "Amount (EUR)", "bad amount"),
        ([header, ["A", dt.date(2014, 1, 2), 10, "69383", None], ["B", "02/01/2014", 10, "69383", None]], 3,
         "Closed on", "bad date"),
        ([header, ["A", dt.date(2014, 1, 2), -5, "69383", None]], 2, "Amount (EUR)", "bad amount"),
        ([header, ["A", dt.date(2014, 1, 2), 5, "99999", None]], 2, "INSEE code", "unknown commune code"),
        ([header, ["A", dt.date(2014, 1, 2), 5, "69383", "12345"]], 2, "SIREN", "bad SIREN"),
        ([header[:2] + header[3:], ["A", dt.date(2014, 1, 2), "69383", None]], 1, "Amount (EUR)", "missing column"),
    ]
    for rows, line, column, words in cases:
        path = _xlsx(tmp_path / "deals.xlsx", rows)
        err = refused(read_mapped_rounds, path, profile, campaign)
        assert (err.line, err.column) == (line, column) and words in str(err), str(err)
        assert err.path == f"{path}, sheet 'Deals'"
    other = _xlsx(tmp_path / "other.xlsx", [header], sheet="Feuil1")
    assert "no sheet 'Deals'" in str(refused(read_mapped_rounds, other, profile, campaign))
    broken = copy(tmp_path, "broken.xlsx", data=other.read_bytes()[:200])
    assert "not a readable XLSX workbook" in str(refused(read_mapped_rounds, broken, profile, campaign))


def test_mapped_csv_malformed_rows(tmp_path, campaign):
    profile = read_profile(FIXTURES / "dealroom-profile.toml")
    rates = read_exchange_rates_for(campaign)
    raw = (FIXTURES / "dealroom.csv").read_bytes()
    for old, new, line, column, words in [
        (b";28/02/2014;", b";2014-02-28;", 4, "DATE", "bad date"),
        (b";0,5;", b";0.5;", 4, "AMOUNT (M)", "bad amount"),
        (b";Lyon;69;", b";Lyon;Rh\xf4ne;", 4, "DEPT", "bad department"),
        (b"Fonds Un;lumen.example", b"Fonds Un", 4, "INVESTORS", "9 fields instead of 10"),
    ]:
        path = copy(tmp_path, "dealroom.csv", data=raw.replace(old, new, 1))
        err = refused(read_mapped_rounds, path, profile, campaign, rates)
        assert (err.line, err.column) == (line, column) and words in str(err), str(err)


def test_profiles_are_checked_with_their_lines(tmp_path):
    bad = copy(tmp_path, "p.toml", XLSX_PROFILE.replace('sheet = "Deals"', 'sheet = "Deals"\ndecimals = ","')
               .replace('currency = "EUR"', 'currency = "euro"'))
    with pytest.raises(ConfigError) as info:
        read_profile(bad)
    text = str(info.value)
    assert "p.toml:4: [profile] unknown key 'decimals'" in text and "p.toml:5:" in text
    neither = copy(tmp_path, "q.toml", XLSX_PROFILE.replace('commune_code = "INSEE code"\n', ""))
    with pytest.raises(ConfigError) as info:
        read_profile(neither)
    assert "city or commune_code" in str(info.value) and "q.toml:" in str(info.value)
    with pytest.raises(ConfigError) as info:
        read_profile(tmp_path / "absent.toml")
    assert "file not found" in str(info.value)


def test_todays_layout_accepts_ecb_rates(valid, campaign):
    """funding_rounds.csv converted with the ECB's rates: a currency the ECB lacks is refused."""
    rates = read_ecb_rates(FIXTURES / "eurofxref-hist.csv", "year_average")
    yearly = read_exchange_rates(valid / "exchange_rates.csv")
    rounds_yearly, _ = read_rounds(valid / "funding_rounds.csv", campaign, yearly)
    assert set(rounds_yearly["currency"]) <= {"EUR", "USD", "GBP"}
    rounds, _ = read_rounds(valid / "funding_rounds.csv", campaign, rates)
    assert len(rounds) == len(rounds_yearly)


# -- the campaign chooses the readers ---------------------------------------------------------------

def _campaign_with(tmp_path, sections: str):
    from frenchtech.campaign import load_campaign

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "campaign.toml"
    path.write_text((root / "tests" / "fixtures" / "mini-2014.toml").read_text(encoding="utf-8") + sections,
                    encoding="utf-8")
    return load_campaign(path)


@pytest.mark.parametrize("sections, words", [
    ('\n[evidence.rates]\nformat = "ecb"\nrule = "daily"\n', "[evidence.rates] rule: expected one of 'day' or"),
    ('\n[evidence.rates]\nrule = "day"\n', 'rule = "day" needs format = "ecb"'),
    ('\n[evidence.rounds]\nformat = "dealroom"\n', "[evidence.rounds] format: expected one of"),
    ('\n[evidence.rounds]\nformat = "crunchbase"\nsheet = "x"\n', "[evidence.rounds] unknown key 'sheet'"),
    ('\n[evidence.rounds]\nformat = "mapping"\nfile = "deals.xlsx"\n', "needs file (the export) and profile"),
])
def test_unknown_reader_choices_are_refused_with_their_line(tmp_path, sections, words):
    from frenchtech.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        _campaign_with(tmp_path, sections)
    assert words in str(info.value) and "campaign.toml:" in str(info.value)


def test_a_mapped_export_through_the_campaign_is_read_and_recorded(tmp_path):
    from frenchtech.sources.evidence import read_evidence_folder

    campaign = _campaign_with(tmp_path, '\n[evidence.rounds]\nformat = "mapping"\nfile = "deals.csv"\nprofile = "deals.toml"\n'
                                        '\n[evidence.rates]\nformat = "ecb"\nrule = "day"\n')
    folder = tmp_path / "ev"
    folder.mkdir()
    for name in ("structures.csv", "initiatives.csv"):
        shutil.copy(Path(__file__).parent / "fixtures" / "valid" / name, folder / name)
    shutil.copy(FIXTURES / "dealroom.csv", folder / "deals.csv")
    shutil.copy(FIXTURES / "dealroom-profile.toml", folder / "deals.toml")
    with zipfile.ZipFile(folder / "eurofxref-hist.zip", "w") as z:
        z.write(FIXTURES / "eurofxref-hist.csv", "eurofxref-hist.csv")
    ev = read_evidence_folder(folder, campaign)
    assert ev.rounds["company"].tolist() == ["Atelier Lumen", "Café Numérique"]
    assert ev.readers["rounds"] == {"reader": "mapping", "file": "deals.csv", "profile": "deals.toml",
                                    "profile_name": "Dealroom export (CSV, French conventions)"}
    assert ev.readers["rates"] == {"reader": "ecb", "file": "eurofxref-hist.zip", "rule": "day"}
    assert ev.paths["rounds"] == [folder / "deals.csv", folder / "deals.toml"]
    (folder / "eurofxref-hist.zip").unlink()
    with pytest.raises(InputError) as info:
        read_evidence_folder(folder, campaign)
    assert "eurofxref-hist.csv" in str(info.value) and "file not found" in str(info.value)


def test_frenchtech_sources_lists_readers_files_and_publishers():
    import json

    from click.testing import CliRunner

    from frenchtech.cli.main import main

    text = CliRunner().invoke(main, ["sources"])
    assert text.exit_code == 0
    assert 'format = "crunchbase"' in text.output and "eurofxref-hist.zip" in text.output
    assert "ilab_laureats.csv" in text.output and "StockEtablissement_utf8.zip" in text.output
    listed = json.loads(CliRunner().invoke(main, ["sources", "--json"]).output)
    assert {(r["source"], r["format"]) for r in listed} >= {("rounds", "crunchbase"), ("rounds", "mapping"),
                                                           ("rates", "ecb"), ("laureates", "ilab")}
