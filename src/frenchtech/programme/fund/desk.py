"""The fund managers' desk: the current batch of applications and its latest allocation, kept as files
in the fund's folder under ``PRIVATE_FILES_ROOT`` (never served), in the very formats the command line
reads and writes (applications CSV, allocation folder). Plain arguments in, plain data out: the web
views are thin wrappers over these functions, which call the fund's core and its ledger services."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from frenchtech.errors import FrenchTechError
from frenchtech.fund import (
    Existing,
    Locator,
    allocate,
    assess,
    explain,
    load_fund,
    read_applications,
    write_applications,
)
from frenchtech.fund.generate import GENERATED_NOTE, generate_applications
from frenchtech.fund.outputs import decision_payload, read_allocation, write_allocation
from frenchtech.programme.dossiers.models import private_root
from frenchtech.programme.fund import services
from frenchtech.programme.fund.models import Decision, Fund

CALL = "fund-2014"   # shipped rules, or a call file (settings.FUND_CALL or $FRENCHTECH_FUND_CALL)
EXPLAIN_LIMIT = 20   # rejections whose needed score is found by re-solving (best scored first)
TIME_LIMIT = 30.0


class DeskError(FrenchTechError):
    """Something the fund manager can fix (no batch yet, the ledger moved since the allocation...)."""


def fund():
    return load_fund(getattr(settings, "FUND_CALL", None) or os.environ.get("FRENCHTECH_FUND_CALL") or CALL)


def territory_names(f) -> dict[str, str]:
    """{territory id: name} for the fund's campaign, to show names rather than ids."""
    return {tid: t.name for tid, t in Locator.for_fund(f).territories.items()}


def folder(f) -> Path:
    return Path(private_root()) / "fund" / f.id


def _apps_file(f) -> Path:
    return folder(f) / "applications.csv"


def _alloc_dir(f) -> Path:
    return folder(f) / "allocation"


def _store(f, apps, note: str) -> list:
    write_applications(apps, _apps_file(f), header_comment=note)
    shutil.rmtree(_alloc_dir(f), ignore_errors=True)  # the allocation was for the previous batch
    return apps


def import_applications(f, path) -> list:
    """Read and place an uploaded CSV with the fund's reader; nothing is stored unless every row is valid
    (an ``InputError`` names the line and column; a ``GeographyError`` the application)."""
    apps = Locator.for_fund(f).locate_all(read_applications(path), where="applications")
    generated = any(a.generated for a in apps)
    return _store(f, apps, "GENERATED applications (demo data, not real accelerators)" if generated
                  else "applications uploaded by a fund manager")


def generate(f, n: int, seed: int) -> list:
    apps = generate_applications(Locator.for_fund(f), n, seed=seed)
    return _store(f, apps, f"{GENERATED_NOTE}; seed {seed}")


def applications(f) -> list:
    """The current batch, placed (region, territory, labelled), or [] when none was loaded."""
    path = _apps_file(f)
    if not path.is_file():
        return []
    return Locator.for_fund(f).locate_all(read_applications(path), where="applications")


def assessments(f, apps) -> dict:
    return assess(apps, f)


def set_rating(f, application_id: str, rating) -> tuple[float, float]:
    """The fund managers' rating (1 to 5) of one application; returns (before, after)."""
    try:
        value = float(str(rating).replace(",", "."))
    except ValueError:
        raise DeskError("the rating must be a number from 1 to 5") from None
    if not 1 <= value <= 5:
        raise DeskError("the rating must be a number from 1 to 5")
    apps = applications(f)
    found = [a for a in apps if a.application_id == application_id]
    if not found:
        raise DeskError(f"no application {application_id!r} in the current batch")
    before = found[0].manager_rating
    apps = [replace(a, manager_rating=value) if a.application_id == application_id else a for a in apps]
    generated = any(a.generated for a in apps)
    _store(f, apps, "GENERATED applications (demo data, not real accelerators)" if generated
           else "applications uploaded by a fund manager")
    return before, value


def ledger_open(f) -> bool:
    return Fund.objects.filter(code=f.id).exists()


def run_allocation(f) -> dict:
    """Allocate the current batch. Rolling against the ledger once the fund is open: what is already
    committed counts in the shares and applications already committed to are left out."""
    apps = applications(f)
    if not apps:
        raise DeskError("no applications: upload a file or generate a demo batch first")
    existing = None
    if ledger_open(f):
        st = services.committed_state(f.id)
        existing = Existing(st["available"], st["committed"], st["labelled"], st["by_region"])
        held = {p["application_id"] for p in services.portfolio(f.id)}
        apps = [a for a in apps if a.application_id not in held]
        if not apps:
            raise DeskError("every application of the batch already has a commitment")
    alloc = allocate(apps, assessments(f, apps), f.rules, existing, time_limit=TIME_LIMIT)
    expl = explain(alloc, resolve_limit=EXPLAIN_LIMIT, vintage=f.vintage)
    return write_allocation(_alloc_dir(f), alloc, apps, expl, f, generated=any(a.generated for a in apps))


def latest_allocation(f):
    """(explanation, rows) of the latest allocation of the current batch, or None."""
    if not (_alloc_dir(f) / "explanation.json").is_file():
        return None
    return read_allocation(_alloc_dir(f))


class StaleSummary(DeskError):
    """The allocation or the ledger changed after the confirmation page showed its summary."""


def commit_summary(f) -> dict:
    """What committing the latest allocation books: its reference, the positions and amounts, the totals
    before and after, and ``digest``, the SHA-256 of all of it, which the confirmation must send back."""
    latest = latest_allocation(f)
    if latest is None:
        raise DeskError("no allocation to commit: run the allocation first")
    doc, rows = latest
    names = territory_names(f)
    positions = [{"application_id": r["application_id"], "accelerator": r["accelerator"], "region": r["region"],
                  "territory": names.get(r["territory"], r["territory"]), "labelled": r["labelled"] == "true",
                  "amount_eur": Decimal(r["amount_eur"])} for r in rows if r["funded"] == "true"]
    is_open = ledger_open(f)
    committed = services.committed_state(f.id)["committed"] if is_open else Decimal(0)
    available = services.balances(f.id).available if is_open else Decimal(str(f.budget_eur))
    total = sum((p["amount_eur"] for p in positions), Decimal(0))
    already = is_open and Decision.objects.filter(fund__code=f.id, reference=doc["reference"]).exists()
    canonical = json.dumps({"reference": doc["reference"], "committed_before": str(committed), "already": already,
                            "positions": [[p["application_id"], str(p["amount_eur"])] for p in positions]},
                           sort_keys=True)
    return {"reference": doc["reference"], "positions": positions, "total_eur": total, "already": already,
            "committed_before": committed, "committed_after": committed + (0 if already else total),
            "available_before": available, "available_after": available - (0 if already else total),
            "generated": bool(doc.get("generated_input")),
            "digest": hashlib.sha256(canonical.encode()).hexdigest()}


def commit_latest(f, decided_by: str, confirmed: str | None = None) -> dict:
    """Book the latest allocation in the ledger (the fund is opened first if need be). Idempotent:
    committing it again books nothing. Refused when the ledger moved since the allocation was run, and,
    when ``confirmed`` is given (the digest of the summary a person confirmed), when that summary no
    longer says what would be booked."""
    latest = latest_allocation(f)
    if latest is None:
        raise DeskError("no allocation to commit: run the allocation first")
    if confirmed is not None and confirmed != commit_summary(f)["digest"]:
        raise StaleSummary("the allocation or the ledger changed since the summary was shown: review it again")
    doc, rows = latest
    services.open_fund(f.id, f.name, f.budget_eur, decided_by=decided_by)
    already = Decision.objects.filter(fund__code=f.id, reference=doc["reference"]).exists()
    committed = services.committed_state(f.id)["committed"]
    if not already and committed != Decimal(doc["existing"]["committed_eur"]):
        raise DeskError("the ledger changed since this allocation was run: run the allocation again")
    funded = [r for r in rows if r["funded"] == "true"]
    result = services.commit_allocation(f.id, doc["reference"], funded, rationale=doc["certificate"],
                                        decided_by=decided_by,
                                        payload=decision_payload(doc))
    return {**result, "reference": doc["reference"], "total_eur": doc["summary"]["batch_total_eur"]}
