"""Build the compact geography files shipped in ``frenchtech/geo/data`` from the open data in
``../shared/data/geography`` (INSEE, DGCL, Etalab; Licence Ouverte).

Run: ``python scripts/build_geodata.py [SHARED_DATA_DIR]``. The output is committed, so users never
need the source folder; re-running it on the same sources gives byte-identical Parquet files.
"""
from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "frenchtech" / "geo" / "data"


def _pop2013(src: Path) -> pd.DataFrame:
    """Legal municipal populations 2013 (PMUN13) for communes and PLM arrondissements."""
    kw = dict(sep=";", dtype=str, encoding="utf-8")
    metro = pd.read_csv(src / "population_2013_metropole.csv", **kw)
    dom = pd.read_csv(src / "population_2013_dom.csv", **kw)
    # The DOM file's DEPCOM is already the full 5-character code (97101).
    arr = pd.read_csv(src / "population_2013_arrondissements.csv", **kw)
    communes = pd.concat([metro[["DEPCOM", "LIBMIN", "PMUN13", "REG"]], dom[["DEPCOM", "LIBMIN", "PMUN13", "REG"]]])
    communes["kind"] = "commune"
    arr = arr[["DEPCOM", "LIBMIN", "PMUN13"]].assign(kind="arrondissement")
    arr["REG"] = [{"75": "11", "69": "82", "13": "93"}[c[:2]] for c in arr["DEPCOM"]]
    out = pd.concat([communes, arr]).rename(columns={"DEPCOM": "code", "LIBMIN": "name", "PMUN13": "population",
                                                     "REG": "region"})
    out["code"] = out["code"].str.zfill(5)
    out["population"] = out["population"].astype("int64")
    return out


def _parent_of_arrondissement(code: str) -> str | None:
    if code.startswith("751"):
        return "75056"
    if code.startswith("6938"):
        return "69123"
    if code.startswith("132"):
        return "13055"
    return None


def _vintage(src: Path, year: int, pop: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    comp = pd.read_csv(src / f"epci_composition_{year}.csv", sep=";", dtype=str, encoding="utf-8")
    comp["insee"] = comp["insee"].str.zfill(5)
    epci = (comp[["siren", "nom", "nature"]].drop_duplicates("siren")
            .rename(columns={"nom": "name"}).sort_values("siren"))
    member = comp[["insee", "siren", "nom_com", "pmun_com"]].rename(columns={"insee": "code", "siren": "epci"})
    communes = pop.merge(member, on="code", how="outer")
    # Communes created after the 2013 census (communes nouvelles of 1 January 2015) carry the
    # municipal population the DGCL published with the perimeter.
    missing = communes["population"].isna()
    communes.loc[missing, "population"] = communes.loc[missing, "pmun_com"].astype("int64")
    communes.loc[missing, "name"] = communes.loc[missing, "nom_com"]
    communes["population_source"] = "INSEE PMUN13"
    communes.loc[missing, "population_source"] = f"DGCL {year} pmun"
    communes["population"] = communes["population"].astype("int64")
    communes["kind"] = communes["kind"].fillna("commune")
    communes["parent"] = [(_parent_of_arrondissement(c) if k == "arrondissement" else None)
                          for c, k in zip(communes["code"], communes["kind"])]
    communes["dep"] = [c[:3] if c.startswith("97") else c[:2] for c in communes["code"]]
    # Communes nouvelles take the region of their department.
    dep_region = communes.dropna(subset=["region"]).groupby("dep")["region"].first()
    communes["region"] = communes["region"].fillna(communes["dep"].map(dep_region))
    communes["vintage"] = year
    communes = communes[["vintage", "code", "name", "kind", "parent", "dep", "region", "population",
                         "population_source", "epci"]]
    epci["vintage"] = year
    return communes.sort_values("code").reset_index(drop=True), epci[["vintage", "siren", "name", "nature"]]


def _current(src: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = json.load(gzip.open(src / "communes_2026.json.gz"))
    epcis = json.load(gzip.open(src / "epci_2026.json.gz"))
    member_of = {m["code"]: e["code"] for e in epcis for m in e["membres"]}
    centres = pd.read_csv(src / "communes_2026_centres.csv", dtype=str)
    lonlat = {r.code_insee: (r.lon, r.lat) for r in centres.itertuples()}
    rows = []
    for c in raw:
        if c["type"] not in ("commune-actuelle", "arrondissement-municipal"):
            continue  # delegated/associated communes are not separate units of the COG
        arr = c["type"] == "arrondissement-municipal"
        lon, lat = lonlat.get(c["code"], (None, None))
        rows.append({
            "vintage": 2026, "code": c["code"], "name": c["nom"],
            "kind": "arrondissement" if arr else "commune", "parent": c.get("commune") if arr else None,
            "dep": c["departement"], "population": int(c.get("population") or 0),
            "population_source": "INSEE (COG 2026)", "epci": None if arr else member_of.get(c["code"]),
            "region": c.get("region"),
            "lon": float(lon) if lon else None, "lat": float(lat) if lat else None,
        })
    communes = pd.DataFrame(rows).sort_values("code").reset_index(drop=True)
    epci = pd.DataFrame([{"vintage": 2026, "siren": e["code"], "name": e["nom"], "nature": e["type"]}
                         for e in epcis]).sort_values("siren")
    return communes, epci


def main(shared: Path) -> None:
    src = shared / "geography"
    OUT.mkdir(parents=True, exist_ok=True)
    pop = _pop2013(src)
    parts = [_vintage(src, 2014, pop), _vintage(src, 2015, pop), _current(src)]
    communes = pd.concat([p[0] for p in parts], ignore_index=True)
    epci = pd.concat([p[1] for p in parts], ignore_index=True)
    communes.to_parquet(OUT / "communes.parquet", index=False, compression="zstd")
    epci.to_parquet(OUT / "epci.parquet", index=False, compression="zstd")
    for name in ("departements_2026.json", "regions_2026.json"):
        shutil.copy(src / name, OUT / name)
    print(f"communes: {len(communes):,} rows, epci: {len(epci):,} rows -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
