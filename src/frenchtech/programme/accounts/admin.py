"""Accounts in the admin: every write lands in the activity log (``LoggedAdmin``), password changes
included (never the hash)."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from frenchtech.programme.accounts.models import LoginAttempt, Profile, TerritoryTeam
from frenchtech.programme.activity.admin import LoggedAdmin
from frenchtech.programme.activity.services import record
from frenchtech.programme.jury.models import Conflict, Review


@admin.register(Profile)
class ProfileAdmin(LoggedAdmin):
    list_display = ("user", "role", "team", "language")
    list_filter = ("role", "language")


@admin.register(TerritoryTeam)
class TerritoryTeamAdmin(LoggedAdmin):
    list_display = ("name", "campaign", "territory")


@admin.register(LoginAttempt)
class LoginAttemptAdmin(LoggedAdmin):
    list_display = ("username", "address", "at")


User = get_user_model()


def _holds_records(user) -> bool:
    return (Conflict.objects.filter(juror=user).exists()
            or Review.objects.filter(assignment__juror=user, submitted_at__isnull=False).exists())
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class LoggedUserAdmin(LoggedAdmin, UserAdmin):
    """Accounts with their history: a deleted account's activity entries keep its name. An account tied to
    records that cannot be removed (a conflict declaration, a submitted review) cannot be deleted: it is
    deactivated instead (uncheck "active")."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _holds_records(obj):
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            record(request.user, "admin.password", user, after={"password": "(changed)"})
        return response
