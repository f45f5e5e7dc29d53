"""The jury in the admin, obeying the workflow: reviews are written by jurors on their pages, so they are
read only here (never added, changed or deleted); a conflict of interest is never changed nor withdrawn,
and one declared here goes through ``declare_conflict`` (logged); assignments through ``assign`` and
``unassign`` (refused once the review is submitted); reminders are sent by ``send_reminders``."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from frenchtech.programme.activity.admin import LoggedAdmin
from frenchtech.programme.jury.models import (
    Assignment,
    Conflict,
    Reminder,
    Review,
    Rubric,
)
from frenchtech.programme.jury.services import JuryError, assign, declare_conflict, unassign


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_actions(self, request):
        return {}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rubric)
class RubricAdmin(LoggedAdmin):
    list_display = ("call",)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "sent_at")


@admin.register(Assignment)
class AssignmentAdmin(LoggedAdmin):
    list_display = ("juror", "dossier", "call", "assigned_at")
    fields = ("juror", "dossier")

    def has_change_permission(self, request, obj=None):
        return False  # an assignment is a pair: remove it and assign another

    def has_delete_permission(self, request, obj=None):
        if obj is not None and Review.objects.filter(assignment=obj, submitted_at__isnull=False).exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            made = assign(obj.juror, obj.dossier, request.user)
        except JuryError as exc:
            raise PermissionDenied(str(exc)) from None
        obj.pk, obj.call_id, obj.assigned_at = made.pk, made.call_id, made.assigned_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        unassign(obj, request.user)


@admin.register(Conflict)
class ConflictAdmin(LoggedAdmin):
    list_display = ("juror", "territory", "call", "reason", "declared_at")
    fields = ("call", "juror", "territory", "reason")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        made = declare_conflict(obj.juror, obj.call, obj.territory, obj.reason, actor=request.user)
        obj.pk, obj.declared_at = made.pk, made.declared_at
        obj._state.adding = False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "submitted_at", "updated_at")
