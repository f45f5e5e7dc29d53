"""Each reader on a valid file and on broken ones: the error names file, line, column, expected form."""
import dataclasses
import datetime as dt
import shutil

import pandas as pd
import pytest

from frenchtech.errors import InputError
from frenchtech.sources.evidence import read_evidence_folder
from frenchtech.sources.frames import INITIATIVES, ROUNDS, STRUCTURES
from frenchtech.sources.initiatives import read_initiatives
from frenchtech.sources.rates import read_exchange_rates
from frenchtech.sources.rounds import read_rounds
from frenchtech.sources.structures import read_structures


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def error_of(call, *args):
    with pytest.raises(InputError) as info:
        call(*args)
    return info.value


# -- valid files -----------------------------------------------------------------------------------

def test_valid_folder(valid, campaign):
    ev = read_evidence_folder(valid, campaign)
    r = ev.rounds
    assert list(r.columns) == list(ROUNDS)
    assert r["line"].tolist() == [3, 4, 5, 8]  # physical lines: the comment is line 1
    assert r["commune"].tolist() == ["69383", "69123", "93066", "2A004"]
    assert r["amount_eur"].tolist() == [1_500_000.0, 1_500_000.0, 625_000.0, 250_000.5]
    assert r["investors"].iloc[0] == "Fonds Un;Fonds Deux"
    assert r["siren"].iloc[2] == "012345678"
    assert r["date"].iloc[0] == pd.Timestamp("2012-03-15")
    assert [(c["line"], c["problem"]) for c in ev.city_report] == [(6, "ambiguous"), (7, "unknown")]
    assert "93066" in ev.city_report[0]["candidates"] and len(ev.city_report[0]["candidates"]) > 1
    s = ev.structures
    assert s["kind"].tolist() == ["incubator", "startup_studio", "coworking"]
    assert pd.isna(s["closed"].iloc[0]) and s["closed"].iloc[1] == pd.Timestamp("2013-12-31")
    assert s["capacity"].dtype == "int64"
    assert ev.initiatives["commune"].tolist() == ["69123", "75111"]
    assert ev.dossiers == {"lyon": {"funding_eur": 3500000, "support_structures": 1, "initiatives": 1},
                           "toulouse": {"funding_rounds": 12, "support_capacity": 250.5}}
    assert ev.dossier_info["lyon"]["submitted"] == dt.date(2014, 6, 30)
    assert len(ev.paths["dossiers"]) == 2


def test_missing_optional_files_give_typed_empty_frames(tmp_path, campaign):
    with pytest.raises(InputError, match="funding_rounds.csv: file not found"):
        read_evidence_folder(tmp_path, campaign)  # required unless the campaign marks them optional
    evidence = campaign.model.evidence.model_copy(update={"optional": ["funding_rounds", "structures", "initiatives"]})
    campaign = dataclasses.replace(campaign, model=campaign.model.model_copy(update={"evidence": evidence}))
    ev = read_evidence_folder(tmp_path, campaign)
    for frame, schema in ((ev.rounds, ROUNDS), (ev.structures, STRUCTURES), (ev.initiatives, INITIATIVES)):
        assert frame.empty and list(frame.columns) == list(schema)
        assert {c: str(t) for c, t in frame.dtypes.items()} == {c: str(pd.Series([], dtype=t).dtype)
                                                                for c, t in schema.items()}
    assert ev.dossiers == {} and ev.city_report == []


def test_department_disambiguates_city(tmp_path, campaign):
    p = write(tmp_path, "r.csv", "company,city,department,date,amount,currency\n"
                                 "A,Sainte-Colombe,69,2012-01-01,10,EUR\nB,Sainte-Colombe,,2012-01-01,10,EUR\n")
    frame, report = read_rounds(p, campaign)
    assert frame["commune"].tolist() == ["69189"]
    assert report[0]["line"] == 3 and report[0]["problem"] == "ambiguous" and len(report[0]["candidates"]) > 5


# -- broken files ----------------------------------------------------------------------------------

HEAD = "name,kind,commune_code,opened,closed,capacity\n"
ROW = "Ruche,coworking,69383,2014-04-01,,30\n"


@pytest.mark.parametrize("text, line, column, words", [
    ("name,kind,commune,opened,closed,capacity\n" + ROW, 1, "commune", "unknown column"),
    ("name,kind,opened,closed,capacity\n", 1, "commune_code", "missing column"),
    (HEAD + ROW + "Lab,incubator,6938,2014-04-01,,30\n", 3, "commune_code", "bad commune code"),
    (HEAD + "Lab,incubator,99999,2014-04-01,,30\n", 2, "commune_code", "unknown commune code"),
    (HEAD + "Lab,incubator,2C004,2014-04-01,,30\n", 2, "commune_code", "bad commune code"),
    (HEAD + ROW + ROW + "Lab,incubator,69383,01/04/2014,,30\n", 4, "opened", "bad date"),
    (HEAD + "Lab,incubator,69383,2014-02-30,,30\n", 2, "opened", "bad date"),
    (HEAD + "Lab,incubator,69383,2014-04-01,,-3\n", 2, "capacity", "negative"),
    (HEAD + "Lab,incubator,69383,2014-04-01,,many\n", 2, "capacity", "not a number"),
    (HEAD + "Lab,fablab,69383,2014-04-01,,3\n", 2, "kind", "unknown kind"),
    (HEAD + ROW + "Lab,incubator,69383,2014-0", 3, "opened", "truncated"),
    (HEAD + ROW + "Lab,incubator,69383,2014-04-01,,30,extra\n", 3, "capacity", "7 fields"),
])
def test_structures_errors(tmp_path, campaign, text, line, column, words):
    path = write(tmp_path, "structures.csv", text)
    err = error_of(read_structures, path, campaign)
    assert (err.path, err.line, err.column) == (str(path), line, column)
    assert words in str(err) and "structures.csv" in str(err) and err.expected
    assert f"line {line}" in str(err) and f"column '{column}'" in str(err)


def test_unterminated_quote_is_truncated(tmp_path, campaign):
    path = write(tmp_path, "structures.csv", HEAD + ROW + '"Lab, open,incubator,69383,2014-04-01,,30\n')
    err = error_of(read_structures, path, campaign)
    assert err.line == 3 and "truncated" in str(err)


def test_latin1_reports_first_bad_line(tmp_path, campaign):
    path = write(tmp_path, "structures.csv", HEAD + ROW + ROW + "Pépinière,incubator,69383,2014-04-01,,30\n",
                 encoding="latin-1")
    err = error_of(read_structures, path, campaign)
    assert err.line == 4 and "UTF-8" in str(err)


def test_comment_lines_and_bom(tmp_path, campaign):
    path = tmp_path / "structures.csv"
    path.write_bytes(b"\xef\xbb\xbf# GENERATED DATA\n# second comment\n" + (HEAD + ROW).encode())
    frame = read_structures(path, campaign)
    assert frame["line"].tolist() == [4]


def test_initiatives_errors(tmp_path, campaign):
    head = "name,kind,commune_code,date,participants\n"
    err = error_of(read_initiatives, write(tmp_path, "i.csv", head + "X,party,69383,2014-01-01,3\n"), campaign)
    assert (err.line, err.column) == (2, "kind")
    err = error_of(read_initiatives, write(tmp_path, "i.csv", head + "X,meetup,69383,2014-13-01,3\n"), campaign)
    assert (err.line, err.column) == (2, "date")
    err = error_of(read_initiatives, write(tmp_path, "i.csv", head + "X,meetup,69383,2014-01-01,2.5\n"), campaign)
    assert (err.line, err.column) == (2, "participants")


RHEAD = "company,siren,commune_code,city,date,amount,currency,round_type,investors\n"


@pytest.mark.parametrize("row, column, words", [
    ("A,12345,69383,,2012-01-01,10,EUR,seed,\n", "siren", "bad SIREN"),
    ("A,,,,2012-01-01,10,EUR,seed,\n", "commune_code", "no commune code and no city"),
    ("A,,69383,,2012-01-01,-10,EUR,seed,\n", "amount", "negative"),
    ("A,,69383,,2012-01-01,1 000,EUR,seed,\n", "amount", "not a number"),
    ("A,,69383,,2012-01-01,10,JPY,seed,\n", "currency", "unknown currency 'JPY'"),
    ("A,,69383,,2010-01-01,10,USD,seed,\n", "currency", "no exchange rate for USD in 2010"),
    ("A,,69383,,2012-1-1,10,EUR,seed,\n", "date", "bad date"),
    ("A,,1001,,2012-01-01,10,EUR,seed,\n", "commune_code", "bad commune code"),
])
def test_rounds_errors(tmp_path, campaign, valid, row, column, words):
    rates = read_exchange_rates(valid / "exchange_rates.csv")
    path = write(tmp_path, "funding_rounds.csv", "# comment\n" + RHEAD + "A,,69383,,2012-01-01,10,EUR,seed,\n" + row)
    err = error_of(read_rounds, path, campaign, rates)
    assert (err.line, err.column) == (4, column)
    assert words in str(err) and "funding_rounds.csv" in str(err)


def test_rounds_needs_a_place_column(tmp_path, campaign):
    err = error_of(read_rounds, write(tmp_path, "r.csv", "company,date,amount,currency\n"), campaign)
    assert (err.line, err.column) == (1, "commune_code")


def test_rates_errors(tmp_path):
    err = error_of(read_exchange_rates, write(tmp_path, "x.csv", "currency,year,eur_per_unit\nusd,2014,0.7\n"))
    assert (err.line, err.column) == (2, "currency")
    err = error_of(read_exchange_rates, write(tmp_path, "x.csv", "currency,year,eur_per_unit\nUSD,2014,0\n"))
    assert (err.line, err.column) == (2, "eur_per_unit")


def test_folder_error_propagates(tmp_path, valid, campaign):
    folder = tmp_path / "ev"
    shutil.copytree(valid, folder)
    (folder / "initiatives.csv").write_text("name,kind,commune_code,date,participants\nX,meetup,75000,2014-01-01,1\n")
    err = error_of(read_evidence_folder, folder, campaign)
    assert err.path.endswith("initiatives.csv") and (err.line, err.column) == (2, "commune_code")
