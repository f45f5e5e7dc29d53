"""A candidate's feedback letter on the platform, once the decisions are published: the territory's own
team reads its letter, the programme team any letter, no one else any.

The letter is rebuilt from the published audit as pinned in the database at publication (its tables,
counterfactuals.csv and flag evidence are among the pinned files, each checked against its hash), with
the decisions published in place of the audit's proposals (a jury override or a deferral shows as such).
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from frenchtech.audit import read
from frenchtech.programme.accounts.models import Role
from frenchtech.programme.accounts.services import role_of, team_of
from frenchtech.programme.deliberation import snapshot
from frenchtech.programme.deliberation.models import Publication
from frenchtech.programme.dossiers.models import Call, Dossier
from frenchtech.report.feedback import Source, render_body
from frenchtech.web.showcase_api.published import overlay, published_rows
from frenchtech.web.views.common import Refused, require

NOT_YOURS = "Only the programme team and the territory's own team may read its feedback letter."


def _call_and_territory(user, territory):
    """The call whose letter is asked for and the territory, or a refusal (403)."""
    role = role_of(user)
    if role == Role.APPLICANT:
        team = team_of(user)
        if team is None or (territory is not None and territory != team.territory):
            raise Refused(_(NOT_YOURS))
        return Call.objects.filter(campaign=team.campaign).order_by("-opens", "-id").first(), team.territory
    if role == Role.ADMIN and territory is not None:
        return Call.objects.filter(published_at__isnull=False).order_by("-published_at", "-id").first(), territory
    raise Refused(_(NOT_YOURS))


@login_required
def letter(request, territory: str | None = None):
    call, territory = _call_and_territory(request.user, territory)
    if call is None:
        raise Http404(_("The feedback letters are available once the decisions are published."))
    require(request, "decision.public", call)   # refused before publication, whoever asks
    dossier = Dossier.objects.filter(call=call, territory=territory).first()
    if dossier is not None:
        require(request, "dossier.view", dossier)   # the team's own dossier (the admin: any)
    publication = Publication.objects.filter(call=call).order_by("-published_at", "-pk").first()
    if publication is None or not snapshot.is_pinned(publication):
        raise Http404(_("The feedback letters are available once the decisions are published."))
    audit = read(snapshot.folder(publication))
    rows = published_rows(str(audit.manifest.get("campaign") or call.campaign))
    decisions = overlay(audit.decisions, rows) if rows else audit.decisions
    source = Source(audit, decisions)
    if territory not in source.scores.index:
        raise Http404(_("This territory has no feedback letter in the published audit."))
    lang = "fr" if (get_language() or "fr").startswith("fr") else "en"
    return render(request, "web/feedback_letter.html", {
        "call": call, "territory": territory, "name": source.name(territory),
        "letter": mark_safe(render_body(source, territory, lang)),   # autoescaped by the report's Jinja
    })
