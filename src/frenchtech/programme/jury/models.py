"""Rubric per call, assignments, conflicts of interest, reviews, reminders."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from frenchtech.programme.records import ProtectedModel, ProtectedQuerySet, Protection

SCORE_MIN, SCORE_MAX = 0, 5


class Rubric(models.Model):
    """Criteria of a call: [{"id", "label_fr", "label_en", "weight"}], scored 0-5 or n/a."""
    call = models.OneToOneField("dossiers.Call", on_delete=models.CASCADE, related_name="rubric")
    criteria = models.JSONField()

    def label(self, criterion: dict, language: str) -> str:
        return criterion.get(f"label_{language}") or criterion.get("label_en") or criterion["id"]


class Assignment(models.Model):
    call = models.ForeignKey("dossiers.Call", on_delete=models.CASCADE, related_name="assignments")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("juror", "dossier")]
        ordering = ["dossier__name", "juror__username"]
        verbose_name = _("assignment")


class Conflict(ProtectedModel):
    """A juror tied to a territory: they may neither see its scores nor score it. A declaration is never
    changed nor withdrawn (database triggers, jury migration 0002)."""
    protection = Protection(update_when=True, delete_when=True,
                            message="{table} rows are declarations of interest and cannot be changed")
    objects = ProtectedQuerySet.as_manager()

    call = models.ForeignKey("dossiers.Call", on_delete=models.CASCADE, related_name="conflicts")
    juror = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts")
    territory = models.CharField(_("territory"), max_length=80)
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("call", "juror", "territory")]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")


class Review(ProtectedModel):
    """A juror's scores: a draft stays editable; once submitted, never changed nor deleted (database
    triggers, jury migration 0002)."""
    protection = Protection(update_when=Q(submitted_at__isnull=False), delete_when=Q(submitted_at__isnull=False),
                            message="{table} rows are submitted reviews and cannot be changed")
    objects = ProtectedQuerySet.as_manager()

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    scores = models.JSONField(default=dict)       # criterion id -> 0..5, or None for n/a
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Reminder(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(auto_now_add=True)
