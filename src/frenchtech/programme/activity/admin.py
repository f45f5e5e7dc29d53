"""The activity log in the admin (read only), and ``LoggedAdmin``: the base of every programme admin, so
that each write made through /admin/ is appended to the activity log with its before and after."""
from django.contrib import admin
from django.db import transaction

from frenchtech.programme.activity.models import Entry
from frenchtech.programme.activity.services import record

HIDDEN = {"password"}  # never copied into the log; a change says "(changed)"


def snapshot(obj) -> dict:
    """The stored values of ``obj``'s own fields (foreign keys as ids), for the log's before/after."""
    out = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        out[f.name] = "(hidden)" if f.name in HIDDEN else value
    return out


def campaign_of(obj) -> str:
    for path in ("campaign", "call.campaign", "dossier.call.campaign", "assignment.call.campaign"):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
        if isinstance(value, str):
            return value
    return ""


class LoggedAdmin(admin.ModelAdmin):
    """Every add, change and delete made through the admin lands in the activity log ("admin.add",
    "admin.change", "admin.delete", with before/after); no bulk "delete selected" action."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def log_write(self, request, action, obj, before=None, after=None):
        record(request.user, action, obj, before=before, after=after, campaign=campaign_of(obj))

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            stored = type(obj)._base_manager.filter(pk=obj.pk).first() if change else None
            before = snapshot(stored) if stored is not None else None
            super().save_model(request, obj, form, change)
            after = snapshot(obj)
            for k in HIDDEN:
                if stored is not None and hasattr(obj, k) and getattr(stored, k) != getattr(obj, k):
                    after[k] = "(changed)"
            self.log_write(request, "admin.change" if change else "admin.add", obj, before, after)

    def delete_model(self, request, obj):
        with transaction.atomic():
            self.log_write(request, "admin.delete", obj, before=snapshot(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "campaign")
    list_filter = ("action", "campaign")
    search_fields = ("actor_name", "action", "object_id")
    readonly_fields = [f.name for f in Entry._meta.fields]

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
