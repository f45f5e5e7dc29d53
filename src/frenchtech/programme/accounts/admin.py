"""Accounts in the admin: every write lands in the activity log (``LoggedAdmin``), password changes
included (never the hash)."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from frenchtech.programme.accounts.models import LoginAttempt, Profile, TerritoryTeam
from frenchtech.programme.activity.admin import LoggedAdmin
from frenchtech.programme.activity.services import record


@admin.register(Profile)
class ProfileAdmin(LoggedAdmin):
    list_display = ("user", "role", "team")
    list_filter = ("role",)


@admin.register(TerritoryTeam)
class TerritoryTeamAdmin(LoggedAdmin):
    list_display = ("name", "campaign", "territory")


@admin.register(LoginAttempt)
class LoginAttemptAdmin(LoggedAdmin):
    list_display = ("username", "address", "at")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class LoggedUserAdmin(LoggedAdmin, UserAdmin):
    """Accounts with their history: a deleted account's activity entries keep its name."""

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            record(request.user, "admin.password", user, after={"password": "(changed)"})
        return response
