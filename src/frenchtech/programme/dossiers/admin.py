"""Calls and dossiers in the admin, obeying the workflow: a submitted dossier is read only and cannot be
deleted; a draft is edited through ``update_dossier`` (checks, version, log); a call's calendar through
``set_calendar``; once published, its campaign, campaign file and audit folder are read only."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from frenchtech.programme.activity.admin import LoggedAdmin
from frenchtech.programme.calls import load_call_campaign
from frenchtech.programme.dossiers.models import (
    CALL_PUBLISHED_FIELDS,
    DOSSIER_CONTENT_FIELDS,
    Attachment,
    Call,
    Dossier,
    DossierVersion,
)
from frenchtech.programme.dossiers.services import (
    CALENDAR_FIELDS,
    DossierError,
    clean_dossier_data,
    remove_attachment,
    set_calendar,
    update_dossier,
)


def _form_errors(exc: DossierError) -> ValidationError:
    return ValidationError([f"{'' if k == '__all__' else k + ': '}{m}" for k, v in exc.errors.items() for m in v])


class CallForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = "__all__"

    def clean(self):
        data = super().clean()
        dates = [data.get(f) or getattr(self.instance, f) for f in CALENDAR_FIELDS]
        if all(dates) and any(x > y for x, y in zip(dates, dates[1:])):
            raise ValidationError(_("The calendar dates must be in order: opens, deadline, review ends, "
                                    "publication."))
        return data


@admin.register(Call)
class CallAdmin(LoggedAdmin):
    """Calls are opened with ``open_call`` (rubric, calendar from the campaign file): no add, no delete here."""
    form = CallForm
    list_display = ("campaign", "name", "opens", "deadline", "review_ends", "deliberation_ends", "published_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return CALL_PUBLISHED_FIELDS
        return ("published_at",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        stored = Call.objects.get(pk=obj.pk)
        dates = {f: getattr(obj, f) for f in CALENDAR_FIELDS if f in form.changed_data}
        if dates:  # the calendar goes through the same service as the calendar page ("call.calendar")
            set_calendar(stored, request.user, **dates)
        if set(form.changed_data) - set(CALENDAR_FIELDS):
            super().save_model(request, obj, form, change)  # the other fields: "admin.change" with before/after


class VersionInline(admin.TabularInline):
    model = DossierVersion
    extra = 0
    readonly_fields = ("number", "author", "created_at", "data")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


EDITABLE = ("name", "epci", "communes", "declared", "narrative", "structures", "initiatives")


class DossierForm(forms.ModelForm):
    """A draft's content, checked as the dossier page checks it (``clean_dossier_data``)."""

    class Meta:
        model = Dossier
        fields = EDITABLE

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None and not self.errors:
            raw = {k: data.get(k) or ("" if k == "name" else {} if k in ("declared", "narrative") else [])
                   for k in EDITABLE}
            try:
                clean_dossier_data(raw, load_call_campaign(self.instance.call).vintage)
            except DossierError as exc:
                raise _form_errors(exc) from None
        return data


@admin.register(Dossier)
class DossierAdmin(LoggedAdmin):
    """Dossiers are created and submitted by their teams: no add here. A draft's content is edited through
    ``update_dossier``; a submitted dossier is read only and cannot be deleted."""
    form = DossierForm
    list_display = ("name", "call", "territory", "status", "version", "population", "submitted_at")
    list_filter = ("call", "status")
    inlines = [VersionInline]

    def get_readonly_fields(self, request, obj=None):
        always = ("call", "territory", "team", "population", "status", "version", "submitted_at", "updated_at")
        if obj is not None and obj.locked:
            return tuple(dict.fromkeys((*DOSSIER_CONTENT_FIELDS, *always)))
        return always

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.locked:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.locked:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        stored = Dossier.objects.get(pk=obj.pk)
        try:
            update_dossier(stored, {k: form.cleaned_data.get(k) for k in EDITABLE}, request.user)
        except DossierError as exc:  # submitted meanwhile: the form cannot show it any more
            raise ValidationError(str(exc)) from None
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # versions are read only; update_dossier keeps them


@admin.register(Attachment)
class AttachmentAdmin(LoggedAdmin):
    """Files are uploaded on the dossier page (type and size checks): no add or change here; a draft's
    attachment is removed through ``remove_attachment``."""
    list_display = ("name", "dossier", "content_type", "size", "uploaded_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.dossier.locked:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        remove_attachment(obj, request.user)
