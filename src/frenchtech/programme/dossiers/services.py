"""Dossier services: open a call from its campaign file, create, edit, submit, attach files.

They take plain arguments (never a request) so that the CLI, the web pages and the tests call them alike.
Errors come back as ``DossierError`` with messages per field.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchtech.campaign import load_campaign
from frenchtech.errors import GeographyError
from frenchtech.geo import load_geography
from frenchtech.programme.activity.services import record
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.models import (
    Attachment,
    Call,
    Dossier,
    DossierVersion,
    Status,
)
from frenchtech.programme.jury.services import ensure_rubric
from frenchtech.sources.dossier import DECLARED

# The narrative follows the 2014 criteria, so that jurors read the section they score.
NARRATIVE_SECTIONS = ("ecosystem", "ambition", "federation", "accelerators", "flagship", "international")
# Default phase lengths in days when the campaign file gives no [calendar]: open, review, deliberation.
DEFAULT_PHASE_DAYS = (30, 21, 14)
# Accepted attachments: extension -> (content type, leading bytes that prove it; None = text).
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    ".csv": ("text/csv", None),
}


class DossierError(Exception):
    """Validation problems, by field ("__all__" for the dossier as a whole)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _phase_days(campaign) -> tuple[int, int, int]:
    cal = campaign.calendar
    if cal.opens is None or cal.closes is None or cal.jury is None:
        return DEFAULT_PHASE_DAYS
    days = ((cal.closes - cal.opens).days, (cal.jury - cal.closes).days, (campaign.announced - cal.jury).days)
    return days if min(days) > 0 else DEFAULT_PHASE_DAYS


@transaction.atomic
def open_call(campaign_file, *, opens=None, audit_dir=None, blind_review=False, actor=None) -> Call:
    """Open (or re-open with a new calendar) the call of a campaign. The phase lengths come from the
    campaign's [calendar] when it has one, starting at ``opens`` (default: now)."""
    campaign = load_campaign(campaign_file)
    opens = opens or timezone.now()
    a, b, c = _phase_days(campaign)
    dates = dict(opens=opens, deadline=opens + dt.timedelta(days=a), review_ends=opens + dt.timedelta(days=a + b),
                 deliberation_ends=opens + dt.timedelta(days=a + b + c))
    call, created = Call.objects.update_or_create(
        campaign=campaign.id,
        defaults=dict(name=campaign.name, name_en=campaign.name_en, campaign_file=str(Path(campaign_file).resolve()),
                      audit_dir=str(audit_dir or ""), blind_review=blind_review, **dates))
    ensure_rubric(call)
    record(actor, "call.open" if created else "call.reopen", call, after=dates, campaign=call.campaign)
    return call


CALENDAR_FIELDS = ("opens", "deadline", "review_ends", "deliberation_ends")


@transaction.atomic
def set_calendar(call: Call, actor=None, **dates) -> Call:
    before = {f: getattr(call, f) for f in CALENDAR_FIELDS}
    for f, v in dates.items():
        if f not in CALENDAR_FIELDS:
            raise DossierError({f: [_("Unknown calendar date.")]})
        setattr(call, f, v)
    order = [getattr(call, f) for f in CALENDAR_FIELDS]
    if any(x > y for x, y in zip(order, order[1:])):
        raise DossierError({"__all__": [_("The calendar dates must be in order: opens, deadline, review ends, "
                                          "publication.")]})
    call.save()
    record(actor, "call.calendar", call, before=before, after={f: getattr(call, f) for f in CALENDAR_FIELDS},
           campaign=call.campaign)
    return call


def advance_phase(call: Call, actor=None, now=None) -> Call:
    """Close the current phase now (the programme team moves the calendar on by hand)."""
    now = now or timezone.now()
    phase = call.phase(now)
    field = {"upcoming": "opens", "open": "deadline", "review": "review_ends"}.get(phase)
    if field is None:
        raise DossierError({"__all__": [_("Nothing to advance: publish the decisions to end the deliberation.")]})
    dates = {field: now}
    for later in CALENDAR_FIELDS[CALENDAR_FIELDS.index(field) + 1:]:
        if getattr(call, later) < now:
            dates[later] = now
    return set_calendar(call, actor, **dates)


def perimeter(vintage: int, epci=(), communes=()) -> dict:
    """Members and legal population of a perimeter given by EPCI SIREN and/or commune codes."""
    geo = load_geography(vintage)
    # Unknown codes are said in the page's language; other geography errors as the core writes them.
    unknown = [_("Unknown EPCI SIREN %(code)s in the %(vintage)s geography.") % {"code": s, "vintage": vintage}
               for s in epci if str(s).strip() not in geo.epci.index]
    unknown += [_("Unknown commune code %(code)s in the %(vintage)s geography.") % {"code": c, "vintage": vintage}
                for c in communes if str(c).strip().zfill(5) not in geo.communes.index]
    if unknown:
        return {"ok": False, "error": " ".join(unknown), "population": 0, "communes": 0}
    try:
        t = geo.territory("perimeter", "perimeter", epci=tuple(epci), communes=tuple(communes))
    except GeographyError as exc:
        return {"ok": False, "error": str(exc), "population": 0, "communes": 0}
    names = [geo.epci.at[s, "name"] for s in t.epci]
    return {"ok": True, "population": t.population, "communes": len(t.communes), "epci_names": names}


def perimeter_names(vintage: int, epci=(), communes=()) -> tuple[list[str], list[str]]:
    """"Name (code)" of each EPCI and commune of a perimeter, for pages (unknown codes as given)."""
    geo = load_geography(vintage)
    e = [f"{geo.epci.at[s, 'name']} ({s})" if s in geo.epci.index else s for s in epci]
    c = [f"{geo.communes.at[k, 'name']} ({k})" if k in geo.communes.index else k for k in communes]
    return e, c


@transaction.atomic
def create_dossier(call: Call, team, actor=None) -> Dossier:
    """The territory team's dossier, started from the perimeter the campaign file gives."""
    campaign = load_call_campaign(call)
    spec = campaign.spec(team.territory)
    info = perimeter(campaign.vintage, spec.epci, spec.communes)
    dossier = Dossier.objects.create(call=call, territory=team.territory, team=team, name=spec.name,
                                     epci=list(spec.epci), communes=list(spec.communes),
                                     population=info["population"])
    _new_version(dossier, actor)
    record(actor, "dossier.create", dossier, after=dossier.snapshot(), campaign=call.campaign)
    return dossier


def _new_version(dossier: Dossier, actor) -> DossierVersion:
    dossier.version += 1
    dossier.save(update_fields=["version", "updated_at"])
    return DossierVersion.objects.create(dossier=dossier, number=dossier.version, data=dossier.snapshot(),
                                         author=actor if getattr(actor, "pk", None) else None)


def clean_dossier_data(data: dict, vintage: int) -> dict:
    """Check and normalise the editable part of a dossier; raise DossierError by field."""
    errors: dict[str, list[str]] = {}
    out = {}
    name = str(data.get("name", "")).strip()
    if not name:
        errors["name"] = [_("Give the name of the territory's application.")]
    out["name"] = name[:200]
    epci = [s.strip() for s in data.get("epci", []) if str(s).strip()]
    communes = [c.strip() for c in data.get("communes", []) if str(c).strip()]
    info = perimeter(vintage, epci, communes) if (epci or communes) else {"ok": False, "error": "", "population": 0}
    if not (epci or communes):
        errors["perimeter"] = [_("Choose at least one EPCI or commune.")]
    elif not info["ok"]:
        errors["perimeter"] = [info["error"]]
    out.update(epci=epci, communes=communes, population=info["population"])
    declared = {}
    for key in DECLARED:
        raw = data.get("declared", {}).get(key, "")
        if raw in ("", None):
            continue
        try:
            value = float(str(raw).replace(" ", "").replace("\u202f", "").replace(",", "."))
        except ValueError:
            errors[f"declared_{key}"] = [_("Enter a number.")]
            continue
        if not value >= 0 or value == float("inf"):
            errors[f"declared_{key}"] = [_("Enter a number greater than or equal to 0.")]
            continue
        declared[key] = int(value) if value.is_integer() else value
    out["declared"] = declared
    out["narrative"] = {s: str(data.get("narrative", {}).get(s, "")).strip()[:10000] for s in NARRATIVE_SECTIONS}
    for key in ("structures", "initiatives"):
        items = [str(x).strip()[:200] for x in data.get(key, []) if str(x).strip()]
        if len(items) > 200:
            errors[key] = [_("At most 200 lines.")]
        out[key] = items[:200]
    if errors:
        raise DossierError(errors)
    return out


@transaction.atomic
def update_dossier(dossier: Dossier, data: dict, actor=None) -> Dossier:
    if dossier.locked:
        raise DossierError({"__all__": [_("This dossier has been submitted and can no longer be changed.")]})
    campaign = load_call_campaign(dossier.call)
    clean = clean_dossier_data(data, campaign.vintage)
    before = dossier.snapshot()
    for k, v in clean.items():
        setattr(dossier, k, v)
    dossier.save()
    _new_version(dossier, actor)
    record(actor, "dossier.update", dossier, before=before, after=dossier.snapshot(), campaign=dossier.call.campaign)
    return dossier


def submission_problems(dossier: Dossier) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (dossier.epci or dossier.communes):
        errors["perimeter"] = [_("Choose at least one EPCI or commune.")]
    for s in NARRATIVE_SECTIONS:
        if not dossier.narrative.get(s):
            errors[f"narrative_{s}"] = [_("This section is required to submit.")]
    for key in _required_figures(dossier):
        if key not in dossier.declared:
            errors[f"declared_{key}"] = [_("The campaign requires this figure.")]
    return errors


def _required_figures(dossier) -> tuple[str, ...]:
    campaign = load_call_campaign(dossier.call)
    figures = campaign.eligibility.complete_dossier
    return tuple(f for f in figures if f in DECLARED)


@transaction.atomic
def submit_dossier(dossier: Dossier, actor=None, now=None) -> Dossier:
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if dossier.locked:
        raise DossierError({"__all__": [_("This dossier has already been submitted.")]})
    problems = submission_problems(dossier)
    if problems:
        raise DossierError(problems)
    dossier.status = Status.SUBMITTED
    dossier.submitted_at = now or timezone.now()
    dossier.save()
    _new_version(dossier, actor)
    record(actor, "dossier.submit", dossier, before={"status": Status.DRAFT},
           after={"status": Status.SUBMITTED, "version": dossier.version}, campaign=dossier.call.campaign)
    return dossier


def check_upload(name: str, size: int, head: bytes) -> tuple[str, str]:
    """(clean file name, content type) for an accepted file; DossierError otherwise."""
    ext = Path(name).suffix.lower()
    if ext not in ATTACHMENT_TYPES:
        raise DossierError({"file": [_("Accepted files: PDF, PNG, JPEG, XLSX, ODS, CSV.")]})
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise DossierError({"file": [_("The file is too large (limit %(mb)s MB).") % {
            "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}]})
    if size == 0:
        raise DossierError({"file": [_("The file is empty.")]})
    content_type, magics = ATTACHMENT_TYPES[ext]
    if magics is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            raise DossierError({"file": [_("The file's content does not match its type.")]}) from None
    elif not any(head.startswith(m) for m in magics):
        raise DossierError({"file": [_("The file's content does not match its type.")]})
    stem = "".join(ch for ch in Path(name).stem if ch.isalnum() or ch in "-_ ").strip()[:80] or "file"
    return f"{stem}{ext}", content_type


@transaction.atomic
def add_attachment(dossier: Dossier, uploaded, actor=None) -> Attachment:
    """``uploaded``: a Django File (name, size, read)."""
    if dossier.locked:
        raise DossierError({"__all__": [_("This dossier has been submitted and can no longer be changed.")]})
    if dossier.attachments.count() >= settings.ATTACHMENT_MAX_COUNT:
        raise DossierError({"file": [_("Too many attachments.")]})
    uploaded.seek(0)
    head = uploaded.read(2048)
    uploaded.seek(0)
    name, content_type = check_upload(uploaded.name, uploaded.size, head)
    att = Attachment(dossier=dossier, name=name, content_type=content_type, size=uploaded.size,
                     uploaded_by=actor if getattr(actor, "pk", None) else None)
    att.file.save(name, uploaded, save=False)
    att.save()
    record(actor, "attachment.add", att, after={"dossier": dossier.pk, "name": name, "size": uploaded.size},
           campaign=dossier.call.campaign)
    return att


@transaction.atomic
def remove_attachment(att: Attachment, actor=None) -> None:
    if att.dossier.locked:
        raise DossierError({"__all__": [_("This dossier has been submitted and can no longer be changed.")]})
    record(actor, "attachment.remove", att, before={"dossier": att.dossier_id, "name": att.name},
           campaign=att.dossier.call.campaign)
    att.file.delete(save=False)
    att.delete()
