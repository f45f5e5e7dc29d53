"""Ledger tables. Money is DecimalField (cents), never a float. Every entry is balanced (its lines'
debits equal its credits), carries an idempotency key (a replay never books it twice) and points to
the decision that authorised it."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 16, "decimal_places": 2}


class Fund(models.Model):
    """A fund and its budget. This row is locked by every writer, so two writers committing at once
    are serialised and cannot overspend; ``available_eur`` mirrors the 'available' account."""
    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    budget_eur = models.DecimalField(**MONEY)
    available_eur = models.DecimalField(**MONEY)
    lock_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(available_eur__gte=0), name="fund_available_not_negative"),
            models.CheckConstraint(condition=Q(available_eur__lte=models.F("budget_eur")),
                                   name="fund_available_within_budget"),
        ]

    def __str__(self):
        return self.code


class Decision(models.Model):
    """Who decided what, and why: an allocation run, a manager's disbursement order, a write-off."""

    class Kind(models.TextChoices):
        OPENING = "opening", "Fund opened"
        ALLOCATION = "allocation", "Allocation of a batch"
        DISBURSEMENT = "disbursement", "Disbursement order"
        RETURN = "return", "Proceeds received"
        WRITE_OFF = "write_off", "Write-off"
        RELEASE = "release", "Commitment released"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reference = models.CharField(max_length=200)
    rationale = models.TextField(blank=True)
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "reference"], name="decision_reference_unique")]


class Position(models.Model):
    """An accelerator the fund committed to (one application)."""
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="positions")
    application_id = models.CharField(max_length=80)
    accelerator = models.CharField(max_length=300)
    siren = models.CharField(max_length=9, blank=True)
    territory = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=10)
    labelled = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fund", "application_id"], name="position_unique")]


class Entry(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", "Fund opened"
        COMMIT = "commit", "Commitment"
        DISBURSE = "disburse", "Disbursement"
        RETURN = "return", "Return"
        WRITE_OFF = "write_off", "Write-off"
        RELEASE = "release", "Commitment released"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="entries")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_eur = models.DecimalField(**MONEY)
    idempotency_key = models.CharField(max_length=200)
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fund", "idempotency_key"], name="entry_key_unique"),
            models.UniqueConstraint(fields=["position"], condition=Q(kind="commit"), name="one_commitment_per_position"),
            models.CheckConstraint(condition=Q(amount_eur__gt=0), name="entry_amount_positive"),
        ]
        ordering = ["id"]


class Line(models.Model):
    """One side of an entry on one account (optionally per position)."""

    class Account(models.TextChoices):
        CAPITAL = "capital", "Fund capital"
        AVAILABLE = "available", "Available budget"
        COMMITTED = "committed", "Committed, not yet disbursed"
        INVESTED = "invested", "Invested at cost"
        WRITTEN_OFF = "written_off", "Written off"
        PROCEEDS = "proceeds", "Proceeds received"
        INCOME = "income", "Returns from positions"

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(max_length=20, choices=Account.choices)
    position = models.ForeignKey(Position, on_delete=models.PROTECT, null=True, blank=True)
    debit_eur = models.DecimalField(default=0, **MONEY)
    credit_eur = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(debit_eur__gte=0) & Q(credit_eur__gte=0), name="line_sides_not_negative"),
        ]
