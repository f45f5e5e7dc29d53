"""Ledger services. Plain arguments in, plain data out: the CLI, the web platform and the tests call
them alike. Every write locks the fund row first (an UPDATE, then SELECT ... FOR UPDATE), so writers
are serialised on PostgreSQL and SQLite alike and the budget can never be overspent; every entry has
an idempotency key, so replaying a batch after a crash books nothing twice."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from frenchtech.errors import FrenchTechError
from frenchtech.programme.fund.models import MONEY, Decision, Entry, Fund, Line, Position

CENT = Decimal("0.01")
LARGEST = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - CENT  # what a ledger amount holds
A = Line.Account


class LedgerError(FrenchTechError):
    """A ledger operation that the rules refuse (overspending, double commitment, bad amount...)."""


def money(value, what: str = "amount") -> Decimal:
    """An exact, positive amount to the cent. Floats are refused: they are not exact."""
    if isinstance(value, float):
        raise LedgerError(f"{what}: give money as a string, an integer or a Decimal, not a float ({value!r})")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise LedgerError(f"{what}: {value!r} is not an amount in EUR") from None
    if not d.is_finite():
        raise LedgerError(f"{what}: {value} is not a finite amount in EUR")
    if d <= 0:
        raise LedgerError(f"{what}: {value} must be a positive amount")
    if d > LARGEST:
        raise LedgerError(f"{what}: {value} is more than the ledger holds (at most EUR {LARGEST:,})")
    if d != d.quantize(CENT):
        raise LedgerError(f"{what}: {value} has more than 2 decimals (amounts are to the cent)")
    return d.quantize(CENT)


def _fund(code: str) -> Fund:
    try:
        return Fund.objects.get(code=code)
    except Fund.DoesNotExist:
        raise LedgerError(f"no fund {code!r} in the programme database; open it first") from None


def _lock(code: str) -> Fund:
    """Take the fund's write lock inside the current transaction: the UPDATE makes SQLite take its
    write lock now (before any read) and PostgreSQL lock the row; the SELECT FOR UPDATE re-reads it."""
    if not Fund.objects.filter(code=code).update(lock_version=F("lock_version") + 1):
        raise LedgerError(f"no fund {code!r} in the programme database; open it first")
    return Fund.objects.select_for_update().get(code=code)


# -- decisions ------------------------------------------------------------------------------------

def open_fund(code: str, name: str, budget, decided_by: str = "", rationale: str = "") -> Fund:
    """Create the fund with its budget (idempotent: opening it again with the same budget is a no-op)."""
    budget = money(budget, "budget")
    with transaction.atomic():
        fund = Fund.objects.filter(code=code).first()
        if fund is not None:
            if fund.budget_eur != budget:
                raise LedgerError(f"fund {code!r} is already open with a budget of EUR {fund.budget_eur}")
            return fund
        fund = Fund.objects.create(code=code, name=name, budget_eur=budget, available_eur=0)
        decision = Decision.objects.create(fund=fund, kind=Decision.Kind.OPENING, reference=f"open:{code}",
                                           rationale=rationale or f"fund opened with EUR {budget}",
                                           decided_by=decided_by)
        _book(fund, decision, None, Entry.Kind.OPEN, budget, f"open:{code}", [(A.AVAILABLE, None, budget, 0),
                                                                             (A.CAPITAL, None, 0, budget)])
        fund.available_eur = budget
        fund.save(update_fields=["available_eur"])
        return fund


def record_decision(fund_code: str, kind: str, reference: str, rationale: str = "", decided_by: str = "",
                    payload: dict | None = None) -> Decision:
    """The decision entries will point to (idempotent on its reference)."""
    if kind not in Decision.Kind.values:
        raise LedgerError(f"unknown decision kind {kind!r}; known: {', '.join(Decision.Kind.values)}")
    if not reference:
        raise LedgerError("a decision needs a reference")
    fund = _fund(fund_code)
    decision, created = Decision.objects.get_or_create(
        fund=fund, reference=reference,
        defaults={"kind": kind, "rationale": rationale, "decided_by": decided_by, "payload": payload or {}})
    if not created and decision.kind != kind:
        raise LedgerError(f"decision {reference!r} already exists as a {decision.kind} decision")
    return decision


# -- entries --------------------------------------------------------------------------------------

def _book(fund, decision, position, kind, amount, key, lines, memo=""):
    entry = Entry.objects.create(fund=fund, decision=decision, position=position, kind=kind, amount_eur=amount,
                                 idempotency_key=key, memo=memo)
    debit = credit = Decimal(0)
    for account, pos, dr, cr in lines:
        Line.objects.create(entry=entry, account=account, position=pos, debit_eur=dr, credit_eur=cr)
        debit, credit = debit + Decimal(dr), credit + Decimal(cr)
    if debit != credit:  # a programming error, never a user's: refuse to store an unbalanced entry
        raise AssertionError(f"unbalanced entry {key}: {debit} != {credit}")
    return entry


def _existing(fund, key, kind, amount, application_id):
    entry = Entry.objects.filter(fund=fund, idempotency_key=key).select_related("position").first()
    if entry is None:
        return None
    same = entry.kind == kind and entry.amount_eur == amount and \
        (entry.position.application_id if entry.position else None) == application_id
    if not same:
        raise LedgerError(f"idempotency key {key!r} was already used for a different entry "
                          f"({entry.kind} EUR {entry.amount_eur})")
    return entry


def _decision(fund, decision) -> Decision:
    if isinstance(decision, Decision):
        return decision
    d = Decision.objects.filter(fund=fund, reference=str(decision)).first()
    if d is None:
        raise LedgerError(f"no decision {decision!r} for fund {fund.code}: record the decision first")
    return d


def _balance(fund, account, position=None) -> Decimal:
    q = Line.objects.filter(entry__fund=fund, account=account)
    if position is not None:
        q = q.filter(position=position)
    agg = q.aggregate(dr=Sum("debit_eur"), cr=Sum("credit_eur"))
    return ((agg["dr"] or Decimal(0)) - (agg["cr"] or Decimal(0))).quantize(CENT)


def commit(fund_code: str, application_id: str, amount, decision, key: str, accelerator: str = "",
           siren: str = "", territory: str = "", region: str = "", labelled: bool = False) -> Entry:
    """Commit ``amount`` to an accelerator: refused if it would make the available budget negative or
    if the accelerator already has a commitment from this fund."""
    amount = money(amount, f"commitment to {application_id}")
    if not region:
        raise LedgerError(f"commitment to {application_id}: the region is required")
    with transaction.atomic():
        fund = _lock(fund_code)
        done = _existing(fund, key, Entry.Kind.COMMIT, amount, application_id)
        if done:
            return done
        decision = _decision(fund, decision)
        if fund.available_eur < amount:
            raise LedgerError(f"commitment to {application_id} of EUR {amount} refused: only EUR "
                              f"{fund.available_eur} of the budget remains")
        position, _ = Position.objects.get_or_create(
            fund=fund, application_id=application_id,
            defaults={"accelerator": accelerator or application_id, "siren": siren, "territory": territory,
                      "region": region, "labelled": labelled})
        if Entry.objects.filter(position=position, kind=Entry.Kind.COMMIT).exists():
            raise LedgerError(f"{application_id} already has a commitment from fund {fund_code}: no double commitment")
        try:
            with transaction.atomic():
                entry = _book(fund, decision, position, Entry.Kind.COMMIT, amount, key,
                              [(A.COMMITTED, position, amount, 0), (A.AVAILABLE, None, 0, amount)])
        except IntegrityError as exc:
            raise LedgerError(f"commitment to {application_id} refused: {exc}") from None
        fund.available_eur -= amount
        fund.save(update_fields=["available_eur"])
        return entry


def _position_op(fund_code, application_id, amount, decision, key, kind, check_account, lines_for, what):
    amount = money(amount, f"{what} for {application_id}")
    with transaction.atomic():
        fund = _lock(fund_code)
        done = _existing(fund, key, kind, amount, application_id)
        if done:
            return done
        decision = _decision(fund, decision)
        position = Position.objects.filter(fund=fund, application_id=application_id).first()
        if position is None:
            raise LedgerError(f"{what} for {application_id}: the fund has no position in it")
        if check_account is not None:
            have = _balance(fund, check_account, position)
            if have < amount:
                raise LedgerError(f"{what} of EUR {amount} for {application_id} refused: only EUR {have} "
                                  f"{Line.Account(check_account).label.lower()}")
        entry = _book(fund, decision, position, kind, amount, key, lines_for(position, amount))
        if kind == Entry.Kind.RELEASE:
            fund.available_eur += amount
            fund.save(update_fields=["available_eur"])
        return entry


def disburse(fund_code, application_id, amount, decision, key) -> Entry:
    """Pay out part of a commitment (never more than is still committed)."""
    return _position_op(fund_code, application_id, amount, decision, key, Entry.Kind.DISBURSE, A.COMMITTED,
                        lambda p, x: [(A.INVESTED, p, x, 0), (A.COMMITTED, p, 0, x)], "disbursement")


def record_return(fund_code, application_id, amount, decision, key) -> Entry:
    """Proceeds received from a position (dividends, sale of the stake)."""
    return _position_op(fund_code, application_id, amount, decision, key, Entry.Kind.RETURN, None,
                        lambda p, x: [(A.PROCEEDS, None, x, 0), (A.INCOME, p, 0, x)], "return")


def write_off(fund_code, application_id, amount, decision, key) -> Entry:
    """Write off invested money (never more than is invested at cost)."""
    return _position_op(fund_code, application_id, amount, decision, key, Entry.Kind.WRITE_OFF, A.INVESTED,
                        lambda p, x: [(A.WRITTEN_OFF, p, x, 0), (A.INVESTED, p, 0, x)], "write-off")


def release(fund_code, application_id, amount, decision, key) -> Entry:
    """Give back an undrawn part of a commitment to the available budget."""
    return _position_op(fund_code, application_id, amount, decision, key, Entry.Kind.RELEASE, A.COMMITTED,
                        lambda p, x: [(A.AVAILABLE, None, x, 0), (A.COMMITTED, p, 0, x)], "release")


OPERATIONS = {"commit": commit, "disburse": disburse, "return": record_return, "write_off": write_off,
              "release": release}
DECISION_KINDS = {"disburse": "disbursement", "return": "return", "write_off": "write_off", "release": "release"}


def decide_and_book(fund_code: str, op: str, application_id: str, amount, decision: str, key: str | None = None,
                    rationale: str = "", decided_by: str = "") -> Entry:
    """Record the decision of a position operation and book its entry together: the amount is checked
    first, and a refused entry leaves no decision behind."""
    what = {"disburse": "disbursement", "write_off": "write-off"}.get(op, op)
    money(amount, f"{what} for {application_id}")
    with transaction.atomic():
        record_decision(fund_code, DECISION_KINDS[op], decision, rationale=rationale, decided_by=decided_by)
        return OPERATIONS[op](fund_code, application_id, amount, decision, key or f"{decision}:{op}:{application_id}")


def apply_entries(fund_code: str, entries, after_each=None) -> dict:
    """Apply a batch of entries (dicts with op, application_id, amount, decision, key and, for a
    commitment, the accelerator's details). Each entry is its own transaction: after a crash, apply
    the same batch again and the entries already booked are recognised by their key and skipped."""
    booked = skipped = 0
    for e in entries:
        e = dict(e)
        op = e.pop("op")
        if op not in OPERATIONS:
            raise LedgerError(f"unknown ledger operation {op!r}; known: {', '.join(OPERATIONS)}")
        before = Entry.objects.filter(fund__code=fund_code, idempotency_key=e["key"]).exists()
        OPERATIONS[op](fund_code, **e)
        booked, skipped = booked + (not before), skipped + before
        if after_each is not None:
            after_each(e)
    return {"booked": booked, "skipped": skipped}


def commit_allocation(fund_code: str, reference: str, rows, rationale: str = "", decided_by: str = "",
                      payload: dict | None = None, after_each=None) -> dict:
    """Book an allocation: one decision, one commitment per funded application (key reference:id)."""
    decision = record_decision(fund_code, Decision.Kind.ALLOCATION, reference, rationale, decided_by, payload)
    entries = [{"op": "commit", "application_id": r["application_id"], "amount": r["amount_eur"],
                "decision": decision, "key": f"{reference}:{r['application_id']}",
                "accelerator": r.get("accelerator", ""), "siren": r.get("siren", ""),
                "territory": r.get("territory", ""), "region": r["region"],
                "labelled": str(r.get("labelled", "")).lower() in ("true", "1")} for r in rows]
    return apply_entries(fund_code, entries, after_each=after_each)


# -- reading --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Balances:
    budget: Decimal
    available: Decimal            # uncommitted budget
    committed: Decimal            # net commitments (ever committed minus released), the rules' base
    undrawn: Decimal              # committed, not yet disbursed
    invested: Decimal             # disbursed, at cost, net of write-offs
    written_off: Decimal
    returned: Decimal
    balanced: bool                # total debits equal total credits


def balances(fund_code: str) -> Balances:
    fund = _fund(fund_code)
    agg = Line.objects.filter(entry__fund=fund).aggregate(dr=Sum("debit_eur"), cr=Sum("credit_eur"))
    committed = _sum(fund, Entry.Kind.COMMIT) - _sum(fund, Entry.Kind.RELEASE)
    return Balances(budget=fund.budget_eur, available=_balance(fund, A.AVAILABLE), committed=committed,
                    undrawn=_balance(fund, A.COMMITTED), invested=_balance(fund, A.INVESTED),
                    written_off=_balance(fund, A.WRITTEN_OFF), returned=-_balance(fund, A.INCOME),
                    balanced=(agg["dr"] or 0) == (agg["cr"] or 0))


def _sum(fund, kind, **filters) -> Decimal:
    return (Entry.objects.filter(fund=fund, kind=kind, **filters).aggregate(s=Sum("amount_eur"))["s"] or Decimal(0)).quantize(CENT)


def portfolio(fund_code: str) -> list[dict]:
    """One row per position: committed (net), disbursed, undrawn, written off, returned."""
    fund = _fund(fund_code)
    rows = []
    for p in Position.objects.filter(fund=fund).order_by("application_id"):
        s = {k: _sum(fund, k, position=p) for k in Entry.Kind.values if k != "open"}
        rows.append({"application_id": p.application_id, "accelerator": p.accelerator, "siren": p.siren,
                     "territory": p.territory or "-", "region": p.region, "labelled": p.labelled,
                     "committed_eur": s["commit"] - s["release"], "disbursed_eur": s["disburse"],
                     "undrawn_eur": s["commit"] - s["release"] - s["disburse"],
                     "written_off_eur": s["write_off"], "returned_eur": s["return"]})
    return rows


def committed_state(fund_code: str) -> dict:
    """What the optimiser needs in rolling mode (plain data): available, committed, labelled, by region."""
    b = balances(fund_code)
    by_region: dict[str, Decimal] = {}
    labelled = Decimal(0)
    for r in portfolio(fund_code):
        by_region[r["region"]] = by_region.get(r["region"], Decimal(0)) + r["committed_eur"]
        labelled += r["committed_eur"] if r["labelled"] else 0
    return {"available": b.available, "committed": b.committed, "labelled": labelled, "by_region": by_region}


def entries(fund_code: str, limit: int | None = None) -> list[dict]:
    fund = _fund(fund_code)
    q = Entry.objects.filter(fund=fund).select_related("decision", "position").order_by("-id")
    q = q[:limit] if limit else q
    return [{"id": e.id, "kind": e.kind, "application_id": e.position.application_id if e.position else "",
             "amount_eur": e.amount_eur, "decision": e.decision.reference, "key": e.idempotency_key,
             "at": e.created_at.isoformat(timespec="seconds")} for e in q]
