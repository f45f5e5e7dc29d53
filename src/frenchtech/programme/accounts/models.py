"""Roles and territory teams. A person has one role; applicants belong to one territory's team."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("programme admin")
    APPLICANT = "applicant", _("applicant team")
    JUROR = "juror", _("juror")
    FUND_MANAGER = "fund_manager", _("fund manager")
    PUBLIC = "public", _("public")


class TerritoryTeam(models.Model):
    """The people who apply for one candidate territory of a campaign."""
    campaign = models.CharField(_("campaign"), max_length=80)
    territory = models.CharField(_("territory"), max_length=80)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        unique_together = [("campaign", "territory")]
        verbose_name = _("territory team")
        verbose_name_plural = _("territory teams")

    def __str__(self):
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PUBLIC)
    team = models.ForeignKey(TerritoryTeam, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="members", verbose_name=_("team"))
    # The language of the e-mails the person receives (pages follow the browser or the language switch).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)

    def __str__(self):
        return f"{self.user.get_username()} ({self.role})"


class LoginAttempt(models.Model):
    """Failed logins (account name, address, time), kept for the programme team; the rate limit
    counts them in ``LoginFailureCount``."""
    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)


class LoginFailureCount(models.Model):
    """Failed logins in the current window, per account and per account and address (``key``); the
    window runs from ``since``. A login takes one failure here before its password is checked."""
    key = models.CharField(max_length=255, unique=True)
    failures = models.PositiveIntegerField(default=0)
    since = models.DateTimeField()


class Notice(models.Model):
    """An e-mail the programme sent to a person: what it was about (``kind``) and for what (``key``:
    the call and its date), so that a scheduled notice goes once to each person."""
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key"])]
