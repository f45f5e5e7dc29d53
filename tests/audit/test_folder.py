"""The one reader of an audit folder (frenchtech.audit.read) on the 2014 demo audit: typed tables, the
manifest, flags with their evidence, rank intervals and Sobol indices as the audit wrote them; the web
deliberation page and the jury report show exactly what it reads."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from django.test import Client

from frenchtech.audit import AuditFolder, read
from frenchtech.audit.folder import FLAG_COLUMNS, SOBOL_COLUMNS, TABLES
from frenchtech.errors import InputError
from tests.web.conftest import (  # noqa: F401  (fixtures: the web platform's demo audit, call and people)
    NARRATIVE,
    _web_settings,
    audit_dir,
    call,
    people,
    set_phase,
)

is_text = pd.api.types.is_string_dtype
is_number = pd.api.types.is_numeric_dtype


def _copy(audit_dir, tmp_path) -> Path:
    folder = tmp_path / "audit"
    shutil.copytree(audit_dir, folder)
    return folder


def test_every_table_is_read_with_its_types(audit_dir):
    audit = read(audit_dir)
    assert isinstance(audit, AuditFolder) and audit.manifest["campaign"] == "metropoles-2014"
    assert audit.manifest_sha256 and audit.output_intact("decisions.csv")
    for name in TABLES:
        frame = audit.table(name)
        assert not frame.empty, name
        key = "epci" if name == "national" else "territory"
        assert is_text(frame[key]), name
    n = len(audit.scores)
    assert n == 16 and set(audit.scores["territory"]) == set(audit.decisions["territory"])
    for name in ("measures", "indicators", "normalised", "national"):
        frame = audit.table(name)
        assert all(is_number(frame[c]) for c in frame.columns if c not in ("territory", "epci", "name")), name
    assert audit.national["epci"].str.fullmatch(r"\d{9}").all()  # SIREN of each EPCI, as text
    scores = audit.scores
    assert is_text(scores["name"]) and scores["rank"].dtype == "int64"
    assert all(is_number(scores[c]) for c in ("score", "rank_median", "rank_p05", "rank_p95", "p_labelled"))
    d = audit.decisions
    assert d["override"].dtype == bool and d["eligible"].dtype == bool
    assert all(is_number(d[c]) for c in ("score", "relative", "previous_relative", "change"))
    assert all(is_text(d[c]) for c in ("decision", "reason", "rule_decision", "valid_from", "id", "label"))
    # decisions.csv as written, cell for cell
    with open(Path(audit_dir) / "decisions.csv", encoding="utf-8", newline="") as f:
        assert audit.decision_records() == list(csv.DictReader(f))


def test_flags_and_their_evidence_rows_as_the_audit_wrote_them(audit_dir):
    audit = read(audit_dir)
    written = pd.read_csv(Path(audit_dir) / "flags.csv", dtype=str, keep_default_na=False)
    flags = audit.flags
    assert tuple(flags.columns) == FLAG_COLUMNS and len(flags) == len(written) > 0
    assert all(is_text(flags[c]) for c in ("territory", "figure", "measure", "evidence", "rows"))
    assert all(flags[c].dtype == "float64" for c in ("declared", "observed", "gap", "tolerance"))
    assert flags[["territory", "figure", "rows"]].values.tolist() == written[["territory", "figure", "rows"]].values.tolist()
    assert "brest" in set(flags["territory"])  # the generator inflates Brest's declared funding
    for flag in flags.to_dict("records"):
        rows = audit.evidence_rows(flag)
        assert len(rows) and rows is audit.evidence[flag["evidence"]]
        if "commune" in rows.columns:  # the funding rounds, structures or initiatives counted
            assert is_text(rows["commune"]) and rows["commune"].str.len().eq(5).all()
            assert f"{len(rows)} row(s)" in flag["rows"]


def test_rank_intervals_and_sobol_indices_under_the_audits_own_names(audit_dir):
    audit = read(audit_dir)
    intervals = audit.rank_intervals
    assert list(intervals.columns) == ["territory", "rank", "rank_median", "rank_p05", "rank_p95", "p_labelled"]
    assert (intervals["rank_p05"] <= intervals["rank_median"]).all() and (intervals["rank_median"] <= intervals["rank_p95"]).all()
    lyon = audit.rank_interval("lyon")
    assert set(lyon) == set(intervals.columns) and lyon["rank_p05"] <= lyon["rank"] <= lyon["rank_p95"]
    sobol = audit.sobol
    assert tuple(sobol.columns) == SOBOL_COLUMNS and is_text(sobol["Variable"])
    written = pd.read_csv(Path(audit_dir) / "index" / "sobol.csv")
    assert sobol["Variable"].tolist() == written["Variable"].tolist()
    assert sobol["ST"].tolist() == written["ST"].tolist() and sobol["S1"].tolist() == written["S1"].tolist()
    assert is_text(audit.index_table("rank_uncertainty")["uCode"]) and audit.index_table("no_such_table") is None


def test_structures_and_initiatives_keep_their_codes_as_text(audit_dir, tmp_path):
    audit = read(audit_dir)
    assert len(audit.structures) and len(audit.initiatives)
    for frame in (audit.structures, audit.initiatives):
        assert is_text(frame["commune_code"]) and frame["commune_code"].str.len().eq(5).all()
    # A published audit carries the evidence its pages list: it wins over the manifest's evidence folder.
    folder = _copy(audit_dir, tmp_path)
    (folder / "published-evidence").mkdir()
    (folder / "published-evidence" / "structures.csv").write_text(
        "# GENERATED DATA\nname,kind,commune_code,opened,closed,capacity\n"
        "Incubateur Ajaccio,incubator,2A004,2012-01-01,,20\nCoworking Bourg,coworking,01053,2013-05-02,,8\n",
        encoding="utf-8")
    copy = read(folder)
    assert copy.evidence_dir == folder / "published-evidence"
    assert copy.structures["commune_code"].tolist() == ["2A004", "01053"] and copy.initiatives.empty


def test_missing_tables(audit_dir, tmp_path):
    folder = _copy(audit_dir, tmp_path)
    for name in ("flags.csv", "national.csv", "normalised.csv", "index/sobol.csv"):
        (folder / name).unlink()
    audit = read(folder)
    assert audit.flags.empty and tuple(audit.flags.columns) == FLAG_COLUMNS
    assert audit.national.empty and audit.normalised.empty and audit.sobol is None and audit.evidence == {}
    (folder / "scores.csv").unlink()
    with pytest.raises(InputError, match=r"scores\.csv"):
        read(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(InputError, match="not an audit folder"):
        read(folder)


# -- every reader shows what the reader reads ------------------------------------------------------

def test_web_deliberation_shows_the_flags_of_flags_csv(call, people, audit_dir):
    from frenchtech.programme.accounts.models import Role, TerritoryTeam
    from frenchtech.programme.accounts.services import create_person
    from frenchtech.programme.dossiers.services import create_dossier, submit_dossier, update_dossier
    from frenchtech.web.demo import _declared_figures

    team = TerritoryTeam.objects.create(campaign="metropoles-2014", territory="brest", name="Brest Tech+")
    user = create_person("team-brest", "correct-horse-battery-9", Role.APPLICANT, team=team)
    d = create_dossier(call, team, user)
    update_dossier(d, {"name": d.name, "epci": d.epci, "communes": d.communes, "narrative": NARRATIVE,
                       "declared": _declared_figures(Path(audit_dir).parent, "brest"),
                       "structures": ["Incubator"], "initiatives": ["Startup weekend"]}, user)
    brest = submit_dossier(d, user)
    set_phase(call, "deliberation")
    admin = Client()
    admin.force_login(people["admin"])

    written = pd.read_csv(Path(audit_dir) / "flags.csv", dtype={"territory": str})
    written = written[written["territory"] == "brest"]
    assert len(written)
    page = admin.get(f"/deliberation/{brest.pk}/")
    assert page.status_code == 200
    shown = page.context["audit"]["audit_flags"]
    assert [(f["figure"], f["declared"], f["observed"], f["rows"]) for f in shown] == \
        [(r.figure, float(r.declared), float(r.observed), r.rows) for r in written.itertuples()]
    html = page.content.decode()
    table = re.search(r'id="audit-flags".*?</table>', html, re.DOTALL).group(0)
    assert table.count('<tr class="flagged">') == len(written)
    # the dossier's figures are marked where the audit flagged them, and only there
    marked = {c["figure"] for c in page.context["audit"]["compared"] if c["flag"]}
    assert marked == set(written["figure"])
    rows = admin.get("/deliberation/").context["rows"]
    assert next(r for r in rows if r["dossier"].pk == brest.pk)["flags"] == len(written)
    interval = page.context["audit"]["rank_interval"]
    scores = pd.read_csv(Path(audit_dir) / "scores.csv", dtype={"territory": str}).set_index("territory")
    assert (interval["low"], interval["high"]) == (scores.at["brest", "rank_p05"], scores.at["brest", "rank_p95"])


def _sobol_table(html: str) -> list[tuple[str, str, str]]:
    section = re.search(r'<section id="sobol">.*?</section>', html, re.DOTALL).group(0)
    return re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td><td class="num">([^<]+)</td></tr>',
                      section)


def test_jury_report_shows_the_audits_own_sobol_indices(audit_dir, tmp_path, monkeypatch):
    import frenchtech.index
    from frenchtech.report.audit_data import load_audit
    from frenchtech.report.i18n import factor_name, number
    from frenchtech.report.jury import render_jury, sobol_rows

    def no_recomputation(*args, **kwargs):
        raise AssertionError("the report recomputed Sobol indices")

    monkeypatch.setattr(frenchtech.index, "sensitivity", no_recomputation)
    sobol = read(audit_dir).sobol
    audit = load_audit(audit_dir)
    data = sobol_rows(audit, "en")
    assert [(r["variable"], r["first"], r["total"]) for r in data] == list(zip(sobol["Variable"], sobol["S1"], sobol["ST"]))
    shown = _sobol_table(render_jury(audit, "en"))
    assert shown == [(factor_name("en", r.Variable), number("en", r.S1, 3), number("en", r.ST, 3))
                     for r in sobol.itertuples()]

    folder = _copy(audit_dir, tmp_path)
    (folder / "index" / "sobol.csv").unlink()
    html = render_jury(load_audit(folder), "en")
    section = re.search(r'<section id="sobol">.*?</section>', html, re.DOTALL).group(0)
    assert not _sobol_table(html) and "The audit has no Sobol indices" in section
