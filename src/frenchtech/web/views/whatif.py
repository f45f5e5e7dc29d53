"""What-if during the deliberation (programme team only): the panel's controls on the deliberation page,
a small JSON endpoint that re-runs the call's audit with the keys changed (frenchtech.labelling.whatif,
through programme.deliberation.scenarios), and the saving of named scenarios. Nothing here decides."""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from frenchtech.errors import FrenchTechError
from frenchtech.labelling.whatif import load_inputs
from frenchtech.programme.deliberation import scenarios as service
from frenchtech.web import labels_text
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import require

# The methods offered in the panel (the index engine's names); the audit's own is always offered too.
NORMALISATIONS = {
    "n_minmax": gettext_noop("Min-max (0 to 100)"),
    "n_zscore": gettext_noop("z-score"),
    "n_rank": gettext_noop("Rank"),
    "n_prank": gettext_noop("Percentile rank"),
    "n_dist2max": gettext_noop("Distance to the best"),
}
AGGREGATIONS = {
    "a_amean": gettext_noop("Arithmetic mean"),
    "a_gmean": gettext_noop("Geometric mean"),
    "a_hmean": gettext_noop("Harmonic mean"),
    "a_copeland": gettext_noop("Copeland (outranking)"),
}
RULES = {"quota": gettext_noop("Quota (the N best)"), "threshold": gettext_noop("Threshold (share of the reference)")}
PILLARS = {"startups": gettext_noop("Startups"), "funding": gettext_noop("Funding"),
           "support": gettext_noop("Support structures"), "entrepreneurs": gettext_noop("Entrepreneurs")}


def _choices(known: dict, current: str) -> list[tuple[str, str]]:
    out = [(k, _(v)) for k, v in known.items()]
    return out if current in known else [(current, current), *out]


def _rules(configuration: dict) -> list[dict]:
    """The labelling rule of each label kind, with the key prefix the what-if takes."""
    lab = configuration["labelling"]
    out = [{"prefix": "labelling", "kind": labels_text.kind("metropole"), **lab}]
    for kind, table in sorted((lab.get("kinds") or {}).items()):
        out.append({"prefix": f"labelling.kinds.{kind}", "kind": labels_text.kind(kind), **table})
    return out


def panel(call) -> dict | None:
    """What the what-if panel shows: the audit's campaign settings as the controls' starting values, and the
    call's saved scenarios; None when the call has no audit, ``{"error": why}`` when its inputs cannot be
    read (a dossier changed since the audit, a missing predecessor...)."""
    if call is None or not call.audit_dir:
        return None
    try:
        inputs = load_inputs(call.audit_dir)
    except FrenchTechError as exc:
        return {"error": _("The what-if is not available: %(why)s") % {"why": exc}}
    conf = inputs.configuration
    index = conf.get("index") or {}
    f_n = (index.get("normalise") or {}).get("f_n", "n_minmax")
    f_ag = (index.get("aggregate") or {}).get("f_ag", "a_amean")
    return {
        "pillars": [{"id": p, "label": _(PILLARS[p]) if p in PILLARS else p, "weight": w}
                    for p, w in inputs.campaign.pillars.items()],
        "indicators": [{"id": c.id, "pillar": c.pillar, "weight": c.weight} for c in inputs.campaign.indicators],
        "normalisation": f_n if isinstance(f_n, str) else "", "normalisations": _choices(NORMALISATIONS, f_n),
        "aggregation": f_ag if isinstance(f_ag, str) else "", "aggregations": _choices(AGGREGATIONS, f_ag),
        "rules": _rules(conf), "rule_choices": [(k, _(v)) for k, v in RULES.items()],
        "scenarios": [_scenario(s) for s in service.scenarios(call)],
    }


def _scenario(s) -> dict:
    return {"id": s.pk, "name": s.name, "keys": s.keys, "keys_json": json.dumps(s.keys, ensure_ascii=False),
            "changes": len(s.changes), "author": s.author_name,
            "created": date_format(s.created, "SHORT_DATETIME_FORMAT")}


def _body(request) -> dict:
    try:
        body = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("settings", {}), dict):
        raise FrenchTechError(_("The request is not a JSON object with a table of settings."))
    return body


def _failed(exc: Exception) -> JsonResponse:
    return JsonResponse({"error": _("The what-if could not be computed: %(why)s") % {"why": exc}}, status=400)


@login_required
@require_POST
def run(request):
    """Re-run the call's audit with the settings given: the ranking with intervals and probabilities, each
    decision beside the audit's."""
    call = current_call()
    require(request, "dossier.deliberate", call)
    try:
        result = service.compute(call, _body(request).get("settings") or {})
    except FrenchTechError as exc:
        return _failed(exc)
    rows = [{k: row[k] for k in ("territory", "name", "score", "rank", "rank_p05", "rank_median", "rank_p95",
                                 "p_labelled", "decision", "audit_decision", "audit_rank", "changed")}
            | {"decision_label": labels_text.decision(row["decision"]),
               "audit_label": labels_text.decision(row["audit_decision"] or "")}
            for row in result.records()]
    return JsonResponse({"settings": result.settings, "replications": result.replications, "rows": rows,
                         "changed": sum(1 for r in rows if r["changed"])})


@login_required
@require_POST
def save(request):
    """Save the settings as a named scenario (logged; no decision is touched)."""
    call = current_call()
    require(request, "dossier.deliberate", call)
    try:
        body = _body(request)
        scenario = service.save(call, str(body.get("name", "")), body.get("settings") or {}, request.user)
    except service.ScenarioError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except FrenchTechError as exc:
        return _failed(exc)
    return JsonResponse(_scenario(scenario), status=201)
