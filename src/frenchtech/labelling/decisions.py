"""A campaign's decisions, end to end: eligibility, the rule of each label kind, the re-audit of
territories labelled by the predecessor campaign (confirmed, early warning, withdrawn), automatic
labels, jury overrides, then validity and re-application dates.

Everything is plain data in, one table out (one row per candidate): the columns of decisions.csv.
Every explanation (the reason of a decision, early warnings, declared-vs-observed flags) is made as
``frenchtech.messages.Reason`` values: the table carries their codes and parameters
(``reason_code``, ``reason_params``, ...) beside the English text (``reason``, ...).
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from frenchtech.errors import InputError
from frenchtech.labelling.observed import check_declared, flag_summary
from frenchtech.labelling.registry import GRANTING, REJECTED, Label, as_date
from frenchtech.labelling.rules import apply_rule, eis_group, relative_scores
from frenchtech.labelling.settings import _years_after
from frenchtech.messages import Reason, columns_of

COLUMNS = ["territory", "kind", "theme", "decision", "reason", "reason_code", "reason_params", "score", "relative",
           "group", "eligible", "rule_decision", "override", "override_rationale", "previous_decision",
           "previous_relative", "change", "early_warning", "early_warning_code", "early_warning_params", "label",
           "valid_from", "review_until", "valid_until", "reapply_from", "decided_on", "campaign", "id"]


def read_previous(folder) -> list[dict]:
    """The predecessor audit's decisions (its decisions.csv) as plain records."""
    path = Path(folder) / "decisions.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def eligibility(spec, population: int, declared: dict | None, previous: dict | None, campaign) -> list[Reason]:
    """Why the candidate is not eligible ([] = eligible)."""
    el = campaign.rules.eligibility
    why = []
    if population < el.min_population:
        why.append(Reason("population_below", {"population": int(population), "minimum": int(el.min_population)}))
    if el.require_dossier and declared is None:
        why.append(Reason("no_dossier"))
    elif el.complete_dossier:
        missing = [f for f in el.complete_dossier if f not in (declared or {})]
        if missing:
            why.append(Reason("dossier_incomplete", {"missing": missing}))
    if previous and previous.get("decision") in REJECTED:
        when = as_date(previous.get("reapply_from"))
        if el.rejected_within_years is not None:
            decided = as_date(previous.get("decided_on"))
            if decided is not None:
                when = _years_after(decided, el.rejected_within_years)
        if when is not None and campaign.announced < when:
            why.append(Reason("reapply_pending", {"decision": previous["decision"],
                                                  "campaign": str(previous.get("campaign")),
                                                  "date": when.isoformat()}))
    return why


def carried_labels(previous) -> dict:
    """{territory: Label} held according to the predecessor's decisions (granted or confirmed there)."""
    out = {}
    for r in previous:
        if r.get("decision") in GRANTING + ("confirmed",) and r.get("valid_from") and r.get("valid_until"):
            out[r["territory"]] = Label(r.get("label") or f"{r.get('campaign')}:{r['territory']}:{r.get('kind')}",
                                        r["territory"], r.get("name") or r["territory"], r.get("kind") or "metropole",
                                        r.get("theme") or "", r.get("campaign") or "", as_date(r["valid_from"]),
                                        as_date(r.get("review_until")), as_date(r["valid_until"]), r.get("id") or "")
    return out


def _active_label(previous: dict | None, prev_labels: dict, day: dt.date):
    if not previous:
        return None
    lab = prev_labels.get(previous["territory"])
    return lab if lab is not None and lab.active_on(day) else None


def decide_campaign(campaign, scores: pd.Series, populations: dict, dossiers: dict, previous=None) -> pd.DataFrame:
    """``scores``: territory -> composite score; ``dossiers``: territory -> declared figures;
    ``previous``: the predecessor's decision records (or None)."""
    rules = campaign.rules
    day = campaign.announced
    prev = {r["territory"]: r for r in (previous or [])}
    prev_labels = carried_labels(previous or [])
    specs = {s.id: s for s in campaign.specs}
    rows: dict[str, dict] = {}
    kinds = sorted({s.kind for s in campaign.specs})
    for kind in kinds:
        members = sorted(t for t, s in specs.items() if s.kind == kind)
        rule = rules.rule_for(kind)
        auto = [t for t in members if specs[t].automatic]
        ineligible = {}
        reaudit = {}
        new = []
        for t in members:
            if t in auto:
                continue
            lab = _active_label(prev.get(t), prev_labels, day)
            if lab is not None and lab.kind == kind:
                reaudit[t] = lab
                continue
            why = eligibility(specs[t], populations[t], dossiers.get(t), prev.get(t), campaign)
            if why:
                ineligible[t] = why
            else:
                new.append(t)
        pool = {t: float(scores[t]) for t in members if t not in auto and t not in ineligible}
        decided = apply_rule({t: pool[t] for t in new}, rule, reference_scores=pool) if new else {}
        ref, rel = relative_scores({t: float(scores[t]) for t in members}, rule.reference, pool or None)
        for t in members:
            row = {"territory": t, "kind": kind, "theme": specs[t].theme, "score": float(scores[t]),
                   "relative": rel[t], "group": eis_group(rel[t]), "eligible": t not in ineligible,
                   "previous_decision": "", "previous_relative": None, "change": None, "warnings": [],
                   "label": "", "override": False, "override_rationale": ""}
            p = prev.get(t)
            if p:
                row["previous_decision"] = f"{p.get('decision')} ({p.get('campaign')})"
                pr = p.get("relative")
                if pr not in (None, ""):
                    row["previous_relative"] = float(pr)
                    row["change"] = round(rel[t] - float(pr), 6)
            if t in auto:
                lab = _active_label(p, prev_labels, day)
                row.update(decision="confirmed" if lab else "labelled", reasons=[Reason("automatic")])
                if lab:
                    row["label"] = lab.id
            elif t in reaudit:
                row.update(_reaudit(row, reaudit[t], rules.chaining, campaign.predecessor))
            elif t in ineligible:
                row.update(decision="ineligible", reasons=ineligible[t])
            else:
                d = decided[t]
                row.update(decision=d.decision, reasons=list(d.reasons))
                held = prev_labels.get(t)
                if d.decision == "labelled" and held is not None and held.kind == kind:
                    row.update(decision="renewed", reasons=[*d.reasons, Reason("label_expired")])
            row["rule_decision"] = row["decision"]
            rows[t] = row
    for o in rules.overrides:
        row = rows[o.territory]
        decision = o.decision
        if row["rule_decision"] in ("confirmed", "withdrawn"):
            decision = {"labelled": "confirmed", "not_selected": "withdrawn"}.get(decision, decision)
        elif decision == "confirmed":
            decision = "labelled"
        elif decision == "withdrawn":
            decision = "not_selected"
        row.update(decision=decision, override=True, override_rationale=o.rationale,
                   reasons=[Reason("jury_override", {"by": str(o.by), "rule_decision": row["rule_decision"],
                                                     "rationale": o.rationale})])
    for row in rows.values():
        _dates(row, campaign, prev_labels)
        row.update(columns_of(row.pop("reasons"), "reason"), **columns_of(row.pop("warnings"), "early_warning"))
    table = pd.DataFrame([rows[t] for t in scores.index if t in rows])
    return table[COLUMNS]


def _reaudit(row: dict, lab, chaining, predecessor) -> dict:
    """A territory labelled by the predecessor: confirmed, with an early warning when it fell below
    the bar or dropped by more than the margin; withdrawn below the withdrawal bar if one is set."""
    warnings = []
    rel = row["relative"]
    if rel < chaining.warning_bar:
        warnings.append(Reason("warning_below_bar", {"relative": rel, "bar": float(chaining.warning_bar)}))
    if row["change"] is not None and -row["change"] > chaining.warning_drop:
        warnings.append(Reason("warning_drop", {"previous": row["previous_relative"], "relative": rel,
                                                "predecessor": str(predecessor), "drop": -row["change"],
                                                "margin": float(chaining.warning_drop)}))
    out = {"label": lab.id, "warnings": warnings}
    label = {"label": lab.id, "label_year": lab.valid_from.year}
    if chaining.withdraw_below is not None and rel < chaining.withdraw_below:
        out.update(decision="withdrawn",
                   reasons=[Reason("reaudit_withdrawn", {"relative": rel, "bar": float(chaining.withdraw_below),
                                                         **label})])
    else:
        out.update(decision="confirmed",
                   reasons=[Reason("reaudit_kept_warned" if warnings else "reaudit_kept",
                                   {**label, "until": lab.valid_until.isoformat()})])
    return out


def _dates(row: dict, campaign, prev_labels: dict) -> None:
    v = campaign.rules.validity
    day = campaign.announced
    row.update(valid_from=None, review_until=None, valid_until=None, reapply_from=None, decided_on=day,
               campaign=campaign.id, id=f"{campaign.id}:{row['territory']}")
    d = row["decision"]
    if d in GRANTING:
        row["label"] = f"{campaign.id}:{row['territory']}:{row['kind']}"
        row["valid_from"] = day
        row["review_until"] = _years_after(day, v.review_years)
        row["valid_until"] = _years_after(row["review_until"], v.full_years)
    elif d == "confirmed":
        lab = prev_labels.get(row["territory"])
        if lab is not None:
            row.update(valid_from=lab.valid_from, review_until=lab.review_until, valid_until=lab.valid_until)
    elif d == "withdrawn":
        row["valid_until"] = day           # the label ends on the announcement of the re-audit
        row["reapply_from"] = _years_after(day, v.reapply_years)
    elif d in REJECTED:
        pending = None
        if d == "ineligible":   # a pending delay from the predecessor's decision keeps its own date
            pending = next((as_date(r.params["date"]) for r in row["reasons"] if r.code == "reapply_pending"), None)
        row["reapply_from"] = pending or _years_after(day, v.reapply_years)


def predecessor_folder(campaign, evidence_dir, previous=None) -> Path | None:
    """The predecessor audit's folder for a chained campaign: ``previous`` if given, else
    ``<evidence>/predecessor/`` (a copy of the predecessor's audit folder kept with the evidence)."""
    if not campaign.predecessor:
        return None
    folder = Path(previous) if previous is not None else Path(evidence_dir) / "predecessor"
    if not (folder / "decisions.csv").is_file():
        raise InputError(folder / "decisions.csv", f"campaign {campaign.id} is chained to {campaign.predecessor} "
                         "but its audit decisions are missing",
                         expected=f"the {campaign.predecessor} audit folder at EVIDENCE/predecessor "
                                  "(or given as previous=)")
    return folder


def label_audit(campaign, scores: pd.DataFrame, evidence, measures: pd.DataFrame, evidence_dir,
                previous=None, stock=None):
    """The labelling step of an audit: (decisions, flags, {evidence file: rows}, predecessor folder).

    ``scores`` has a ``score`` column indexed by territory; flags are attached to the decision table
    as a reference and never enter the decision."""
    folder = predecessor_folder(campaign, evidence_dir, previous)
    records = read_previous(folder) if folder is not None else None
    if records is not None:
        found = {r.get("campaign") for r in records}
        if campaign.predecessor not in found:
            raise InputError(folder / "decisions.csv", f"decisions of {', '.join(sorted(map(str, found)))}, "
                             f"not of the predecessor {campaign.predecessor}",
                             expected=f"the audit folder of {campaign.predecessor}")
    populations = {t.id: t.population for t in campaign.territories}
    dossiers = getattr(evidence, "dossiers", {}) or {}
    decisions = decide_campaign(campaign, scores["score"], populations, dossiers, records)
    flags, files = check_declared(campaign, measures, evidence, stock)
    summary = flag_summary(flags)
    cells = [summary.get(t, ("", "", "")) for t in decisions["territory"]]
    for i, column in enumerate(("flags", "flags_code", "flags_params")):
        decisions[column] = [c[i] for c in cells]
    return decisions, flags, files, folder


def notes(decisions: pd.DataFrame, flags: pd.DataFrame) -> list[str]:
    """What the audit report says about the labelling beyond the ranking table."""
    out = []
    for _, r in decisions[decisions["override"].astype(bool)].iterrows():
        out.append(f"OVERRIDE {r['territory']}: {r['rule_decision']} -> {r['decision']} ({r['override_rationale']})")
    for _, r in decisions[decisions["early_warning"] != ""].iterrows():
        out.append(f"early warning {r['territory']}: {r['early_warning']}")
    for _, r in flags.iterrows():
        out.append(f"declared vs observed {r['territory']} {r['figure']}: declared {r['declared']:,.0f}, observed "
                   f"{r['observed']:,.0f} (see {r['evidence']})")
    rejected = decisions[decisions["reapply_from"].notna() & decisions["decision"].isin(["not_selected", "ineligible",
                                                                                      "withdrawn"])]
    if len(rejected):
        dates = sorted({str(d) for d in rejected["reapply_from"]})
        out.append(f"{len(rejected)} candidate(s) not labelled may apply again from {', '.join(dates)}")
    deferred = decisions[decisions["decision"] == "deferred"]
    if len(deferred):
        out.append(f"{len(deferred)} candidate(s) deferred, re-examined at the next campaign without delay: "
                   f"{', '.join(sorted(deferred['territory']))}")
    return out
