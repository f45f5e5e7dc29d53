"""The activity log read as sentences in the page's language: who did what to which dossier, call or
account. The log keeps codes (``decision.record``, ``dossiers.dossier 13``); this module names them."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from frenchtech.programme.dossiers.models import Attachment, Call, Dossier
from frenchtech.programme.jury.models import Assignment, Review
from frenchtech.web import labels_text

# action code -> sentence; %(actor)s is the person, %(object)s the thing acted on, other keys come from
# the entry's recorded values.
SENTENCES = {
    "call.open": gettext_noop("%(actor)s opened the call %(object)s"),
    "call.reopen": gettext_noop("%(actor)s opened the call %(object)s again"),
    "call.calendar": gettext_noop("%(actor)s changed the calendar of %(object)s"),
    "call.publish": gettext_noop("%(actor)s published the decisions of %(object)s"),
    "call.reaudit": gettext_noop("%(actor)s re-audited the labels of %(object)s"),
    "dossier.create": gettext_noop("%(actor)s started %(object)s"),
    "dossier.update": gettext_noop("%(actor)s saved a new version of %(object)s"),
    "dossier.submit": gettext_noop("%(actor)s submitted %(object)s"),
    "attachment.add": gettext_noop("%(actor)s attached the file %(name)s to %(object)s"),
    "attachment.remove": gettext_noop("%(actor)s removed the file %(name)s from %(object)s"),
    "decision.record": gettext_noop("%(actor)s recorded the decision “%(decision)s” on %(object)s"),
    "decision.correct": gettext_noop("%(actor)s corrected the published decision on %(object)s: now “%(decision)s”"),
    "conflict.declare": gettext_noop("%(actor)s declared a conflict of interest with %(territory)s"),
    "jury.assign": gettext_noop("%(actor)s assigned %(juror)s to %(object)s"),
    "jury.unassign": gettext_noop("%(actor)s withdrew %(juror)s from %(object)s"),
    "jury.remind": gettext_noop("%(actor)s reminded %(object)s of their outstanding reviews"),
    "review.save": gettext_noop("%(actor)s saved a draft review of %(object)s"),
    "review.submit": gettext_noop("%(actor)s submitted a review of %(object)s"),
    "scenario.save": gettext_noop("%(actor)s saved the what-if scenario %(name)s"),
    "account.create": gettext_noop("%(actor)s created the account %(username)s"),
    "admin.password": gettext_noop("%(actor)s changed the password of %(object)s"),
    "admin.add": gettext_noop("%(actor)s added %(object)s in the administration"),
    "admin.change": gettext_noop("%(actor)s changed %(object)s in the administration"),
    "admin.delete": gettext_noop("%(actor)s deleted %(object)s in the administration"),
    "mail.sent": gettext_noop("An e-mail was sent (%(kind)s)"),
    "mail.failed": gettext_noop("An e-mail could not be sent (%(kind)s)"),
    "fund.applications.generate": gettext_noop("%(actor)s generated %(n)s demo fund applications"),
    "fund.applications.upload": gettext_noop("%(actor)s uploaded %(applications)s fund applications"),
    "fund.application.rate": gettext_noop("%(actor)s rated the fund application %(application)s"),
    "fund.allocate": gettext_noop("%(actor)s ran the fund allocation %(reference)s"),
    "fund.commit": gettext_noop("%(actor)s committed the allocation %(reference)s to the ledger"),
    "fund.disburse": gettext_noop("%(actor)s recorded a disbursement on the position %(application_id)s"),
    "fund.return": gettext_noop("%(actor)s recorded a return on the position %(application_id)s"),
    "fund.write_off": gettext_noop("%(actor)s wrote off part of the position %(application_id)s"),
    "fund.release": gettext_noop("%(actor)s released commitment on the position %(application_id)s"),
}
OTHER = gettext_noop("%(actor)s: %(action)s on %(object)s")

# The filter's kinds of object: label and the object types (app.model) they cover.
OBJECTS = {
    "dossier": (gettext_noop("Dossiers and attachments"), ("dossiers.dossier", "dossiers.attachment")),
    "call": (gettext_noop("Calls"), ("dossiers.call",)),
    "jury": (gettext_noop("Jury: assignments, reviews, conflicts"),
             ("jury.assignment", "jury.review", "jury.conflict")),
    "account": (gettext_noop("Accounts"), ("auth.user",)),
    "fund": (gettext_noop("Fund"), ("fund.decision", "fund.entry", "")),
}


def action_label(code: str) -> str:
    """The action alone, for the filter (the sentence without its people and objects)."""
    return _(ACTION_LABELS[code]) if code in ACTION_LABELS else code


ACTION_LABELS = {
    "call.open": gettext_noop("call opened"), "call.reopen": gettext_noop("call opened again"),
    "call.calendar": gettext_noop("calendar changed"), "call.publish": gettext_noop("decisions published"),
    "call.reaudit": gettext_noop("labels re-audited"), "dossier.create": gettext_noop("dossier started"),
    "dossier.update": gettext_noop("dossier saved"), "dossier.submit": gettext_noop("dossier submitted"),
    "attachment.add": gettext_noop("file attached"), "attachment.remove": gettext_noop("file removed"),
    "decision.record": gettext_noop("decision recorded"),
    "decision.correct": gettext_noop("published decision corrected"), "conflict.declare": gettext_noop("conflict of interest declared"),
    "jury.assign": gettext_noop("juror assigned"), "jury.unassign": gettext_noop("juror withdrawn"),
    "jury.remind": gettext_noop("juror reminded"), "review.save": gettext_noop("draft review saved"),
    "review.submit": gettext_noop("review submitted"), "scenario.save": gettext_noop("what-if scenario saved"),
    "account.create": gettext_noop("account created"), "admin.password": gettext_noop("password changed"),
    "mail.sent": gettext_noop("e-mail sent"), "mail.failed": gettext_noop("e-mail failed"),
    "fund.allocate": gettext_noop("fund allocation run"), "fund.commit": gettext_noop("allocation committed"),
}


class Namer:
    """Names the objects of a page of entries, reading each dossier, call or account once."""

    def __init__(self, language: str):
        self.language = language
        self.cache: dict[tuple[str, str], str] = {}

    def dossier(self, pk) -> str:
        key = ("dossiers.dossier", str(pk))
        if key not in self.cache:
            d = Dossier.objects.filter(pk=pk).only("name").first()
            self.cache[key] = (_("%(name)s's dossier") % {"name": d.name}) if d else _("dossier %(id)s") % {"id": pk}
        return self.cache[key]

    def name(self, entry) -> str:
        t, pk, values = entry.object_type, entry.object_id, {**(entry.before or {}), **(entry.after or {})}
        if t == "dossiers.dossier":
            return self.dossier(pk)
        if t == "dossiers.attachment":
            dossier = values.get("dossier") or Attachment.objects.filter(pk=pk).values_list("dossier", flat=True).first()
            return self.dossier(dossier) if dossier else _("a dossier")
        if t in ("jury.assignment", "jury.review"):
            model = Assignment if t == "jury.assignment" else Review
            field = "dossier_id" if t == "jury.assignment" else "assignment__dossier_id"
            dossier = values.get("dossier") or model.objects.filter(pk=pk).values_list(field, flat=True).first()
            return self.dossier(dossier) if dossier else _("a dossier")
        if t == "dossiers.call":
            call = Call.objects.filter(pk=pk).first()
            if call is None:
                return pk
            name = call.display_name(self.language)
            return f"«\u00a0{name}\u00a0»" if self.language == "fr" else f"“{name}”"
        if t == "auth.user":
            user = get_user_model().objects.filter(pk=pk).first()
            return user.get_username() if user else values.get("username", pk)
        if not t:
            return ""
        return f"{t.split('.')[-1]} {pk}"


def sentence(entry, namer: Namer) -> str:
    """One entry as a sentence in the active language."""
    values = {**(entry.before or {}), **(entry.after or {})}
    if entry.action in ("decision.record", "decision.correct"):
        values["decision"] = labels_text.decision((entry.after or {}).get("decision", ""))
    if entry.action == "conflict.declare":
        values["territory"] = values.get("territory", "")
    template = SENTENCES.get(entry.action)
    params = {k: ("" if v is None else v) for k, v in values.items() if isinstance(v, (str, int, float))}
    params.update(actor=entry.actor_name, object=namer.name(entry), action=entry.action)
    try:
        return _(template) % params if template else _(OTHER) % params
    except KeyError:  # an older entry without a value the sentence names
        return _(OTHER) % params
