"""What if the campaign had been set otherwise? The audit's own computation, re-run on a changed campaign.

``whatif(audit_folder, {"pillars.funding": 2, "labelling.quota": 10})`` takes the campaign an audit ran
(its manifest's configuration), changes the keys given, and re-runs what the audit runs after the
indicators: the index engine's pipeline (``frenchtech.audit.score.composite``), the campaign's decisions
(``frenchtech.labelling.decisions.decide_campaign``) and the Monte Carlo uncertainty with the labelling
rule applied to every replication (``add_uncertainty`` with ``pass_matrix``). Nothing here computes an
index or decides a candidate by itself, so a what-if equals a full re-audit of the changed campaign.

What may change (anything else is refused, naming the key):

* ``pillars.<pillar>``: a pillar's weight; ``indicators.<indicator>`` (or ``.weight``): an indicator's;
* ``index.<step>.<parameter>``, or ``index.normalise`` / ``index.aggregate`` = a method name
  (``n_zscore``, ``a_gmean``...): the method of a step, as the campaign file's ``[index]`` says it;
* ``labelling.<key>`` and ``labelling.kinds.<kind>.<key>`` (rule, quota, threshold, reference).

The loaded inputs of an audit (its configuration, indicators, decisions and, when the rules need them,
the dossiers' declared figures and the predecessor's decisions) are kept per audit folder while its
files are unchanged: a what-if is then only the computation. A what-if reads and writes no audit file.
"""
from __future__ import annotations

import copy
import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from frenchtech.audit.folder import AuditFolder, read, stamp
from frenchtech.audit.score import add_uncertainty, composite
from frenchtech.campaign.config import Campaign, IndicatorChoice, Problems, parse_campaign
from frenchtech.campaign.model import CampaignFile, IndexMethod, RuleTable
from frenchtech.errors import ConfigError, InputError
from frenchtech.hashing import file_sha256
from frenchtech.index import pipeline
from frenchtech.labelling.decisions import decide_campaign, read_previous
from frenchtech.labelling.probability import PASSING, pass_matrix
from frenchtech.labelling.settings import resolve_labelling
from frenchtech.sources.dossier import dossier_files, read_dossiers

SETTABLE = ("pillars.<pillar>, indicators.<indicator>, index.<step>[.<parameter>], labelling.<key>, "
            "labelling.kinds.<kind>.<key>")
RULE_KEYS = tuple(k for k in RuleTable.model_fields if k != "name")
INDEX_STEPS = tuple(IndexMethod.model_fields)


@dataclass(frozen=True)
class AuditInputs:
    """What a what-if needs from an audit, read once."""
    audit: AuditFolder
    configuration: dict            # the campaign the audit ran (its manifest's canonical configuration)
    campaign: Campaign             # ... resolved
    campaign_path: Path | None     # its file, where a predecessor's file is looked for
    indicators: pd.DataFrame       # territory x indicator: the index's input
    dossiers: dict                 # declared figures, read only when the eligibility rules use them
    previous: list | None          # the predecessor's decision records of a chained campaign
    audit_rows: dict               # territory -> the audit's rank, score, p_labelled and decision


@dataclass
class WhatIf:
    """The outcome of a what-if: one row per territory, best rank first."""
    settings: dict                 # the keys changed, with their values
    table: pd.DataFrame            # territory, name, score, rank, rank_median, rank_p05, rank_p95, p_labelled,
                                   # decision, rule_decision, reason_code, reason_params, audit_rank,
                                   # audit_score, audit_p_labelled, audit_decision, changed
    campaign: Campaign
    replications: int = 0
    failed: int = 0

    @property
    def changed(self) -> pd.DataFrame:
        """The rows whose decision differs from the audit's."""
        return self.table[self.table["changed"]]

    def records(self) -> list[dict]:
        """The table as plain values (missing figures as None), for JSON."""
        return [{k: (None if _missing(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}
                for row in self.table.to_dict("records")]


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- settings ------------------------------------------------------------------------------------
def parse_assignment(text: str) -> tuple[str, Any]:
    """``"pillars.funding=2"`` -> ``("pillars.funding", 2)``: the value is read as a TOML value (a number,
    ``true``, ``[0, 100]``, ``"text"``), else taken as the text written (``a_gmean``)."""
    key, sep, raw = str(text).partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise InputError("--set", f"{text!r} is not KEY=VALUE", expected=f"KEY=VALUE with KEY one of {SETTABLE}")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_settings(configuration: dict, settings: Mapping[str, Any]) -> tuple[dict, dict]:
    """The configuration with ``settings`` applied, and where each key landed ({path tuple: key}).
    A key what-if cannot change, or naming a pillar, indicator, step or label kind the campaign does
    not have, is an ``InputError`` naming it."""
    conf = copy.deepcopy(configuration)
    where: dict[tuple, str] = {}
    for key, value in settings.items():
        parts = str(key).split(".")
        head, rest = parts[0], parts[1:]
        if head == "pillars" and len(rest) == 1:
            _known(key, rest[0], conf.get("pillars", {}), "pillar")
            conf["pillars"][rest[0]] = value
            where[("pillars", rest[0])] = key
        elif head == "indicators" and (len(rest) == 1 or (len(rest) == 2 and rest[1] == "weight")):
            ids = [e["id"] for e in conf.get("indicators", [])]
            _known(key, rest[0], ids, "indicator")
            i = ids.index(rest[0])
            conf["indicators"][i]["weight"] = value
            where[("indicators", i, "weight")] = key
        elif head == "index" and len(rest) in (1, 2):
            _known(key, rest[0], INDEX_STEPS, "index step")
            index = conf.setdefault("index", {})
            if len(rest) == 1:
                index[rest[0]] = value
            else:
                step = index.get(rest[0])
                index[rest[0]] = {**(step if isinstance(step, dict) else {}), rest[1]: value}
            where[("index", *rest)] = key
        elif head == "labelling" and len(rest) == 1:
            _known(key, rest[0], RULE_KEYS, "labelling key")
            conf["labelling"][rest[0]] = value
            where[("labelling", rest[0])] = key
        elif head == "labelling" and len(rest) == 3 and rest[0] == "kinds":
            _known(key, rest[1], conf["labelling"].get("kinds", {}), "label kind")
            _known(key, rest[2], RULE_KEYS, "labelling key")
            conf["labelling"]["kinds"][rest[1]][rest[2]] = value
            where[("labelling", "kinds", rest[1], rest[2])] = key
        else:
            raise InputError(key, "a what-if cannot change this key", expected=f"one of {SETTABLE}")
    return conf, where


def _known(key: str, name: str, known, what: str) -> None:
    if name not in known:
        raise InputError(key, f"unknown {what} {name!r}", expected="one of " + ", ".join(map(str, known)))


def changed_campaign(inputs: AuditInputs, settings: Mapping[str, Any]) -> Campaign:
    """The audit's campaign with ``settings`` applied, validated by the campaign model and resolved
    as a campaign file is (a quota above the candidates, an unknown method... are errors naming the key)."""
    conf, where = apply_settings(inputs.configuration, settings)
    conf.setdefault("sensitivity", {})["n"] = 0   # Sobol indices are not part of a what-if
    try:
        model = CampaignFile.from_configuration(conf)
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_url=False):
            loc = tuple(e["loc"])
            key = next((k for p, k in where.items() if loc[:len(p)] == p or p[:len(loc)] == loc),
                       ".".join(map(str, loc)))
            problems.append(f"{key}: {e['msg']}, got {e.get('input')!r}")
        raise InputError("what-if", "; ".join(problems)) from None
    # The territories are the audit's (a what-if cannot change them): their perimeters are not resolved
    # again; the sections a what-if changes are checked as the campaign loader checks them.
    base = inputs.campaign
    source = f"what-if of {inputs.audit.path}"
    problems = Problems(source, None)
    rules = resolve_labelling(model, base.specs, problems, campaign_path=inputs.campaign_path)
    if problems:
        raise ConfigError(source, problems.items)
    pipeline(model.index.spec())   # the engine's own check of the steps and their parameters
    return dataclasses.replace(
        base, model=model, indicators=[IndicatorChoice(i.id, i.pillar, i.weight) for i in model.indicators],
        pillars=dict(model.pillars), index=model.index, labelling=model.labelling, rules=rules)


# -- the audit's inputs, read once ----------------------------------------------------------------
def load_inputs(folder) -> AuditInputs:
    """The inputs of a what-if on the audit in ``folder``, kept while its files are unchanged."""
    folder = Path(folder).resolve()
    return _load(str(folder), stamp(folder))


@lru_cache(maxsize=8)
def _load(folder: str, key: tuple) -> AuditInputs:
    audit = read(folder)
    m = audit.manifest
    configuration = m.get("configuration")
    if not isinstance(configuration, dict):
        raise InputError(audit.file("manifest.json"), "no campaign configuration",
                         expected="the manifest of frenchtech audit, with its 'configuration'")
    entry = (m.get("inputs") or {}).get("campaign") or {}
    campaign_path = Path(entry["path"]) if entry.get("path") else None
    try:
        model = CampaignFile.from_configuration(configuration)
    except ValidationError as exc:
        raise InputError(audit.file("manifest.json"), f"configuration is not a campaign: {exc}") from None
    campaign = parse_campaign(model.model_dump(exclude_none=True), source=str(audit.file("manifest.json")),
                              source_path=campaign_path)
    indicators = audit.indicators.set_index("territory")
    missing = [c.id for c in campaign.indicators if c.id not in indicators.columns]
    if missing:
        raise InputError(audit.file("indicators.csv"), f"missing indicator column(s) {', '.join(missing)}",
                         expected="a column per indicator of the campaign")
    el = campaign.rules.eligibility
    dossiers = _dossiers(audit, campaign) if el.require_dossier or el.complete_dossier else {}
    previous = _previous(audit) if campaign.predecessor else None
    return AuditInputs(audit, configuration, campaign, campaign_path, indicators, dossiers, previous,
                       _audit_rows(audit))


def _checked(audit: AuditFolder, name: str) -> Path:
    """An input the manifest lists, as it was when audited."""
    entry = (audit.manifest.get("inputs") or {}).get(name) or {}
    path = Path(entry.get("path", ""))
    if not path.is_absolute() and audit.manifest.get("evidence_dir"):   # an audit run with a relative folder
        path = Path(audit.manifest["evidence_dir"]) / name.split(":", 1)[1]
    if not entry.get("path") or not path.is_file():
        raise InputError(path if entry.get("path") else audit.file("manifest.json"),
                         f"input {name} of the audit is not there", expected="the audit's inputs where it read them")
    if file_sha256(path) != entry.get("sha256"):
        raise InputError(path, "changed since the audit (its SHA-256 differs from the manifest's)",
                         expected="the file the audit read")
    return path


def _dossiers(audit: AuditFolder, campaign) -> dict:
    """The dossiers' declared figures the audit read (the eligibility rules use them), checked unchanged."""
    names = sorted(k for k in (audit.manifest.get("inputs") or {}) if k.startswith("dossiers:"))
    paths = [_checked(audit, n) for n in names]
    if not paths:
        return {}
    folder = paths[0].parent
    extra = sorted(set(dossier_files(folder)) - set(paths))
    if extra:
        raise InputError(extra[0], "a dossier added since the audit", expected="the dossiers the audit read")
    return read_dossiers(folder, campaign)


def _previous(audit: AuditFolder) -> list:
    """The predecessor's decisions the audit re-audited, checked unchanged."""
    return read_previous(_checked(audit, "predecessor:decisions.csv").parent)


# -- the what-if --------------------------------------------------------------------------------
def whatif(audit, settings: Mapping[str, Any] | None = None) -> WhatIf:
    """Re-run the audit's index, decisions and uncertainty on its campaign changed by ``settings``
    ({key: value}; see the module's documentation). ``audit``: an audit folder or its ``AuditInputs``."""
    inputs = audit if isinstance(audit, AuditInputs) else load_inputs(audit)
    settings = dict(settings or {})
    campaign = changed_campaign(inputs, settings)
    outcome = composite(inputs.indicators, campaign)
    populations = {t.id: t.population for t in campaign.territories}
    decisions = decide_campaign(campaign, outcome.scores["score"], populations, inputs.dossiers, inputs.previous)
    add_uncertainty(outcome, campaign, pass_matrix(campaign, decisions))
    u = outcome.uncertainty
    return WhatIf(settings, _table(inputs, campaign, outcome.scores, decisions), campaign,
                  replications=0 if u is None else len(u.inputs), failed=0 if u is None else u.failed)


INTERVALS = ("rank_median", "rank_p05", "rank_p95", "p_labelled")


def _table(inputs: AuditInputs, campaign, scores: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    names = {t.id: t.name for t in campaign.territories}
    audit = inputs.audit_rows
    decided = decisions.set_index("territory")[["decision", "rule_decision", "reason_code", "reason_params"]]
    decided = decided.to_dict("index")
    rows = []
    for t, s in scores.to_dict("index").items():
        d, a = decided[t], audit.get(t, {})
        rows.append({"territory": t, "name": names.get(t, t), "score": float(s["score"]), "rank": int(s["rank"]),
                     **{c: _number(s.get(c)) for c in INTERVALS},
                     **d, "labelled": d["decision"] in PASSING,
                     "audit_rank": a.get("rank"), "audit_score": a.get("score"),
                     "audit_p_labelled": a.get("p_labelled"), "audit_decision": a.get("decision"),
                     "changed": a.get("decision") != d["decision"]})
    return pd.DataFrame(rows).sort_values(["rank", "territory"], kind="stable").reset_index(drop=True)


def _number(value) -> float | None:
    return None if _missing(value) else float(value)


def _audit_rows(audit: AuditFolder) -> dict[str, dict]:
    """The audit's rank, score, probability of being labelled and decision of each territory."""
    scores = audit.scores.set_index("territory").to_dict("index")
    out = {}
    for t, decision in zip(audit.decisions["territory"], audit.decisions["decision"]):
        s = scores.get(t, {})
        out[t] = {"rank": None if _missing(s.get("rank")) else int(s["rank"]), "score": _number(s.get("score")),
                  "p_labelled": _number(s.get("p_labelled")), "decision": decision}
    return out
