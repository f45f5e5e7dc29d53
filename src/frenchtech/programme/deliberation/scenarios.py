"""What-if scenarios of a call's deliberation: computed on the call's audit by the analytic core
(``frenchtech.labelling.whatif``), saved by name, logged. Services take plain arguments (no request), so
the web, the command line and the tests call them alike. Nothing here records or changes a decision."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from frenchtech.errors import FrenchTechError, InputError
from frenchtech.labelling.whatif import WhatIf, whatif
from frenchtech.programme.activity.services import record
from frenchtech.programme.deliberation.models import Scenario

NAME_MAX = Scenario._meta.get_field("name").max_length


class ScenarioError(FrenchTechError):
    """A scenario that cannot be computed or saved; the message says why."""


def compute(call, keys: dict) -> WhatIf:
    """The what-if of ``keys`` on the call's audit."""
    if not call.audit_dir:
        raise ScenarioError(_("This call has no audit to ask \"what if\" of."))
    if not isinstance(keys, dict):
        raise InputError("settings", "not a table of keys", expected="{key: value}")
    return whatif(call.audit_dir, keys)


def changes_of(result: WhatIf) -> list[dict]:
    return [{"territory": r.territory, "audit": r.audit_decision, "whatif": r.decision}
            for r in result.changed.itertuples()]


def save(call, name: str, keys: dict, user) -> Scenario:
    """Save a named scenario (computed first: a scenario that cannot be computed is not saved) and log it."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ScenarioError(_("A scenario needs a name of 1 to %(max)s characters.") % {"max": NAME_MAX})
    result = compute(call, keys)
    author = user if getattr(user, "pk", None) else None
    try:
        with transaction.atomic():
            scenario = Scenario.objects.create(call=call, name=name, keys=result.settings,
                                               changes=changes_of(result), author=author,
                                               author_name=user.get_username() if author else "")
            record(user, "scenario.save", scenario, after={"name": name, "settings": result.settings,
                                                          "changes": scenario.changes}, campaign=call.campaign)
    except IntegrityError:
        raise ScenarioError(_("A scenario named “%(name)s” already exists.") % {"name": name}) from None
    return scenario


def scenarios(call):
    return Scenario.objects.filter(call=call)
