"""Bad input gets a clear error: negative amounts, unknown territories and communes, invalid SIREN,
inconsistent rules, and an infeasible rule set names the constraints in conflict."""
from __future__ import annotations

from decimal import Decimal

import pytest

from frenchtech.errors import ConfigError, GeographyError, InputError
from frenchtech.fund import (
    InfeasibleRules,
    Locator,
    allocate,
    labelled_from,
    load_fund,
    read_applications,
    with_rules,
    write_applications,
)

HEADER = ("application_id,accelerator,siren,commune,territory,requested_eur,private_eur,pre_money_eur,"
          "startups_accelerated,follow_on_rate,follow_on_eur_per_startup,team_years,business_model,"
          "profitable_model,manager_rating,generated\n")
GOOD = "A1,Booster Lyon,732829320,69123,lyon,2000000,2500000,3000000,20,0.3,500000,12,equity only,true,4,false\n"


def _csv(tmp_path, *rows, header=HEADER):
    p = tmp_path / "apps.csv"
    p.write_text(header + "".join(rows), encoding="utf-8")
    return p


def test_a_good_row_is_read_and_located(tmp_path, locator):
    apps = locator.locate_all(read_applications(_csv(tmp_path, GOOD)))
    assert apps[0].requested_eur == Decimal(2000000) and apps[0].region == "82" and apps[0].labelled


@pytest.mark.parametrize("row, column, message", [
    (GOOD.replace(",2000000,", ",-2000000,"), "requested_eur", "negative"),
    (GOOD.replace(",2500000,", ",2.5e6x,"), "private_eur", "not an amount"),
    (GOOD.replace(",3000000,", ",3000000.001,"), "pre_money_eur", "more than 2 decimals"),
    (GOOD.replace("732829320", "732829321"), "siren", "not a valid SIREN"),
    (GOOD.replace(",20,", ",-3,"), "startups_accelerated", "negative"),
    (GOOD.replace(",true,", ",maybe,"), "profitable_model", "true/false"),
])
def test_bad_values_name_line_and_column(tmp_path, row, column, message):
    with pytest.raises(InputError, match=message) as exc:
        read_applications(_csv(tmp_path, GOOD.replace("A1,", "A0,"), row))
    assert exc.value.line == 3 and exc.value.column == column


def test_duplicate_ids_and_missing_columns(tmp_path):
    with pytest.raises(InputError, match="duplicate application id"):
        read_applications(_csv(tmp_path, GOOD, GOOD))
    with pytest.raises(InputError, match="missing column"):
        read_applications(_csv(tmp_path, "x\n", header="application_id,accelerator\n"))


def test_unknown_territory_and_commune_are_clear_errors(tmp_path, locator):
    with pytest.raises(GeographyError, match="unknown territory 'atlantis'"):
        locator.locate_all(read_applications(_csv(tmp_path, GOOD.replace(",lyon,", ",atlantis,"))))
    with pytest.raises(GeographyError, match="unknown commune code '99999'"):
        locator.locate_all(read_applications(_csv(tmp_path, GOOD.replace("69123", "99999"))))
    with pytest.raises(GeographyError, match="is not in territory 'lyon'"):
        locator.locate_all(read_applications(_csv(tmp_path, GOOD.replace("69123", "13055"))))
    with pytest.raises(GeographyError, match="unknown labelled territory"):
        Locator(2014, list(locator.territories.values()), ["lyon", "atlantis"])


def test_labelled_from_an_audit_decisions_file(tmp_path):
    p = tmp_path / "decisions.csv"
    p.write_text("territory,name,decision,reason\nlyon,Lyon,labelled,x\nbrest,Brest,not_selected,y\n")
    assert labelled_from(p) == ["lyon"]
    assert labelled_from("lyon, paris") == ["lyon", "paris"]


def test_inconsistent_rules_are_config_errors(tmp_path):
    base = (load_fund("fund-2014").path).read_text(encoding="utf-8")
    bad = base.replace('ticket_min_eur = "1000000"', 'ticket_min_eur = "20000000"').replace(
        "max_stake = 0.49", "max_stake = 0.6").replace('budget_eur = "200000000"', 'budget_eur = 200000000.5')
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_fund(p)
    text = str(exc.value)
    assert "not a float" in text and "max_stake" in text and "above ticket_max_eur" in text


def test_a_call_overrides_rules_for_one_batch(tmp_path):
    call = tmp_path / "call.toml"
    call.write_text('[call]\nid = "2015-1"\nrules = "fund-2014"\nbudget_eur = "50000000"\n'
                    '[rules]\nregion_cap = 0.5\n', encoding="utf-8")
    fund = load_fund(call)
    assert fund.rules.region_cap == 0.5 and fund.rules.budget_eur == Decimal(50000000)
    assert fund.rules.labelled_share == 0.8 and fund.call_id == "2015-1"


def test_infeasible_rules_name_the_conflicting_constraints(fund2014, apps60, assessed60):
    rules = with_rules(fund2014, commit_at_least_eur=Decimal(100_000_000), labelled_share=1.0, region_cap=0.2).rules
    with pytest.raises(InfeasibleRules) as exc:
        allocate(apps60, assessed60, rules)
    assert "labelled_share" in exc.value.conflict and "commit_at_least" in exc.value.conflict
    assert "budget" not in exc.value.conflict                    # the budget is not part of the conflict
    assert "lower commit_at_least_eur" in str(exc.value)
    # relaxing any one named constraint restores feasibility
    allocate(apps60, assessed60, with_rules(fund2014, commit_at_least_eur=Decimal(100_000_000),
                                            labelled_share=0.8, region_cap=0.2).rules)


def test_generated_file_round_trips(tmp_path, apps60):
    p = write_applications(apps60, tmp_path / "g.csv", header_comment="GENERATED")
    again = read_applications(p)
    assert [a.requested_eur for a in again] == [a.requested_eur for a in apps60]
    assert p.read_text().startswith("# GENERATED")
