"""A campaign opened for applications (``Call``) and the dossiers territories file to it."""
from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frenchtech.programme.records import ProtectedModel, ProtectedQuerySet, Protection


class Phase(models.TextChoices):
    """The calendar of a call, in order. Pages allow or refuse actions by phase (see accounts.permissions)."""
    UPCOMING = "upcoming", _("not open yet")
    OPEN = "open", _("open for applications")
    REVIEW = "review", _("jury review")
    DELIBERATION = "deliberation", _("deliberation")
    PUBLISHED = "published", _("decisions published")


# What publication and submission freeze (the database triggers of dossiers migration 0002 say the same).
CALL_PUBLISHED_FIELDS = ("campaign", "campaign_file", "audit_dir", "published_at")
DOSSIER_CONTENT_FIELDS = ("call", "territory", "team", "name", "epci", "communes", "population", "declared",
                          "narrative", "structures", "initiatives", "status", "submitted_at")


class Call(ProtectedModel):
    campaign = models.CharField(_("campaign"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    campaign_file = models.CharField(_("campaign file"), max_length=500)
    audit_dir = models.CharField(_("audit folder"), max_length=500, blank=True)
    opens = models.DateTimeField(_("opens"))
    deadline = models.DateTimeField(_("deadline"))
    review_ends = models.DateTimeField(_("review ends"))
    deliberation_ends = models.DateTimeField(_("publication planned"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    blind_review = models.BooleanField(_("blind review"), default=False,
                                       help_text=_("Jurors do not see each other's scores or names."))

    # Once published, the audit the decisions were read from and the campaign stay as they were.
    protection = Protection(update_when=Q(published_at__isnull=False), delete_when=Q(published_at__isnull=False),
                            fields=CALL_PUBLISHED_FIELDS,
                            message="{table} rows are published calls: their campaign, audit folder and "
                                    "publication date cannot be changed")
    objects = ProtectedQuerySet.as_manager()

    class Meta:
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")

    def __str__(self):
        return self.name

    def phase(self, now=None) -> str:
        now = now or timezone.now()
        if self.published_at is not None:
            return Phase.PUBLISHED
        if now < self.opens:
            return Phase.UPCOMING
        if now < self.deadline:
            return Phase.OPEN
        if now < self.review_ends:
            return Phase.REVIEW
        return Phase.DELIBERATION

    def calendar(self) -> list[tuple[str, object]]:
        return [(Phase.OPEN, self.opens), (Phase.REVIEW, self.deadline),
                (Phase.DELIBERATION, self.review_ends), (Phase.PUBLISHED, self.deliberation_ends)]

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")


class Dossier(ProtectedModel):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("call"))
    territory = models.CharField(_("territory"), max_length=80)
    team = models.ForeignKey("accounts.TerritoryTeam", on_delete=models.PROTECT, related_name="dossiers")
    name = models.CharField(_("name"), max_length=200)
    epci = models.JSONField(_("EPCI"), default=list, blank=True)
    communes = models.JSONField(_("communes"), default=list, blank=True)
    population = models.PositiveBigIntegerField(_("population"), default=0)
    declared = models.JSONField(_("declared figures"), default=dict, blank=True)
    narrative = models.JSONField(_("narrative"), default=dict, blank=True)
    structures = models.JSONField(_("support structures"), default=list, blank=True)
    initiatives = models.JSONField(_("initiatives"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # A submitted dossier's content is what the jury read: it is never changed nor deleted.
    protection = Protection(update_when=Q(status="submitted"), delete_when=Q(status="submitted"),
                            fields=DOSSIER_CONTENT_FIELDS,
                            message="{table} rows are submitted dossiers and their content cannot be changed")
    objects = ProtectedQuerySet.as_manager()

    class Meta:
        unique_together = [("call", "territory")]
        ordering = ["name"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self):
        return self.name

    @property
    def locked(self) -> bool:
        return self.status == Status.SUBMITTED

    def snapshot(self) -> dict:
        return {f: getattr(self, f) for f in ("name", "epci", "communes", "population", "declared", "narrative",
                                              "structures", "initiatives", "status")}


class DossierVersion(models.Model):
    """A dossier as it was after each save: versions are kept, never edited."""
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("dossier", "number")]
        ordering = ["dossier", "-number"]


def private_root():
    """Where private files live: the PRIVATE_FILES_ROOT setting, else FRENCHTECH_HOME/private-files."""
    return str(getattr(settings, "PRIVATE_FILES_ROOT", None)
               or Path(os.environ.get("FRENCHTECH_HOME", ".")).resolve() / "private-files")


class PrivateStorage(FileSystemStorage):
    """Attachments live under PRIVATE_FILES_ROOT, outside any served folder; a view streams them after a
    permission check. The folder is read from the settings at each use (tests use a temporary one)."""

    @property
    def base_location(self):
        return private_root()

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def private_storage():
    return PrivateStorage()


def attachment_path(instance, filename):
    return f"dossiers/{instance.dossier.call.campaign}/{instance.dossier.territory}/{filename}"


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=500)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")

    def __str__(self):
        return self.name
