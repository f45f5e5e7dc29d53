"""Load the shipped geography of one vintage and build territories from it."""
from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import resources

import pandas as pd

from frenchtech.errors import GeographyError
from frenchtech.geo.territory import Territory

VINTAGES = (2014, 2015, 2026)


def _data(name: str):
    return resources.files("frenchtech.geo") / "data" / name


@lru_cache(maxsize=1)
def _all_communes() -> pd.DataFrame:
    with _data("communes.parquet").open("rb") as f:
        return pd.read_parquet(f)


@lru_cache(maxsize=1)
def _all_epci() -> pd.DataFrame:
    with _data("epci.parquet").open("rb") as f:
        return pd.read_parquet(f)


def normalise_name(name: str) -> str:
    """Fold a place name for matching: no accents, no case, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    for ch in "-'’":
        text = text.replace(ch, " ")
    text = text.replace("saint ", "st ").replace("sainte ", "ste ")
    return " ".join(text.split())


class Geography:
    """Communes and EPCI of one vintage."""

    def __init__(self, vintage: int):
        if vintage not in VINTAGES:
            raise GeographyError(f"unknown geography vintage {vintage!r}; available: {', '.join(map(str, VINTAGES))}")
        self.vintage = vintage
        c = _all_communes()
        self.communes = c[c["vintage"] == vintage].drop(columns="vintage").set_index("code", drop=False)
        e = _all_epci()
        self.epci = e[e["vintage"] == vintage].drop(columns="vintage").set_index("siren", drop=False)
        arr = self.communes[self.communes["kind"] == "arrondissement"]
        self._arrondissements: dict[str, list[str]] = arr.groupby("parent")["code"].apply(list).to_dict()
        self._by_name: dict[str, list[str]] | None = None

    # -- lookups -------------------------------------------------------------------------------
    def epci_members(self, siren: str) -> list[str]:
        siren = str(siren).strip()
        if siren not in self.epci.index:
            raise GeographyError(f"unknown EPCI SIREN {siren!r} in the {self.vintage} geography")
        members = self.communes.index[self.communes["epci"] == siren]
        return sorted(members)

    def commune(self, code: str) -> pd.Series:
        code = str(code).strip().zfill(5)
        if code not in self.communes.index:
            raise GeographyError(f"unknown commune code {code!r} in the {self.vintage} geography")
        return self.communes.loc[code]

    def resolve_city(self, name: str, department: str | None = None) -> list[str]:
        """Commune codes whose name matches ``name`` (accent- and case-insensitive).

        Arrondissements resolve to their commune. Several codes mean the name is ambiguous.
        """
        if self._by_name is None:
            index: dict[str, list[str]] = {}
            for code, nm, kind in zip(self.communes["code"], self.communes["name"], self.communes["kind"]):
                if kind == "commune":
                    index.setdefault(normalise_name(nm), []).append(code)
            self._by_name = index
        codes = self._by_name.get(normalise_name(name), [])
        if department:
            codes = [c for c in codes if self.communes.at[c, "dep"] == department]
        return sorted(codes)

    def match_codes(self, communes) -> list[str]:
        """The communes plus the arrondissements of Paris, Lyon and Marseille among them."""
        out = set(communes)
        for c in communes:
            out.update(self._arrondissements.get(c, ()))
        return sorted(out)

    def parent_commune(self, code: str) -> str:
        """The commune an arrondissement code belongs to (or the code itself)."""
        if code in self.communes.index:
            parent = self.communes.at[code, "parent"]
            if isinstance(parent, str) and parent:
                return parent
        return code

    # -- territories ---------------------------------------------------------------------------
    def territory(self, id: str, name: str, epci=(), communes=()) -> Territory:
        """Build a territory from EPCI SIREN codes and/or commune codes; unknown codes are errors."""
        members: set[str] = set()
        errors = []
        for siren in epci:
            try:
                members.update(self.epci_members(siren))
            except GeographyError as exc:
                errors.append(str(exc))
        extra = []
        for code in communes:
            code = str(code).strip().zfill(5)
            if code not in self.communes.index:
                errors.append(f"unknown commune code {code!r} in the {self.vintage} geography")
                continue
            code = self.parent_commune(code) if self.communes.at[code, "kind"] == "arrondissement" else code
            extra.append(code)
            members.add(code)
        if errors:
            raise GeographyError(f"territory {id!r}: " + "; ".join(errors))
        if not members:
            raise GeographyError(f"territory {id!r} has no commune: give EPCI SIREN codes or commune codes")
        codes = tuple(sorted(members))
        population = int(self.communes.loc[list(codes), "population"].sum())
        return Territory(id=id, name=name, vintage=self.vintage, communes=codes, population=population,
                         epci=tuple(str(s).strip() for s in epci), extra_communes=tuple(sorted(extra)),
                         match_codes=tuple(self.match_codes(codes)))

    def membership(self, territories) -> pd.DataFrame:
        """One row per (territory, register code): the join table used by every indicator."""
        rows = [(t.id, code) for t in territories for code in t.match_codes]
        return pd.DataFrame(rows, columns=["territory", "commune"])


@cache
def load_geography(vintage: int) -> Geography:
    return Geography(int(vintage))
