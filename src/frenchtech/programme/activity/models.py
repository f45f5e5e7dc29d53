"""One row per change. Rows are never updated or deleted: the model and its queryset refuse to, and so do
the database triggers (activity migration 0002), which allow one update only: a deleted account's entries
lose their link to it (actor set to NULL, nothing else changed; ``actor_name`` keeps who it was)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from frenchtech.programme.records import ProtectedRecordError


class AppendOnlyError(ProtectedRecordError):
    pass


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("the activity log is append-only")

    def delete(self):
        raise AppendOnlyError("the activity log is append-only")


class Entry(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("who"))
    actor_name = models.CharField(_("who"), max_length=150, blank=True)  # kept if the account goes
    action = models.CharField(_("what"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=80, blank=True)
    campaign = models.CharField(_("campaign"), max_length=80, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("activity entry")
        verbose_name_plural = _("activity log")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the activity log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the activity log is append-only")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"
