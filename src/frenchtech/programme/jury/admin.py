from django.contrib import admin

from frenchtech.programme.jury.models import (
    Assignment,
    Conflict,
    Reminder,
    Review,
    Rubric,
)

admin.site.register(Rubric)
admin.site.register(Reminder)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("juror", "dossier", "call", "assigned_at")


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ("juror", "territory", "call", "reason", "declared_at")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("assignment", "submitted_at", "updated_at")
