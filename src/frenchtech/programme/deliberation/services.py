"""Deliberation services: record the jury's decision on a dossier, apply the audit's proposals to a
selection without touching decisions taken by hand, defer several dossiers, summarise what publication
would publish, and publish.

Services take plain arguments (never a request) so the CLI, the pages and the tests call them alike.
Problems come back as ``DecisionError`` with messages per field ("__all__" for the whole decision).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.audit.folder import read_cached
from frenchtech.labelling.settings import _years_after
from frenchtech.programme import notifications
from frenchtech.programme.activity.services import record
from frenchtech.programme.deliberation import snapshot
from frenchtech.programme.deliberation.models import (
    JuryDecision,
    Outcome,
    Publication,
    Source,
)
from frenchtech.programme.dossiers.models import Call, Dossier, Status
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.labels.models import CampaignRun
from frenchtech.programme.labels.services import (
    PublicationError,
    correct_decision,
    publish_audit,
    standing_decisions,
)

MIN_RATIONALE = 10   # characters: the same bar as the labels registry's corrections


class DecisionError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


# -- the audit's proposals -------------------------------------------------------------------------

def proposals(call: Call) -> dict[str, dict]:
    """territory -> the audit's row of decisions.csv (its proposal), for the call's audit folder."""
    if not call.audit_dir:
        return {}
    path = Path(call.audit_dir) / "decisions.csv"
    if not path.is_file():
        return {}
    return {row["territory"]: row for row in read_cached(call.audit_dir).decision_records()}


# -- validity of a label, from the campaign's rules -------------------------------------------------

@dataclass(frozen=True)
class LabelRules:
    """When a label of this campaign may start and how long it may last: it starts on the campaign's
    announcement or within its first (probation) period, and lasts at most the probation plus the full
    period."""
    announced: dt.date
    review_years: int
    full_years: int

    @property
    def latest_start(self) -> dt.date:
        return _years_after(self.announced, self.review_years or self.full_years)

    def latest_end(self, start: dt.date) -> dt.date:
        return _years_after(start, self.review_years + self.full_years)

    def review_until(self, start: dt.date, end: dt.date) -> dt.date | None:
        return min(_years_after(start, self.review_years), end) if self.review_years else None

    def default_period(self) -> tuple[dt.date, dt.date]:
        return self.announced, self.latest_end(self.announced)


def label_rules(campaign) -> LabelRules:
    validity = campaign.rules.validity
    return LabelRules(campaign.announced, validity.review_years, validity.full_years)


def default_period(campaign, proposal: dict | None) -> tuple[str, str]:
    """The validity the form offers: the audit's when it proposed a label, else the campaign's label
    period from the announcement, so a label granted by the jury runs alongside the others."""
    proposal = proposal or {}
    if proposal.get("valid_from") and proposal.get("valid_until"):
        return str(proposal["valid_from"]), str(proposal["valid_until"])
    start, end = label_rules(campaign).default_period()
    return start.isoformat(), end.isoformat()


def _date(value):
    if isinstance(value, dt.date) or value in (None, ""):
        return value or None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return "bad"


def _same_period(proposal: dict, kind: str, starts, ends) -> bool:
    return (proposal.get("kind") or "metropole") == kind and _date(proposal.get("valid_from")) == starts \
        and _date(proposal.get("valid_until")) == ends


def clean_decision(data: dict, proposal: dict | None, campaign) -> dict:
    """Check a decision as entered (decision, kind, starts, ends, rationale) against the proposal and
    the campaign's label rules; returns the cleaned decision or raises ``DecisionError``."""
    errors: dict[str, list[str]] = {}
    proposal = proposal or {}
    decision = data.get("decision", "")
    if decision not in Outcome.values:
        errors["decision"] = [_("Choose a decision.")]
    kinds = sorted({s.kind for s in campaign.specs} | {"metropole"})
    kind = (data.get("kind") or proposal.get("kind") or "metropole").strip()
    if kind not in kinds:
        errors["kind"] = [_("Choose one of the campaign's label kinds.")]
    starts, ends = _date(data.get("starts")), _date(data.get("ends"))
    rules = label_rules(campaign)
    review_until = None
    if decision == Outcome.LABELLED:
        for name, value in (("starts", starts), ("ends", ends)):
            if value == "bad":
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        if not errors.get("starts") and not errors.get("ends"):
            if not (starts and ends):
                errors.setdefault("starts", []).append(_("A label needs its validity dates."))
            else:
                errors.update(_period_errors(rules, starts, ends))
                review_until = rules.review_until(starts, ends)
    else:  # a refusal or a deferral grants no label: no validity dates
        starts = ends = None
    proposed = proposal.get("decision") or ""
    if proposed:
        override = decision != proposed or (decision == Outcome.LABELLED
                                             and not _same_period(proposal, kind, starts, ends))
    else:
        override = decision == Outcome.DEFERRED
    rationale = (data.get("rationale") or "").strip()[:5000]
    if override and len(rationale) < MIN_RATIONALE and "decision" not in errors:
        if decision == Outcome.DEFERRED:
            errors["rationale"] = [_("A deferral departs from the audit's proposal: write the rationale.")]
        elif decision == proposed:
            errors["rationale"] = [_("The label kind or validity dates depart from the audit's proposal: write "
                                     "the rationale.")]
        else:
            errors["rationale"] = [_("This decision departs from the audit's proposal (%(p)s): write the "
                                     "rationale.") % {"p": Outcome(proposed).label if proposed in Outcome.values
                                                      else proposed}]
    if errors:
        raise DecisionError(errors)
    return {"decision": decision, "kind": kind, "valid_from": starts, "review_until": review_until,
            "valid_until": ends, "rationale": rationale, "proposed": proposed, "override": override}


def _period_errors(rules: LabelRules, starts: dt.date, ends: dt.date) -> dict[str, list[str]]:
    errors = {}
    if starts < rules.announced:
        errors["starts"] = [_("A label cannot start before the campaign's announcement (%(date)s).")
                            % {"date": rules.announced.isoformat()}]
    elif starts > rules.latest_start:
        errors["starts"] = [_("A label starts within the first period after the announcement: on %(date)s "
                              "at the latest.") % {"date": rules.latest_start.isoformat()}]
    if ends <= starts:
        errors["ends"] = [_("The end of validity must come after its start.")]
    elif ends > rules.latest_end(starts):
        errors["ends"] = [_("A label of this campaign lasts at most %(years)s years: until %(date)s at the "
                            "latest.") % {"years": rules.review_years + rules.full_years,
                                          "date": rules.latest_end(starts).isoformat()}]
    return errors


# -- recording -----------------------------------------------------------------------------------

def current_decisions(call: Call) -> dict[int, JuryDecision]:
    """dossier id -> the decision that stands (the head of the dossier's chain)."""
    return {d.dossier_id: d for d in JuryDecision.objects.filter(call=call, superseded_by__isnull=True)}


def _locked_call(call: Call) -> Call:
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.published_at is not None:
        raise DecisionError({"__all__": [_("The decisions are published and can no longer be changed.")]})
    return call


def _record(call: Call, dossier: Dossier, clean: dict, actor, source: str) -> JuryDecision:
    if dossier.call_id != call.pk:
        raise DecisionError({"__all__": [_("This dossier belongs to another call.")]})
    if dossier.status != Status.SUBMITTED:
        raise DecisionError({"__all__": [_("Only submitted dossiers are decided.")]})
    before = current_decisions(call).get(dossier.pk)
    decision = JuryDecision.objects.create(
        call=call, dossier=dossier, territory=dossier.territory, source=source, supersedes=before,
        decided_by=actor if getattr(actor, "pk", None) else None,
        decided_by_name=getattr(actor, "get_username", lambda: "")() if actor is not None else "system", **clean)
    record(actor, "decision.record", dossier, before=_plain(before), after=_plain(decision), campaign=call.campaign)
    return decision


def _plain(d: JuryDecision | None) -> dict | None:
    if d is None:
        return None
    return {"decision": d.decision, "kind": d.kind, "valid_from": d.valid_from, "review_until": d.review_until,
            "valid_until": d.valid_until, "rationale": d.rationale, "proposed": d.proposed, "override": d.override,
            "source": d.source, "territory": d.territory, "id": d.pk}


@transaction.atomic
def record_decision(call: Call, dossier: Dossier, data: dict, actor, *, source: str = Source.MANUAL) -> JuryDecision:
    """Record the jury's decision on one dossier; it supersedes the dossier's current decision."""
    call = _locked_call(call)
    campaign = load_call_campaign(call)
    clean = clean_decision(data, proposals(call).get(dossier.territory), campaign)
    return _record(call, dossier, clean, actor, source)


@dataclass
class BatchResult:
    recorded: list[Dossier] = field(default_factory=list)
    kept_manual: list[Dossier] = field(default_factory=list)    # decided by hand: never overwritten
    unchanged: list[Dossier] = field(default_factory=list)      # the proposal already stands
    no_proposal: list[Dossier] = field(default_factory=list)
    drafts: list[Dossier] = field(default_factory=list)


@transaction.atomic
def apply_proposals(call: Call, dossier_ids, actor) -> BatchResult:
    """Record the audit's proposal for each selected dossier, except where a decision was taken by hand
    (those are kept and listed) or the proposal already stands."""
    call = _locked_call(call)
    campaign = load_call_campaign(call)
    proposed = proposals(call)
    current = current_decisions(call)
    out = BatchResult()
    for d in Dossier.objects.filter(call=call, pk__in=list(dossier_ids)).order_by("name"):
        proposal = proposed.get(d.territory)
        now = current.get(d.pk)
        if d.status != Status.SUBMITTED:
            out.drafts.append(d)
        elif now is not None and now.manual:
            out.kept_manual.append(d)
        elif not proposal or proposal.get("decision") not in Outcome.values:
            out.no_proposal.append(d)
        elif now is not None and now.decision == proposal["decision"]:
            out.unchanged.append(d)
        else:
            starts, ends = default_period(campaign, proposal)
            data = {"decision": proposal["decision"], "kind": proposal.get("kind") or "metropole",
                    "starts": starts, "ends": ends, "rationale": ""}
            _record(call, d, clean_decision(data, proposal, campaign), actor, Source.PROPOSAL)
            out.recorded.append(d)
    return out


@transaction.atomic
def defer(call: Call, dossier_ids, rationale: str, actor) -> list[Dossier]:
    """Defer every selected dossier with one rationale (a deferral departs from the audit's proposal)."""
    call = _locked_call(call)
    campaign = load_call_campaign(call)
    proposed = proposals(call)
    dossiers = list(Dossier.objects.filter(call=call, pk__in=list(dossier_ids)).order_by("name"))
    if not dossiers:
        raise DecisionError({"dossier": [_("Select the dossiers to defer.")]})
    for d in dossiers:
        proposal = proposed.get(d.territory)
        data = {"decision": Outcome.DEFERRED, "kind": (proposal or {}).get("kind") or "metropole",
                "rationale": rationale}
        _record(call, d, clean_decision(data, proposal, campaign), actor, Source.DEFERRAL)
    return dossiers


# -- publication ------------------------------------------------------------------------------------

@dataclass
class Summary:
    """What publishing would publish, for the confirmation page (and what it did, once published)."""
    manifest_sha256: str
    counts: dict[str, int]                      # decision -> number of territories, after the jury's
    overrides: list[dict]                       # jury decisions that depart from the audit
    audit_only: list[dict]                      # territories of the audit without a dossier here
    undecided: list[str]                        # submitted dossiers without a decision (blocks)
    outside_audit: list[str]                    # decided dossiers whose territory the audit lacks (blocks)
    total: int = 0

    @property
    def ready(self) -> bool:
        return bool(self.manifest_sha256) and not self.undecided and not self.outside_audit

    def as_dict(self) -> dict:
        return {"manifest_sha256": self.manifest_sha256, "counts": self.counts, "total": self.total,
                "overrides": self.overrides, "audit_only": [r["territory"] for r in self.audit_only]}


def summary(call: Call) -> Summary:
    campaign = load_call_campaign(call)
    names = {s.id: s.name for s in campaign.specs}
    proposed = proposals(call)
    decided = current_decisions(call)
    dossiers = {d.pk: d for d in Dossier.objects.filter(call=call)}
    final = {t: row.get("decision") for t, row in proposed.items()}
    overrides, outside = [], []
    for pk, d in sorted(decided.items(), key=lambda kv: dossiers[kv[0]].name):
        if d.territory not in proposed:
            outside.append(dossiers[pk].name)
            continue
        final[d.territory] = d.decision
        if d.override:
            overrides.append({"territory": d.territory, "name": dossiers[pk].name, "proposed": d.proposed,
                              "decision": d.decision, "kind": d.kind, "rationale": d.rationale,
                              "valid_from": d.valid_from.isoformat() if d.valid_from else None,
                              "valid_until": d.valid_until.isoformat() if d.valid_until else None})
    applied = {d.territory for d in dossiers.values() if d.status == Status.SUBMITTED} | \
        {d.territory for d in decided.values()}
    audit_only = [{"territory": t, "name": names.get(t, t), "decision": row.get("decision")}
                  for t, row in sorted(proposed.items(), key=lambda kv: names.get(kv[0], kv[0])) if t not in applied]
    undecided = sorted(d.name for d in dossiers.values() if d.status == Status.SUBMITTED and d.pk not in decided)
    counts: dict[str, int] = {}
    for value in final.values():
        counts[value] = counts.get(value, 0) + 1
    return Summary(manifest_sha256=snapshot.manifest_sha256(call.audit_dir) if call.audit_dir else "",
                   counts=counts, overrides=overrides, audit_only=audit_only, undecided=undecided,
                   outside_audit=outside, total=len(final))


@transaction.atomic
def publish(call: Call, actor, *, confirmed_manifest: str) -> Publication:
    """Make the call's decisions public and final. ``confirmed_manifest`` is the audit manifest hash the
    confirmation page showed: if the audit folder changed since, nothing is published.

    The audit's decisions are published as they are, and each jury decision that departs from them
    (decision, label kind or validity) is published as a correction linked to the audit's, with its
    rationale; the files the public side serves are pinned in the database."""
    call = _locked_call(call)
    if not call.audit_dir:
        raise DecisionError({"__all__": [_("No audit is loaded for this campaign: nothing can be published.")]})
    plan = summary(call)
    if plan.undecided:
        raise DecisionError({"__all__": [_("Decide every submitted dossier first: %(names)s.")
                                         % {"names": ", ".join(plan.undecided)}]})
    if plan.outside_audit:
        raise DecisionError({"__all__": [_("These dossiers' territories are not in the audit, whose decisions "
                                           "are published: %(names)s.") % {"names": ", ".join(plan.outside_audit)}]})
    if not confirmed_manifest or confirmed_manifest != plan.manifest_sha256:
        raise DecisionError({"__all__": [_("The audit changed since the confirmation page was shown: review "
                                           "the summary again.")]})
    try:
        run = publish_audit(call.audit_dir)
        if run.manifest_sha256 != confirmed_manifest:
            raise DecisionError({"__all__": [_("The audit changed since the confirmation page was shown: "
                                               "review the summary again.")]})
        standing = standing_decisions(run)
        for d in current_decisions(call).values():
            audit = standing.get(d.territory)
            if audit is None or _publishes_as_is(audit, d):
                continue
            correct_decision(audit.record_id, d.decision, d.rationale, on_date=timezone.localdate(), kind=d.kind,
                             valid_from=d.valid_from, review_until=d.review_until, valid_until=d.valid_until)
        call.published_at = timezone.now()
        call.save(update_fields=["published_at"])
        publication = _publication(call, run, run.manifest_sha256, plan.as_dict(), actor)
        snapshot.pin(publication, call.audit_dir)
    except PublicationError as exc:
        raise DecisionError({"__all__": [str(exc)]}) from None
    record(actor, "call.publish", call, after={**plan.as_dict(), "published_at": call.published_at, "run": run.pk},
           campaign=call.campaign)
    # Announced once committed: a mail that fails is logged and never touches the publication.
    notifications.after_commit(notifications.decisions_published, call, public_decisions(call), actor=actor)
    return publication


def _publication(call: Call, run, manifest_sha256: str, summary: dict, actor, rationale: str = "",
                 supersedes=None) -> Publication:
    return Publication.objects.create(
        call=call, run=run, manifest_sha256=manifest_sha256, summary=summary, rationale=rationale,
        supersedes=supersedes, published_by=actor if getattr(actor, "pk", None) else None,
        published_by_name=getattr(actor, "get_username", lambda: "")() if actor is not None else "system",
        published_at=call.published_at if supersedes is None else timezone.now())


def _publishes_as_is(audit, jury: JuryDecision) -> bool:
    """The audit's published decision already says what the jury decided (decision, kind, validity)."""
    if audit.decision != jury.decision:
        return False
    if jury.decision != Outcome.LABELLED:
        return True
    return (audit.kind, audit.valid_from, audit.review_until, audit.valid_until) == (
        jury.kind, jury.valid_from, jury.review_until, jury.valid_until)


def public_decisions(call: Call) -> list[dict]:
    """Published decisions of the call's campaign (the newest of each chain), labelled first.

    The published run holds every territory of the campaign's audit, including those that submitted no
    dossier on the platform (automatic labels, candidates decided by the audit alone): they are listed
    too, marked ``audit_only``."""
    run = CampaignRun.objects.filter(campaign=call.campaign).first()
    if call.published_at is None or run is None:
        return []
    applied = set(Dossier.objects.filter(call=call, status=Status.SUBMITTED).values_list("territory", flat=True))
    applied |= set(JuryDecision.objects.filter(call=call).values_list("territory", flat=True))
    rows = []
    for territory, d in standing_decisions(run).items():
        rows.append({"name": d.name, "territory": territory, "decision": d.decision, "kind": d.kind,
                     "audit_only": territory not in applied, "starts": d.valid_from, "ends": d.valid_until,
                     "override": d.override, "rationale": d.override_rationale,
                     "corrected": d.supersedes_id is not None})
    order = {"labelled": 0, "renewed": 0, "confirmed": 1, "deferred": 2, "not_selected": 3}
    return sorted(rows, key=lambda r: (order.get(r["decision"], 3), r["name"]))
