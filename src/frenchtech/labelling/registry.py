"""The label registry, as pure functions over plain decision records.

A decision record is a mapping with at least: ``id``, ``campaign``, ``territory``, ``kind``,
``decision``, ``decided_on`` and, as the decision requires, ``valid_from``, ``review_until``,
``valid_until``, ``reapply_from``, ``label`` (the label it grants, confirms or withdraws) and
``supersedes`` (the id of the decision it corrects). Dates are ``datetime.date`` or ISO strings.

Validity periods are half-open: a label granted on ``valid_from`` with ``valid_until`` D is active
from ``valid_from`` included to D excluded. ``labelled`` and ``renewed`` decisions grant a label;
``withdrawn`` ends one early; ``confirmed`` keeps one. A ``deferred`` decision (French "ajourné")
grants nothing and imposes no re-application delay: the dossier is carried to the next campaign and
re-examined there (see :func:`deferred`, :func:`may_apply_again`). Published decisions are never changed: a
correction is a new record whose ``supersedes`` names the old one, and only the newest counts.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

GRANTING = ("labelled", "renewed")
REJECTED = ("not_selected", "ineligible", "withdrawn")
DEFERRED = "deferred"


def as_date(value) -> dt.date | None:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Label:
    id: str
    territory: str
    name: str
    kind: str
    theme: str
    campaign: str
    valid_from: dt.date
    review_until: dt.date | None
    valid_until: dt.date          # end of validity, excluded (earlier if withdrawn)
    granted_by: str
    withdrawn_on: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day < self.valid_until

    def phase(self, day: dt.date) -> str:
        if self.review_until is not None and day < self.review_until:
            return "under review"
        return "full period"


def current(records) -> list[dict]:
    """Records not superseded by a correction, oldest first."""
    superseded = {r.get("supersedes") for r in records if r.get("supersedes")}
    return sorted((r for r in records if r["id"] not in superseded),
                  key=lambda r: (as_date(r["decided_on"]), str(r["id"])))


def labels(records) -> list[Label]:
    """Every label the (current) decisions grant, with its effective end."""
    recs = current(records)
    withdrawn = {}
    for r in recs:
        if r["decision"] == "withdrawn" and r.get("label"):
            withdrawn[r["label"]] = as_date(r.get("valid_until")) or as_date(r["decided_on"])
    out = []
    for r in recs:
        if r["decision"] not in GRANTING:
            continue
        lid = r.get("label") or f"{r['campaign']}:{r['territory']}:{r.get('kind', 'metropole')}"
        start, end = as_date(r["valid_from"]), as_date(r["valid_until"])
        stop = withdrawn.get(lid)
        out.append(Label(lid, r["territory"], r.get("name") or r["territory"], r.get("kind") or "metropole",
                         r.get("theme") or "", r["campaign"], start, as_date(r.get("review_until")),
                         min(end, stop) if stop else end, str(r["id"]), stop))
    return out


def overlaps(all_labels) -> list[str]:
    """Labels of the same territory and kind whose validity periods intersect (an error)."""
    errors = []
    by_key: dict[tuple, list[Label]] = {}
    for lab in all_labels:
        by_key.setdefault((lab.territory, lab.kind), []).append(lab)
    for (territory, kind), group in sorted(by_key.items()):
        group.sort(key=lambda x: x.valid_from)
        for a, b in zip(group, group[1:]):
            if b.valid_from < a.valid_until:
                errors.append(f"{territory} ({kind}): label {b.id} from {b.valid_from} overlaps label {a.id} "
                              f"valid until {a.valid_until}")
    return errors


def active_on(records, day) -> list[Label]:
    day = as_date(day)
    return sorted((lab for lab in labels(records) if lab.active_on(day)), key=lambda x: (x.kind, x.territory))


def history(records, territory: str) -> list[dict]:
    return [r for r in current(records) if r["territory"] == territory]


def deferred(records, day=None) -> list[dict]:
    """Territories whose newest decision (as of ``day``, if given) is a deferral: they hold no label
    from it and are carried to the next campaign, where their dossier is examined again."""
    day = as_date(day)
    last: dict[tuple, dict] = {}
    for r in current(records):
        if day is None or as_date(r["decided_on"]) <= day:
            last[(r["territory"], r.get("kind") or "metropole")] = r
    return sorted((r for r in last.values() if r["decision"] == DEFERRED),
                  key=lambda r: (as_date(r["decided_on"]), r["territory"]))


def expiring(records, day, within_days: int) -> list[Label]:
    """Labels active on ``day`` whose validity ends within ``within_days`` days."""
    day = as_date(day)
    limit = day + dt.timedelta(days=within_days)
    return sorted((lab for lab in labels(records) if lab.active_on(day) and lab.valid_until <= limit),
                  key=lambda x: (x.valid_until, x.territory))


def may_apply_again(records, territory: str, day) -> tuple[bool, str, dt.date | None]:
    """(allowed, reason, from): a territory may apply unless it holds an active label of the same
    kind or its last rejection's re-application date is still ahead. A deferred territory may apply
    at once: a deferral carries the dossier to the next campaign without the re-application delay."""
    day = as_date(day)
    hist = history(records, territory)
    if not hist:
        return True, f"{territory} has no decision on record", None
    active = [lab for lab in labels(records) if lab.territory == territory and lab.active_on(day)]
    if active:
        lab = active[0]
        return False, f"holds label {lab.id} until {lab.valid_until}", lab.valid_until
    last = hist[-1]
    if last["decision"] == DEFERRED:
        return True, (f"deferred in {last['campaign']}: re-examined at the next campaign, "
                      "no re-application delay"), None
    when = as_date(last.get("reapply_from"))
    if last["decision"] in REJECTED and when is not None and day < when:
        return False, f"{last['decision']} in {last['campaign']}; may apply again from {when}", when
    return True, f"last decision: {last['decision']} in {last['campaign']}", when
