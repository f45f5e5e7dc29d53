"""Which call the pages show: the most recently opened one."""
from frenchtech.programme.dossiers.models import Call


def current_call():
    return Call.objects.order_by("-opens", "-id").first()
