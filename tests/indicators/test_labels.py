"""Indicator names in French and English, from the catalogue."""
from __future__ import annotations

from frenchtech.indicators import indicator_label
from frenchtech.indicators.catalogue import load_catalogue


def test_named_indicators_use_their_catalogue_names():
    assert indicator_label("tech_created_per_10k", "fr") == "Créations d'établissements tech pour 10 000 hab."
    assert indicator_label("tech_created_per_10k", "en") == "Tech establishments created per 10,000 inhabitants"
    assert indicator_label("tech_created_per_10k", "en-gb") == indicator_label("tech_created_per_10k", "en")


def test_unnamed_indicators_are_their_measure_and_denominator():
    assert indicator_label("funding_rounds_per_100k", "fr") == "Levées de fonds pour 100 000 hab."
    assert indicator_label("funding_rounds_per_100k", "en") == "Funding rounds per 100,000 inhabitants"
    assert indicator_label("tech_created", "en") == "Tech establishments created"


def test_every_indicator_has_a_name_in_both_languages_and_unknown_codes_pass_through():
    for iid in load_catalogue().indicators:
        fr, en = indicator_label(iid, "fr"), indicator_label(iid, "en")
        assert fr and en and iid not in (fr, en)
    assert indicator_label("no_such_indicator", "fr") == "no_such_indicator"


def test_the_report_names_indicators_the_same_way():
    from frenchtech.report.i18n import indicator_name

    assert indicator_name("fr", "support_capacity_per_10k") == indicator_label("support_capacity_per_10k", "fr")
    assert indicator_name("en", "pillar_x") == "pillar x"
