"""Campaign runs, their published decisions and the labels they grant. Published rows are never
updated or deleted: a correction is a new Decision whose ``supersedes`` names the old one."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from frenchtech.programme.records import ProtectedQuerySet, Protection

PUBLISHED = Protection(update_when=True, delete_when=True,
                       message="{table} rows are published records and cannot be changed; record a correction")


class Immutable(models.Model):
    """Refuses updates and deletes once saved: the instance (ValidationError), the queryset's update() and
    delete() (ProtectedRecordError) and, whatever the path, the database triggers (labels migration 0003)."""

    protection = PUBLISHED
    objects = ProtectedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise ValidationError(_("%(model)s %(pk)s is published and cannot be changed; record a correction")
                                  % {"model": self._meta.verbose_name, "pk": self.pk})
        self.full_clean()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("published records cannot be deleted"))


class CampaignRun(Immutable):
    """One published audit of a campaign."""
    campaign = models.CharField(_("campaign"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    announced = models.DateField(_("announced"))
    predecessor = models.CharField(_("predecessor"), max_length=80, blank=True)
    manifest_sha256 = models.CharField(max_length=64)
    manifest = models.JSONField()
    generated_evidence = models.BooleanField(default=False)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["announced"]
        verbose_name = _("campaign run")

    def __str__(self):
        return self.campaign


class Decision(Immutable):
    KINDS = ("labelled", "renewed", "confirmed", "withdrawn", "not_selected", "ineligible", "deferred")

    run = models.ForeignKey(CampaignRun, on_delete=models.PROTECT, related_name="decisions")
    record_id = models.CharField(max_length=200, unique=True)
    territory = models.CharField(_("territory"), max_length=80, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("label kind"), max_length=40, default="metropole")
    theme = models.CharField(_("theme"), max_length=80, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=[(k, k) for k in KINDS])
    reason = models.TextField(_("reason"))
    score = models.FloatField(null=True, blank=True)
    relative = models.FloatField(null=True, blank=True)
    group = models.CharField(max_length=20, blank=True)
    override = models.BooleanField(_("jury override"), default=False)
    override_rationale = models.TextField(_("override rationale"), blank=True)
    early_warning = models.TextField(_("early warning"), blank=True)
    flags = models.TextField(_("declared vs observed flags"), blank=True)
    decided_on = models.DateField(_("decided on"))
    valid_from = models.DateField(null=True, blank=True)
    review_until = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    reapply_from = models.DateField(null=True, blank=True)
    label_ref = models.CharField(_("label"), max_length=200, blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_on", "record_id"]
        verbose_name = _("decision")

    def clean(self):
        if self.override and len(self.override_rationale.strip()) < 10:
            raise ValidationError(_("a jury override needs a written rationale"))
        if self.supersedes_id is not None and len(self.override_rationale.strip()) < 10:
            raise ValidationError(_("a correction needs a written rationale"))
        if self.decision == "deferred" and (self.valid_from or self.valid_until or self.reapply_from):
            raise ValidationError(_("a deferred decision grants no label: it has no validity dates and no "
                                    "re-application delay"))
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(_("validity ends before it starts"))

    def as_record(self) -> dict:
        return {"id": self.record_id, "campaign": self.run.campaign, "territory": self.territory, "name": self.name,
                "kind": self.kind, "theme": self.theme, "decision": self.decision, "reason": self.reason,
                "relative": self.relative, "group": self.group, "override": self.override,
                "override_rationale": self.override_rationale, "early_warning": self.early_warning,
                "flags": self.flags, "decided_on": self.decided_on, "valid_from": self.valid_from,
                "review_until": self.review_until, "valid_until": self.valid_until,
                "reapply_from": self.reapply_from, "label": self.label_ref,
                "supersedes": self.supersedes.record_id if self.supersedes_id else ""}


class Label(Immutable):
    """A label as granted: its period never changes; a withdrawal decision ends it early."""
    label_id = models.CharField(max_length=200, unique=True)
    territory = models.CharField(_("territory"), max_length=80, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("label kind"), max_length=40)
    theme = models.CharField(_("theme"), max_length=80, blank=True)
    valid_from = models.DateField()
    review_until = models.DateField(null=True, blank=True)
    valid_until = models.DateField()
    granted_by = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="granted_label")

    class Meta:
        ordering = ["valid_from", "territory"]
        verbose_name = _("label")

    def effective_end(self):
        ended = Decision.objects.filter(label_ref=self.label_id, decision="withdrawn", superseded_by__isnull=True)
        dates = [d.valid_until or d.decided_on for d in ended]
        return min([self.valid_until, *dates])

    def clean(self):
        if self.valid_until <= self.valid_from:
            raise ValidationError(_("a label must last: valid_until is not after valid_from"))
        others = Label.objects.filter(territory=self.territory, kind=self.kind, valid_from__lt=self.valid_until,
                                      granted_by__superseded_by__isnull=True)  # a corrected grant no longer holds
        for other in others.exclude(label_id=self.label_id):
            if self.valid_from < other.effective_end():
                raise ValidationError(_("label %(new)s (%(start)s to %(end)s) overlaps label %(old)s valid until "
                                        "%(old_end)s") % {"new": self.label_id, "start": self.valid_from,
                                                          "end": self.valid_until, "old": other.label_id,
                                                          "old_end": other.effective_end()})
