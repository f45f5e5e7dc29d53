"""Shared fixtures: small evidence written in the real formats, by hand or by the generator."""
from __future__ import annotations

import csv
import os
import secrets
import sys
from pathlib import Path

import pytest
from django.conf import settings

from frenchtech.sources.sirene_columns import ESTABLISHMENT_COLUMNS

# The platform has no built-in secret key: the tests sign sessions with one of their own, drawn per run
# (also seen by the servers they start). The settings module is loaded before this file, hence both.
os.environ.setdefault("FRENCHTECH_SECRET_KEY", "tests-" + secrets.token_urlsafe(50))
settings.SECRET_KEY = os.environ["FRENCHTECH_SECRET_KEY"]

FIXTURES = Path(__file__).parent / "fixtures"


def write_stock(path: Path, rows: list[dict]) -> Path:
    """A StockEtablissement CSV with INSEE's 53-column header; unspecified columns are empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=ESTABLISHMENT_COLUMNS, lineterminator="\n")
        w.writeheader()
        for i, r in enumerate(rows):
            row = {"siren": f"{100000000 + i:09d}", "nic": "00010", "statutDiffusionEtablissement": "O",
                   "etablissementSiege": "true", "etatAdministratifEtablissement": "A",
                   "nomenclatureActivitePrincipaleEtablissement": "NAFRev2"}
            row["siret"] = row["siren"] + row["nic"]
            row.update(r)
            w.writerow(row)
    return path


@pytest.fixture
def mini_campaign():
    from frenchtech.campaign import load_campaign

    return load_campaign(FIXTURES / "mini-2014.toml")


@pytest.fixture(autouse=True)
def _no_pages_kept_from_another_test():
    """The platform keeps rendered public pages per process; each test has its own database, so pages
    kept during one test must not answer in the next."""
    caching = sys.modules.get("frenchtech.web.caching")
    if caching is not None:
        caching.clear()
    yield
