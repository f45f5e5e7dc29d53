"""2014 then 2015 chained, on generated evidence: carried-over labels, new labels, early warnings,
rejections with their re-application date, the registry across 2014-2019, declared-vs-observed flags."""
from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import pandas as pd
import pytest

from frenchtech.labelling import registry

D = dt.date


def _records(*folders):
    out = []
    for folder in folders:
        with open(folder / "decisions.csv", encoding="utf-8", newline="") as f:
            out += list(csv.DictReader(f))
    return out


def test_2015_carries_over_2014_labels_and_grants_new_ones(chain):
    d14 = pd.read_csv(chain["au14"] / "decisions.csv", dtype=str).set_index("territory")
    d15 = pd.read_csv(chain["au15"] / "decisions.csv", dtype=str).set_index("territory")
    labelled14 = set(d14.index[d14["decision"] == "labelled"])
    assert len(labelled14) == 10 and "paris" in labelled14
    carried = d15[d15["decision"] == "confirmed"]
    # every 2014 label of a territory re-audited in 2015 with the same kind is confirmed, with its dates kept
    expected = {t for t in labelled14 if t in d15.index and d15.loc[t, "kind"] == "metropole"}
    assert set(carried.index) == expected
    assert (carried["valid_until"] == "2018-11-12").all() and (carried["valid_from"] == "2014-11-12").all()
    assert carried["label"].str.startswith("metropoles-2014:").all()
    new = d15[d15["decision"] == "labelled"]
    assert (new["kind"] == "metropole").sum() == 4            # the quota of new métropoles
    assert (new["valid_from"] == "2015-06-24").all() and (new["review_until"] == "2016-06-24").all()
    assert (new["valid_until"] == "2019-06-24").all()
    assert set(new.loc[new["kind"] == "thematic", "theme"]) <= {"MedTech", "CultureTech", "DesignTech", "IoT"}


def test_early_warnings_and_rejections_with_reapplication_dates(chain):
    d15 = pd.read_csv(chain["au15"] / "decisions.csv", dtype=str, keep_default_na=False).set_index("territory")
    warned = d15[d15["early_warning"] != ""]
    assert len(warned) >= 1
    assert set(warned["decision"]) <= {"confirmed", "withdrawn"}
    for _, row in warned.iterrows():
        rel, prev = float(row["relative"]), float(row["previous_relative"])
        assert rel < 0.7 or prev - rel > 0.25
    rejected = d15[d15["decision"] == "not_selected"]
    assert len(rejected) >= 1 and (rejected["reapply_from"] == "2017-06-24").all()
    # 2014's candidates not selected could apply again in 2015 (no delay in 2014)
    d14 = pd.read_csv(chain["au14"] / "decisions.csv", dtype=str, keep_default_na=False).set_index("territory")
    assert (d14.loc[d14["decision"] == "not_selected", "reapply_from"] == "2014-11-12").all()


@pytest.mark.parametrize("day, expected", [
    ("2014-11-11", "none"), ("2014-11-12", "2014"), ("2015-06-23", "2014"), ("2015-06-24", "both"),
    ("2016-01-01", "both"), ("2017-06-24", "both"), ("2018-11-11", "both"), ("2018-11-12", "2015"),
    ("2019-06-23", "2015"), ("2019-06-24", "none"),
])
def test_active_labels_across_2014_2019(chain, day, expected):
    recs = _records(chain["au14"], chain["au15"])
    granted = {c: {(r["territory"], r["kind"]) for r in recs if r["campaign"] == f"metropoles-{c}"
                   and r["decision"] in ("labelled", "renewed")} for c in ("2014", "2015")}
    want = {"none": set(), "2014": granted["2014"], "2015": granted["2015"],
            "both": granted["2014"] | granted["2015"]}[expected]
    withdrawn = {r["territory"] for r in recs if r["decision"] == "withdrawn"}
    if day >= "2015-06-24":
        want = {k for k in want if k[0] not in withdrawn or k in granted["2015"]}
    assert {(lab.territory, lab.kind) for lab in registry.active_on(recs, day)} == want
    assert registry.overlaps(registry.labels(recs)) == []


def test_inflated_funding_is_flagged_with_its_rows(chain):
    inflated = json.loads((chain["ev14"] / "GENERATED.json").read_text())["inflated_territory"]
    flags = pd.read_csv(chain["au14"] / "flags.csv")
    row = flags[(flags["territory"] == inflated) & (flags["figure"] == "funding_eur")].iloc[0]
    assert 2.5 < row["declared"] / row["observed"] < 3.5
    rows = pd.read_csv(chain["au14"] / row["evidence"], dtype={"commune": str})
    assert abs(rows["amount_eur"].sum() - row["observed"]) < 1
    lines = (chain["ev14"] / "funding_rounds.csv").read_text(encoding="utf-8").splitlines()
    for _, r in rows.iterrows():   # each evidence row points at its line of the file
        assert lines[int(r["line"]) - 1].startswith(r["company"] + ",")
    decisions = pd.read_csv(chain["au14"] / "decisions.csv", keep_default_na=False).set_index("territory")
    assert "funding_eur" in decisions.loc[inflated, "flags"] and "flags.csv" in decisions.loc[inflated, "flags"]
    assert "flags.csv" in json.loads((chain["au14"] / "manifest.json").read_text())["outputs"]


def test_flags_never_change_scores(chain, tmp_path):
    from frenchtech.audit import run_audit

    inflated = json.loads((chain["ev14"] / "GENERATED.json").read_text())["inflated_territory"]
    ev = tmp_path / "ev"
    shutil.copytree(chain["ev14"], ev)
    (ev / "dossiers" / f"{inflated}.toml").unlink()   # no declared figures at all
    r = run_audit(chain["c14"], ev, tmp_path / "au")
    assert r.scores.equals(chain["r14"].scores)
    assert list(r.decisions["decision"]) == list(chain["r14"].decisions["decision"])
    assert inflated not in set(r.flags["territory"])


def test_chained_campaign_without_its_predecessor_audit_is_refused(chain, tmp_path):
    from frenchtech.audit import run_audit
    from frenchtech.errors import InputError

    with pytest.raises(InputError, match="predecessor"):
        run_audit(chain["c15"], chain["ev14"], None)
