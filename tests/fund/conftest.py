"""Fixtures for the fund: the 2014 rules, a locator on the 2014 geography and generated applications."""
from __future__ import annotations

import pytest

from frenchtech.fund import Locator, assess, load_fund
from frenchtech.fund.generate import generate_applications


@pytest.fixture(scope="session")
def fund2014():
    return load_fund("fund-2014")


@pytest.fixture(scope="session")
def locator(fund2014):
    return Locator.for_fund(fund2014)


@pytest.fixture(scope="session")
def apps60(locator):
    return generate_applications(locator, 60, seed=1)


@pytest.fixture(scope="session")
def assessed60(fund2014, apps60):
    return assess(apps60, fund2014)
