from django.contrib import admin

from frenchtech.programme.dossiers.models import (
    Attachment,
    Call,
    Dossier,
    DossierVersion,
)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("campaign", "name", "opens", "deadline", "review_ends", "deliberation_ends", "published_at")
    readonly_fields = ("published_at",)


class VersionInline(admin.TabularInline):
    model = DossierVersion
    extra = 0
    readonly_fields = ("number", "author", "created_at", "data")
    can_delete = False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("name", "call", "territory", "status", "version", "population", "submitted_at")
    list_filter = ("call", "status")
    inlines = [VersionInline]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "dossier", "content_type", "size", "uploaded_at")
