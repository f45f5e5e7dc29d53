from pathlib import Path

import pytest

from frenchtech.campaign import load_campaign

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def campaign():
    return load_campaign(ROOT / "campaigns" / "metropoles-2014.toml")


@pytest.fixture
def valid():
    return FIXTURES / "valid"
