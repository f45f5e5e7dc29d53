"""Which call the pages show: the most recently opened one.

Read on nearly every request, so each process keeps it for a second; saving a call clears it at once
in the saving process (other processes see the change within the second)."""
import time

from django.db.models.signals import post_save
from django.dispatch import receiver

from frenchtech.programme.dossiers.models import Call

TTL = 1.0
_cache: dict = {}


def current_call():
    hit = _cache.get("call")
    if hit is not None and time.monotonic() - hit[0] < TTL:
        return hit[1]
    call = Call.objects.order_by("-opens", "-id").first()
    _cache["call"] = (time.monotonic(), call)
    return call


@receiver(post_save, sender=Call)
def _forget(**kwargs):
    _cache.clear()
