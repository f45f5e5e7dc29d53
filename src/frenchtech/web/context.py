"""Template context shared by every page: the current call, the user's role, the language switch."""
from frenchtech.programme.accounts.services import role_of
from frenchtech.programme.dossiers.models import Phase
from frenchtech.web.calls import current_call


def platform(request):
    call = current_call()
    phase = call.phase() if call else None
    return {"current_call": call, "role": role_of(request.user), "phase": phase,
            "phase_label": Phase(phase).label if phase else ""}
