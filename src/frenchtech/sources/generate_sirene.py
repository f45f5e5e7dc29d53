"""Write a SIRENE-shaped ``StockEtablissement_utf8.csv`` (INSEE's 53 columns, national, seeded) and
its ``StockEtablissementHistorique_utf8.csv`` (INSEE's 18 columns: the periods of each establishment).

Rows are drawn in chunks of ``CHUNK`` rows with vectorised numpy and written with polars, so memory
stays bounded whatever the size. Each chunk has its own random stream (seed, chunk number): the files
depend only on (campaign, rows, seed). While writing, per-unit counts of the catalogue's register
measures are kept so that dossiers can declare figures close to what an audit will observe.

Establishments are created up to the campaign's last year and may close until the end of
``STOCK_YEAR``: the files are a stock as published then, read years after the campaign's window, as
a replay of a past campaign reads today's register. A closure is an establishment's only change: it
has one period (active) or two (active, then closed from its closure on), and the stock's
``dateDebut`` is the start of its current period.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import numpy as np
import polars as pl

from frenchtech.sources.places import Places, naf_codes
from frenchtech.sources.sirene_columns import ESTABLISHMENT_COLUMNS, HISTORY_COLUMNS

CHUNK = 1_000_000
FIRST_YEAR = 1970
SIREN_STEP = 387_420_489     # 3**18, prime to 10**9: row number -> SIREN is one-to-one
STOCK_YEAR = 2025           # closures are drawn up to the end of this year (or of the campaign's last)
TECH_BASE = 0.01            # tech share of a 10,000-inhabitant city ...
TECH_ELASTICITY = 0.25      # ... growing as city population ** 0.25 (superlinear density)
HEAD_OFFICE_SHARE = 0.6
MISSING_DATE_SHARE = 0.01
TRANCHES = {"NN": 0.50, "00": 0.17, "01": 0.10, "02": 0.07, "03": 0.05, "11": 0.04, "12": 0.03,
            "21": 0.02, "22": 0.01, "31": 0.005, "32": 0.003, "41": 0.001, "42": 0.0005, "51": 0.0003,
            "52": 0.0001, "53": 0.0001}
EMPLOYER = ("01", "02", "03", "11", "12", "21", "22", "31", "32", "41", "42", "51", "52", "53")
MEASURES = ("tech_created", "tech_active", "new_companies")


def _days(year: int, month: int = 1, day: int = 1) -> int:
    return (dt.date(year, month, day) - dt.date(1970, 1, 1)).days


class RegisterModel:
    """Per-unit weights and the distributions rows are drawn from."""

    def __init__(self, places: Places, campaign, seed: int):
        self.places = places
        self.last_year = max(campaign.window[1], campaign.vintage)
        self.window = campaign.window
        rng = np.random.default_rng([seed, 1])
        noise = np.exp(rng.normal(0.0, 0.2, len(places.codes)))
        weight = places.population ** 1.05 * places.factor ** 0.3 * noise
        self.unit_p = weight / weight.sum()
        share = TECH_BASE * (np.maximum(places.city_population, 1.0) / 1e4) ** TECH_ELASTICITY
        self.tech_share = np.clip(share * places.factor * noise, 0.0, 0.25)
        tech_p = self.unit_p * self.tech_share
        self.tech_rate = float(tech_p.sum())   # expected share of tech establishments in the register
        self.tech_unit_p = tech_p / tech_p.sum()
        self.tech, self.other = naf_codes(campaign.tech_naf_tags)
        other_w = rng.pareto(1.2, len(self.other)) + 0.05
        self.other_p = other_w / other_w.sum()
        self.years = np.arange(FIRST_YEAR, self.last_year + 1)
        year_w = np.exp(0.07 * (self.years - FIRST_YEAR))
        self.year_p = year_w / year_w.sum()
        self.year_start = np.array([_days(y) for y in self.years], dtype=np.int64)
        self.year_len = np.array([_days(y + 1) - _days(y) for y in self.years], dtype=np.int64)
        self.end_day = _days(self.last_year, 12, 31)
        self.stock_day = _days(max(self.last_year, STOCK_YEAR), 12, 31)
        self.window_end_day = (campaign.window_end - dt.date(1970, 1, 1)).days
        self.tranche_codes = list(TRANCHES)
        p = np.array(list(TRANCHES.values()))
        self.tranche_p = p / p.sum()
        self.s_codes = pl.Series(places.codes.tolist(), dtype=pl.Utf8)
        self.s_labels = pl.Series(places.labels.tolist(), dtype=pl.Utf8)
        self.s_posts = pl.Series(places.postcodes.tolist(), dtype=pl.Utf8)
        self.s_naf = pl.Series(self.tech + self.other, dtype=pl.Utf8)
        self.s_tranche = pl.Series(self.tranche_codes, dtype=pl.Utf8)
        self.employer = np.isin(np.array(self.tranche_codes), EMPLOYER)

    def chunk(self, seed: int, number: int, n: int, tech_only: bool = False
              ) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, np.ndarray]]:
        """(stock rows, their periods, per-unit counts of the register measures). ``tech_only``: tech
        establishments alone, placed as the tech rows of a register are, none of them a head office (the
        rows that bring the tech part of a sampled register to a full register's density)."""
        rng = np.random.default_rng([seed, 2, number])
        counts = rng.multinomial(n, self.tech_unit_p if tech_only else self.unit_p)
        unit = np.repeat(np.arange(len(counts), dtype=np.uint32), counts)
        unit = unit[rng.permutation(n)]
        tech = np.ones(n, dtype=bool) if tech_only else rng.random(n) < self.tech_share[unit]
        naf = np.where(tech, rng.integers(0, len(self.tech), n),
                       len(self.tech) + rng.choice(len(self.other), n, p=self.other_p)).astype(np.uint32)
        year_i = rng.choice(len(self.years), n, p=self.year_p)
        created = self.year_start[year_i] + rng.integers(0, 1 << 30, n) % self.year_len[year_i]
        dated = rng.random(n) >= MISSING_DATE_SHARE
        head = rng.random(n) < HEAD_OFFICE_SHARE
        if tech_only:  # not head offices, so that the new-company counts stay those of the sampled rows
            head[:] = False
        age = self.last_year - self.years[year_i]
        closed = rng.random(n) < 0.08 + 0.6 * age / (self.last_year - FIRST_YEAR)
        # a closed establishment's current period starts at its closure, a day after its creation at
        # the earliest, up to the stock's date
        span = np.maximum(self.stock_day - created, 1)
        start = np.where(closed, created + 1 + rng.integers(0, 1 << 30, n) % span, created)
        tranche = rng.choice(len(self.tranche_codes), n, p=self.tranche_p).astype(np.uint32)
        # distinct SIRENs (hence SIRETs) across the file, as in the register: a bijection of the row number
        siren = (np.arange(number * CHUNK, number * CHUNK + n, dtype=np.int64) * SIREN_STEP
                 + rng.integers(0, 1_000_000_000)) % 1_000_000_000
        nic = np.where(head, rng.integers(10, 100, n), rng.integers(10, 100_000, n))

        year = self.years[year_i]
        in_window = dated & (year >= self.window[0]) & (year <= self.window[1])
        by_end = ~dated | (year <= self.window[1])  # an unknown creation date counts as long ago
        active_at_end = by_end & ~(closed & (start <= self.window_end_day))
        units = len(self.unit_p)
        stats = {"tech_created": np.bincount(unit[tech & in_window], minlength=units),
                 "tech_active": np.bincount(unit[tech & active_at_end], minlength=units),
                 "new_companies": np.bincount(unit[in_window & head], minlength=units)}

        s_siren = pl.Series(siren).cast(pl.Utf8).str.zfill(9)
        s_nic = pl.Series(nic).cast(pl.Utf8).str.zfill(5)
        date_created = pl.Series(created.astype(np.int32)).cast(pl.Date)
        date_start = pl.Series(start.astype(np.int32)).cast(pl.Date)
        undated = pl.Series(~dated)
        frame = pl.DataFrame({
            "siren": s_siren,
            "nic": s_nic,
            "siret": s_siren + s_nic,
            "dateCreationEtablissement": date_created,
            "dateDebut": date_start,
            "undated": undated,
            "trancheEffectifsEtablissement": self.s_tranche.gather(pl.Series(tranche)),
            "etablissementSiege": pl.Series(head),
            "codePostalEtablissement": self.s_posts.gather(pl.Series(unit)),
            "libelleCommuneEtablissement": self.s_labels.gather(pl.Series(unit)),
            "codeCommuneEtablissement": self.s_codes.gather(pl.Series(unit)),
            "etatAdministratifEtablissement": pl.Series(np.where(closed, "F", "A")),
            "activitePrincipaleEtablissement": self.s_naf.gather(pl.Series(naf)),
            "caractereEmployeurEtablissement": pl.Series(np.where(self.employer[tranche] & ~closed, "O", "N")),
        })
        null_date = pl.when(pl.col("undated")).then(None)
        fixed = {"statutDiffusionEtablissement": pl.lit("O"),
                 "nomenclatureActivitePrincipaleEtablissement": pl.lit("NAFRev2"),
                 "dateCreationEtablissement": null_date.otherwise(pl.col("dateCreationEtablissement")),
                 # a closure's date is known even when the creation's is not
                 "dateDebut": pl.when(pl.col("undated") & (pl.col("etatAdministratifEtablissement") == "A"))
                 .then(None).otherwise(pl.col("dateDebut"))}
        columns = [fixed[c].alias(c) if c in fixed else pl.col(c) if c in frame.columns
                   else pl.lit(None, dtype=pl.Utf8).alias(c) for c in ESTABLISHMENT_COLUMNS]
        stock = frame.select(columns)
        return stock, _periods(stock, pl.Series(self.employer[tranche])), stats


def _periods(stock: pl.DataFrame, employer: pl.Series) -> pl.DataFrame:
    """The Historique rows of a chunk of the stock, each establishment's current period first: the
    active period from its creation (open-ended, or ending the day before its closure), and for a
    closed one the closed period from its closure on."""
    s = stock.select("siren", "nic", "siret", "dateCreationEtablissement", "dateDebut",
                     "etatAdministratifEtablissement", "activitePrincipaleEtablissement",
                     "nomenclatureActivitePrincipaleEtablissement").with_columns(
        row=pl.int_range(pl.len(), dtype=pl.UInt32),
        employer=pl.when(employer).then(pl.lit("O")).otherwise(pl.lit("N")))
    closed = pl.col("etatAdministratifEtablissement") == "F"
    first = s.select(
        "row", "siren", "nic", "siret",
        dateFin=pl.when(closed).then(pl.col("dateDebut") - pl.duration(days=1)),
        dateDebut=pl.col("dateCreationEtablissement"),
        etatAdministratifEtablissement=pl.lit("A"),
        changementEtatAdministratifEtablissement=pl.lit(False),
        activitePrincipaleEtablissement="activitePrincipaleEtablissement",
        nomenclatureActivitePrincipaleEtablissement="nomenclatureActivitePrincipaleEtablissement",
        changementActivitePrincipaleEtablissement=pl.lit(False),
        caractereEmployeurEtablissement="employer",
        changementCaractereEmployeurEtablissement=pl.lit(False),
        order=pl.lit(1, dtype=pl.UInt8))
    last = s.filter(closed).select(
        "row", "siren", "nic", "siret",
        dateFin=pl.lit(None, dtype=pl.Date),
        dateDebut="dateDebut",
        etatAdministratifEtablissement=pl.lit("F"),
        changementEtatAdministratifEtablissement=pl.lit(True),
        activitePrincipaleEtablissement="activitePrincipaleEtablissement",
        nomenclatureActivitePrincipaleEtablissement="nomenclatureActivitePrincipaleEtablissement",
        changementActivitePrincipaleEtablissement=pl.lit(False),
        caractereEmployeurEtablissement=pl.lit("N"),
        changementCaractereEmployeurEtablissement=pl.col("employer") == "O",
        order=pl.lit(0, dtype=pl.UInt8))
    periods = pl.concat([first, last]).sort("row", "order")
    blank = {"enseigne1Etablissement", "enseigne2Etablissement", "enseigne3Etablissement",
             "denominationUsuelleEtablissement"}
    unchanged = {"changementEnseigneEtablissement", "changementDenominationUsuelleEtablissement"}
    return periods.select([pl.lit(None, dtype=pl.Utf8).alias(c) if c in blank else pl.lit(False).alias(c)
                           if c in unchanged else pl.col(c) for c in HISTORY_COLUMNS])


def _write(frame: pl.DataFrame, out, digest, header: bool) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=header, date_format="%Y-%m-%d", quote_style="necessary")
    data = buffer.getbuffer()
    digest.update(data)
    out.write(data)
    del data


def tech_rows_for(places: Places, campaign, rows: int, seed: int, register_rows: int) -> int:
    """How many tech-only rows bring the tech establishments of a ``rows``-row register to the density
    of a ``register_rows``-row one (the real register's size for the same population)."""
    rate = RegisterModel(places, campaign, seed).tech_rate
    return max(0, round((register_rows - rows) * rate))


def write_register(path, history_path, places: Places, campaign, rows: int, seed: int, progress=None,
                   tech_rows: int = 0) -> dict:
    """Write the register and its periods; return {"sha256", "rows", "tech_rows", "unit_counts": {measure:
    per-unit counts}, "history": {"sha256", "rows"}}. ``tech_rows`` tech-only rows follow the ``rows``
    sampled ones (see ``RegisterModel.chunk``)."""
    model = RegisterModel(places, campaign, seed)
    totals = {m: np.zeros(len(places.codes), dtype=np.int64) for m in MEASURES}
    digest, history_digest = hashlib.sha256(), hashlib.sha256()
    periods = 0
    with open(path, "wb") as out, open(history_path, "wb") as history:
        done, number = 0, 0
        if rows == 0:
            for columns, f, d in ((ESTABLISHMENT_COLUMNS, out, digest), (HISTORY_COLUMNS, history, history_digest)):
                header = (",".join(columns) + "\n").encode()
                f.write(header)
                d.update(header)
        while done < rows:
            n = min(CHUNK, rows - done)
            frame, history_rows, stats = model.chunk(seed, number, n)
            _write(frame, out, digest, number == 0)
            _write(history_rows, history, history_digest, number == 0)
            periods += len(history_rows)
            del frame, history_rows
            for m in MEASURES:
                totals[m] += stats[m]
            done += n
            number += 1
            if progress is not None:
                progress(n)
        extra = 0
        while extra < tech_rows:
            n = min(CHUNK, tech_rows - extra)
            frame, history_rows, stats = model.chunk(seed, number, n, tech_only=True)
            _write(frame, out, digest, number == 0)
            _write(history_rows, history, history_digest, number == 0)
            periods += len(history_rows)
            for m in MEASURES:
                totals[m] += stats[m]
            extra += n
            number += 1
    return {"sha256": digest.hexdigest(), "rows": rows, "tech_rows": tech_rows, "unit_counts": totals,
            "history": {"sha256": history_digest.hexdigest(), "rows": periods}}
