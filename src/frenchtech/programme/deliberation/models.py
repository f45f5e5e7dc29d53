"""The jury's decisions and the publication of a call.

A decision is never edited: deciding again adds a row that supersedes the dossier's current one, so each
dossier has one chain of decisions whose head is the decision that stands. Publishing records which
audit was published (its manifest hash) and keeps a copy of every file the public side serves, so that
the public pages never depend on a folder that can change afterwards.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frenchtech.programme.records import ProtectedModel, ProtectedQuerySet, Protection


class Outcome(models.TextChoices):
    LABELLED = "labelled", _("labelled")
    NOT_SELECTED = "not_selected", _("not selected")
    DEFERRED = "deferred", _("deferred")


class Source(models.TextChoices):
    MANUAL = "manual", _("decided on the dossier")
    PROPOSAL = "proposal", _("audit's proposal applied")
    DEFERRAL = "deferral", _("deferred with others")


class JuryDecision(ProtectedModel):
    protection = Protection(message="{table} rows are jury decisions and cannot be changed; record a new decision")
    objects = ProtectedQuerySet.as_manager()

    call = models.ForeignKey("dossiers.Call", on_delete=models.PROTECT, related_name="jury_decisions")
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="jury_decisions")
    territory = models.CharField(_("territory"), max_length=80)
    decision = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    kind = models.CharField(_("label kind"), max_length=40)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    review_until = models.DateField(_("under review until"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    proposed = models.CharField(_("audit's proposal"), max_length=20, blank=True)
    override = models.BooleanField(_("departs from the audit"), default=False)
    source = models.CharField(_("how"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("who"))
    decided_by_name = models.CharField(_("who"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("when"), default=timezone.now)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("jury decision")
        verbose_name_plural = _("jury decisions")
        # one first decision per dossier, and each decision superseded at most once: a single chain
        constraints = [models.UniqueConstraint(fields=["dossier"], condition=Q(supersedes__isnull=True),
                                               name="deliberation_one_first_decision_per_dossier")]

    def __str__(self):
        return f"{self.territory}: {self.decision}"

    @property
    def manual(self) -> bool:
        """Decided by a person on this dossier (a batch of proposals must not overwrite it)."""
        return self.source != Source.PROPOSAL


class Publication(ProtectedModel):
    """A call's decisions made public: the audit published, what the confirmation showed and the files
    the public side serves. A re-audit published later is a new publication that supersedes the previous
    one, with its rationale; the newest one is what the public side serves."""
    protection = Protection(message="{table} rows are publications and cannot be changed")
    objects = ProtectedQuerySet.as_manager()

    call = models.ForeignKey("dossiers.Call", on_delete=models.PROTECT, related_name="publications")
    run = models.ForeignKey("labels.CampaignRun", on_delete=models.PROTECT, related_name="publications")
    manifest_sha256 = models.CharField(max_length=64)
    summary = models.JSONField(default=dict)
    rationale = models.TextField(_("rationale"), blank=True)    # why a re-audit was published
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_by_name = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["published_at", "pk"]
        verbose_name = _("publication")
        constraints = [models.UniqueConstraint(fields=["call"], condition=Q(supersedes__isnull=True),
                                               name="deliberation_one_first_publication_per_call")]


class PublishedFile(ProtectedModel):
    """One file of a published audit, as published (the public side serves these bytes)."""
    protection = Protection(message="{table} rows are published files and cannot be changed")
    objects = ProtectedQuerySet.as_manager()

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="files")
    path = models.CharField(max_length=300)     # relative POSIX path in the published folder
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "path"],
                                               name="deliberation_one_file_per_path")]
        ordering = ["publication", "path"]


class Scenario(models.Model):
    """A what-if saved during the deliberation: the campaign keys it changes (``settings``, as
    ``frenchtech.labelling.whatif`` takes them), its name, who saved it and when, and the decisions it
    would have changed when saved. A scenario never changes a decision: decisions are JuryDecision rows.
    (The field is ``keys``: a field named ``settings`` would hide Django's settings in this class.)"""
    call = models.ForeignKey("dossiers.Call", on_delete=models.PROTECT, related_name="scenarios")
    name = models.CharField(_("name"), max_length=120)
    keys = models.JSONField(_("settings changed"), default=dict)
    changes = models.JSONField(_("decisions that would change"), default=list)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("who"))
    author_name = models.CharField(_("who"), max_length=150, blank=True)   # kept if the account goes
    created = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("what-if scenario")
        verbose_name_plural = _("what-if scenarios")
        constraints = [models.UniqueConstraint(fields=["call", "name"], name="deliberation_one_scenario_per_name")]

    def __str__(self):
        return self.name
