"""Register (an applicant territory team), log in with a rate limit, log out."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frenchtech.programme.accounts.services import (
    free_territories,
    login_failed,
    login_succeeded,
    register_applicant,
    reserve_login,
    role_of,
)
from frenchtech.programme.accounts.models import Role
from frenchtech.programme.dossiers.models import Phase
from frenchtech.programme.calls import load_call_campaign
from frenchtech.web.calls import current_call
from frenchtech.web.views.common import client_address


class RegisterForm(forms.Form):
    territory = forms.ChoiceField(label=gettext_lazy("Territory"))
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)

    def clean_username(self):
        name = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise ValidationError(_("This user name is taken."))
        return name

    def clean(self):
        data = super().clean()
        if data.get("password"):
            try:
                validate_password(data["password"], get_user_model()(username=data.get("username", "")))
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


def register(request):
    call = current_call()
    if call is None or call.phase() not in (Phase.UPCOMING, Phase.OPEN):
        return render(request, "web/register_closed.html", status=403)
    campaign = load_call_campaign(call)
    form = RegisterForm(request.POST or None)
    form.fields["territory"].choices = free_territories(campaign)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        user = register_applicant(campaign, d["territory"], d["username"], d["password"], d["email"])
        auth_login(request, user, backend="frenchtech.web.auth.ProgrammeBackend")
        messages.success(request, _("Welcome. Your territory team is registered: you can now start the dossier."))
        return redirect("dossier-list")
    return render(request, "web/register.html", {"form": form, "call": call})


def work_list(user) -> str:
    """Where a person lands after logging in: the list of their own work, by role (and, for the programme
    team, by the campaign's phase)."""
    role = role_of(user)
    if role == Role.ADMIN:
        call = current_call()
        phase = call.phase() if call else None
        return "deliberation-list" if phase in (Phase.DELIBERATION, Phase.PUBLISHED) else "dossier-list"
    return {Role.APPLICANT: "dossier-list", Role.JUROR: "jury-home", Role.FUND_MANAGER: "fund-home"}.get(role, "home")


def login(request):
    error, blocked = None, False
    username = request.POST.get("username", "")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        address = client_address(request)
        if not reserve_login(username, address):  # taken before the password is checked
            blocked = True
            error = _("Too many failed attempts. Try again in 15 minutes.")
        else:
            user = authenticate(request, username=username, password=request.POST.get("password", ""))
            if user is None:
                login_failed(username, address)
                error = _("Wrong user name or password.")
            else:
                login_succeeded(username, address)
                auth_login(request, user)
                if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                    next_url = ""
                return redirect(next_url or work_list(user))
    status = 429 if blocked else 200
    return render(request, "web/login.html", {"error": error, "username": username, "next": next_url},
                  status=status)


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("home")


def admin_login(request):
    return redirect_to_login(request.GET.get("next") or "/admin/")
