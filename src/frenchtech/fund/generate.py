"""Seeded generator of realistic fund applications, for the demo, tests and benchmarks.

Accelerators sit in real communes of the fund's geography, drawn in proportion to population with a
bias towards programme territories; amounts, valuations and track records follow skewed (log-normal)
distributions of the size seen in French seed-stage accelerators. Every row says generated=true."""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from frenchtech.fund.applications import Application

# Business models as French accelerators describe theirs (free text in an application).
MODELS = ["fonds propres + services", "fonds propres seuls", "honoraires + fonds propres", "adossé à un grand groupe",
          "start-up studio"]
NAMES = ["Accélérateur", "Booster", "Lab", "Factory", "Studio", "Camp", "Village", "Hub", "Launchpad"]
GENERATED_NOTE = "GENERATED applications (seeded demo data, not real accelerators)"


def _siren(rng) -> str:
    """A random SIREN with a valid Luhn check digit."""
    body = f"{rng.integers(10_000_000, 99_999_999):08d}"
    for key in range(10):
        s = body + str(key)
        total = sum((int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2) if i % 2 else int(c)
                    for i, c in enumerate(reversed(s)))
        if total % 10 == 0:
            return s
    raise AssertionError("unreachable")


def _eur(x: float, step: int = 10_000) -> Decimal:
    return Decimal(int(max(step, round(x / step) * step)))


def generate_applications(locator, n: int, seed=None, n_regions: int | None = None,
                          labelled_bias: float = 0.8) -> list[Application]:
    """``n`` located applications. ``n_regions`` restricts the draw to that many regions (the regions
    of the labelled territories first, then the most populous)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    communes = locator.geo.communes
    communes = communes[(communes["kind"] == "commune") & (communes["population"] > 0)]
    lab_codes = [c for t in sorted(locator.labelled) for c in locator.territories[t].communes]
    other_terr = [c for tid, t in sorted(locator.territories.items()) if tid not in locator.labelled
                  for c in t.communes]
    if n_regions:
        lab_regions = list(dict.fromkeys(communes.loc[lab_codes, "region"]))
        by_pop = communes.groupby("region")["population"].sum().sort_values(ascending=False).index
        keep = (lab_regions + [r for r in by_pop if r not in lab_regions])[:n_regions]
        communes = communes[communes["region"].isin(keep)]
        lab_codes = [c for c in lab_codes if c in communes.index]
        other_terr = [c for c in other_terr if c in communes.index]
    pools = []
    for codes in (lab_codes, other_terr, list(communes.index)):
        pop = communes.loc[codes, "population"].to_numpy(dtype=float) ** 1.2 if codes else np.array([])
        pools.append((codes, pop / pop.sum() if len(codes) else pop))
    out = []
    for i in range(n):
        u = rng.random()
        pool = 0 if u < labelled_bias else (1 if u < labelled_bias + 0.1 and pools[1][0] else 2)
        codes, p = pools[pool] if pools[pool][0] else pools[2]
        commune = codes[rng.choice(len(codes), p=p)]
        requested = float(np.clip(rng.lognormal(np.log(3.5e6), 0.7), 3e5, 2.5e7))
        pre_money = requested * float(rng.lognormal(np.log(2.0), 0.6))
        private = requested * float(rng.lognormal(np.log(1.3), 0.5))
        startups = int(rng.poisson(rng.uniform(5, 60)))
        rate = float(np.clip(rng.beta(2, 4), 0, 1))
        team = float(np.round(rng.gamma(4, 4), 1))
        city = str(communes.at[commune, "name"])
        out.append(Application(
            application_id=f"A{i + 1:05d}", accelerator=f"{NAMES[rng.integers(len(NAMES))]} {city} {i + 1}",
            siren=_siren(rng), commune=commune, territory="",
            requested_eur=_eur(requested), private_eur=_eur(private), pre_money_eur=_eur(pre_money),
            startups_accelerated=startups, follow_on_rate=round(rate, 3),
            follow_on_eur_per_startup=float(_eur(rng.lognormal(np.log(6e5), 0.9), 1000)),
            team_years=team, business_model=MODELS[rng.integers(len(MODELS))],
            profitable_model=bool(rng.random() < 0.88), manager_rating=float(rng.integers(1, 6)),
            generated=True))
    return locator.locate_all(out, where="generator")
