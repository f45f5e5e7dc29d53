from django.contrib import admin

from frenchtech.programme.activity.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id", "campaign")
    list_filter = ("action", "campaign")
    search_fields = ("actor_name", "action", "object_id")
    readonly_fields = [f.name for f in Entry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
