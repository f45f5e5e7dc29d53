from django.contrib import admin

from frenchtech.programme.accounts.models import LoginAttempt, Profile, TerritoryTeam


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "team")
    list_filter = ("role",)


@admin.register(TerritoryTeam)
class TerritoryTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "campaign", "territory")


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ("username", "address", "at")
