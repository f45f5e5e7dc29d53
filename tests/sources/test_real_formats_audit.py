"""The 2014 demo audited with its rounds in Crunchbase's export layout and its rates in the ECB's
layout gives the figures of the same rounds and rates in the layouts of our own design.

Run as a script to write both evidence folders and campaign files for a manual audit::

    .venv/bin/python tests/sources/test_real_formats_audit.py OUT
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "campaigns" / "metropoles-2014.toml"
CRUNCHBASE_HEADER = ("uuid,name,type,permalink,cb_url,rank,created_at,updated_at,country_code,state_code,region,"
                     "city,investment_type,announced_on,raised_amount_usd,raised_amount,raised_amount_currency_code,"
                     "post_money_valuation_usd,post_money_valuation,post_money_valuation_currency_code,"
                     "investor_count,org_uuid,org_name,lead_investor_uuids").split(",")


def _rows(path: Path) -> list[dict]:
    text = "".join(line for line in path.read_text(encoding="utf-8").splitlines(True) if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(text)))


def _city(row: dict, geo) -> str:
    """The city a deal database writes: the commune's name (Paris for its arrondissements)."""
    if row["commune_code"]:
        return geo.communes.at[geo.parent_commune(row["commune_code"]), "name"]
    return row["city"]


def ecb_layout(rates: list[dict]) -> tuple[str, dict[tuple[str, int], list[float]]]:
    """An eurofxref-hist.csv holding, for every weekday of each year, a rate around the yearly rate
    (units per euro, 4 decimals, as the ECB writes them); N/A on the 1st of May (no fixing)."""
    currencies = sorted({r["currency"] for r in rates})
    years = sorted({int(r["year"]) for r in rates})
    yearly = {(r["currency"], int(r["year"])): float(r["eur_per_unit"]) for r in rates}
    daily: dict[tuple[str, int], list[float]] = {}
    lines = []
    day = dt.date(years[-1], 12, 31)
    while day >= dt.date(years[0], 1, 1):
        if day.weekday() < 5:
            cells = []
            for c in currencies:
                if (day.month, day.day) == (5, 1) or (c, day.year) not in yearly:
                    cells.append("N/A")
                    continue
                value = round(1 / yearly[(c, day.year)] * (1 + 0.002 * math.sin(day.toordinal())), 4)
                daily.setdefault((c, day.year), []).append(value)
                cells.append(f"{value:.4f}")
            lines.append(f"{day.isoformat()},{','.join(cells)},")
        day -= dt.timedelta(days=1)
    return f"Date,{','.join(currencies)},\n" + "\n".join(lines) + "\n", daily


def write_formats(demo: Path, out: Path) -> tuple[Path, Path, Path, Path]:
    """From a generated demo folder, two evidence folders holding the same rounds and rates:
    ``todays`` (funding_rounds.csv located by city, exchange_rates.csv of yearly averages) and
    ``crunchbase-ecb`` (Crunchbase's funding_rounds.csv, the ECB's eurofxref-hist.csv); and the
    campaign file of each."""
    from frenchtech.geo import load_geography

    geo = load_geography(2014)
    rounds, rates = _rows(demo / "funding_rounds.csv"), _rows(demo / "exchange_rates.csv")
    ecb_text, daily = ecb_layout(rates)
    todays, crunch = out / "todays", out / "crunchbase-ecb"
    for folder in (todays, crunch):
        shutil.copytree(demo, folder, ignore=shutil.ignore_patterns("funding_rounds.csv", "exchange_rates.csv"))
    (crunch / "eurofxref-hist.csv").write_text(ecb_text, encoding="utf-8")
    with open(todays / "exchange_rates.csv", "w", encoding="utf-8", newline="") as f:
        f.write("# the yearly average of the ECB-layout rates beside, as euros per unit\n")
        f.write("currency,year,eur_per_unit\n")
        for (c, y), values in sorted(daily.items()):
            f.write(f"{c},{y},{1.0 / (math.fsum(values) / len(values))!r}\n")
    with open(todays / "funding_rounds.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["company", "city", "date", "amount", "currency", "round_type"])
        for r in rounds:
            w.writerow([r["company"], _city(r, geo), r["date"], r["amount"], r["currency"], r["round_type"]])
    with open(crunch / "funding_rounds.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, CRUNCHBASE_HEADER, lineterminator="\n")
        w.writeheader()
        for i, r in enumerate(rounds, start=1):
            w.writerow({"uuid": f"00000000-0000-4000-8000-{i:012d}", "name": f"{r['round_type']} - {r['company']}",
                        "type": "funding_round", "country_code": "FRA", "city": _city(r, geo),
                        "investment_type": r["round_type"], "announced_on": r["date"], "raised_amount": r["amount"],
                        "raised_amount_currency_code": r["currency"], "org_name": r["company"]})
        # a deal abroad, as a search export holds some: left out, and listed in the city report
        w.writerow({"uuid": "00000000-0000-4000-8000-999999999999", "country_code": "GBR", "city": "London",
                    "investment_type": "seed", "announced_on": "2014-05-02", "raised_amount": "2000000",
                    "raised_amount_currency_code": "GBP", "org_name": "Harbour Data"})
    base = CAMPAIGN.read_text(encoding="utf-8")
    plain, real = out / "todays.toml", out / "crunchbase-ecb.toml"
    plain.write_text(base, encoding="utf-8")
    real.write_text(base + '\n[evidence.rounds]\nformat = "crunchbase"\n\n[evidence.rates]\nformat = "ecb"\n'
                    'rule = "year_average"\n', encoding="utf-8")
    return todays, plain, crunch, real


def test_demo_from_crunchbase_and_ecb_equals_todays_layout(tmp_path):
    from frenchtech.audit import run_audit
    from frenchtech.audit.folder import read
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(CAMPAIGN)
    generate_evidence(campaign, tmp_path / "demo", rows=20_000, seed=campaign.seed)
    todays, plain, crunch, real = write_formats(tmp_path / "demo", tmp_path)
    a = run_audit(load_campaign(plain), todays, tmp_path / "audit-todays")
    b = run_audit(load_campaign(real), crunch, tmp_path / "audit-crunchbase-ecb")

    assert (a.measures["funding_rounds"] > 0).all() and (a.measures["funding_eur"] > 0).all()
    pd.testing.assert_frame_equal(a.measures, b.measures, check_exact=True)
    pd.testing.assert_frame_equal(a.indicators, b.indicators, check_exact=True)
    pd.testing.assert_frame_equal(a.scores, b.scores, check_exact=True)
    pd.testing.assert_frame_equal(a.decisions, b.decisions, check_exact=True)
    print("\nterritory           funding_eur (today's layout)   funding_eur (Crunchbase + ECB)   rounds")
    for t, row in a.measures.iterrows():
        print(f"{t:<20}{row['funding_eur']:>28,.2f}{b.measures.at[t, 'funding_eur']:>33,.2f}"
              f"{int(row['funding_rounds']):>9}")

    ma, mb = read(tmp_path / "audit-todays").manifest, read(tmp_path / "audit-crunchbase-ecb").manifest
    assert ma["sources"]["rounds"] == {"reader": "frenchtech", "file": "funding_rounds.csv"}
    assert mb["sources"]["rounds"] == {"reader": "crunchbase", "file": "funding_rounds.csv"}
    assert mb["sources"]["rates"] == {"reader": "ecb", "file": "eurofxref-hist.csv", "rule": "year_average"}
    assert "source rates: eurofxref-hist.csv read as ecb, rule year_average" in b.notes
    # the same city report, plus the deal abroad
    abroad = [r for r in pd.read_csv(tmp_path / "audit-crunchbase-ecb" / "city_report.csv")
              .to_dict("records") if r["problem"] == "abroad"]
    assert [r["city"] for r in abroad] == ["London"]
    ra = pd.read_csv(tmp_path / "audit-todays" / "city_report.csv")
    rb = pd.read_csv(tmp_path / "audit-crunchbase-ecb" / "city_report.csv")
    assert ra["problem"].tolist() == [p for p in rb["problem"] if p != "abroad"]


def test_the_day_rule_changes_the_figures_and_is_recorded(tmp_path):
    """The rule is the campaign's: the day's rate converts each round differently from the average."""
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.evidence import read_evidence_folder
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(CAMPAIGN)
    generate_evidence(campaign, tmp_path / "demo", rows=2_000, seed=campaign.seed)
    _, _, crunch, real = write_formats(tmp_path / "demo", tmp_path)
    day = tmp_path / "day.toml"
    day.write_text(real.read_text().replace('rule = "year_average"', 'rule = "day"'))
    average = read_evidence_folder(crunch, load_campaign(real))
    daily = read_evidence_folder(crunch, load_campaign(day))
    assert daily.readers["rates"]["rule"] == "day"
    foreign = average.rounds["currency"] != "EUR"
    assert foreign.any()
    assert (average.rounds.loc[~foreign, "amount_eur"] == daily.rounds.loc[~foreign, "amount_eur"]).all()
    assert (average.rounds.loc[foreign, "amount_eur"] != daily.rounds.loc[foreign, "amount_eur"]).any()


if __name__ == "__main__":   # write the two folders for a manual audit
    from frenchtech.campaign import load_campaign
    from frenchtech.sources.generate import generate_evidence

    out = Path(sys.argv[1])
    c = load_campaign(CAMPAIGN)
    generate_evidence(c, out / "demo", rows=int(sys.argv[2]) if len(sys.argv) > 2 else 200_000, seed=c.seed)
    for p in write_formats(out / "demo", out):
        print(p)


def test_a_malformed_export_stops_the_audit_and_leaves_the_last_one_whole(tmp_path):
    """`frenchtech audit` on a broken Crunchbase export or ECB file: exit 2, the error names the file,
    line and column, and the previous output folder is left as it was."""
    from click.testing import CliRunner

    from frenchtech.campaign import load_campaign
    from frenchtech.cli.main import main
    from frenchtech.sources.generate import generate_evidence

    campaign = load_campaign(CAMPAIGN)
    generate_evidence(campaign, tmp_path / "demo", rows=2_000, seed=campaign.seed)
    _, _, crunch, real = write_formats(tmp_path / "demo", tmp_path)
    out = tmp_path / "audit"
    ok = CliRunner().invoke(main, ["audit", "--campaign", str(real), "--evidence", str(crunch), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    rounds = crunch / "funding_rounds.csv"
    lines = rounds.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[5].split(",")   # the round on line 6 (its fields hold no comma)
    cells[CRUNCHBASE_HEADER.index("announced_on")] = "05/03/2013"
    lines[5] = ",".join(cells)
    rounds.write_text("".join(lines), encoding="utf-8")
    bad = CliRunner().invoke(main, ["audit", "--campaign", str(real), "--evidence", str(crunch), "--out", str(out)])
    assert bad.exit_code == 2
    assert f"{rounds}, line 6, column 'announced_on': bad date '05/03/2013'" in bad.output
    rates = crunch / "eurofxref-hist.csv"
    rates.write_text(rates.read_text().replace(",", ";", 30))
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".audit-")]
    broken = CliRunner().invoke(main, ["audit", "--campaign", str(real), "--evidence", str(crunch), "--out", str(out)])
    assert broken.exit_code == 2 and f"{rates}, line 1, column" in broken.output
