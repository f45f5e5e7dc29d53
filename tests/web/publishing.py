"""Publishing as the programme admin does it: the confirmation page, then its confirm button."""
from __future__ import annotations


def publish(client):
    """GET the confirmation page, POST its confirmation; returns the POST's response (followed)."""
    page = client.get("/deliberation/publish/")
    assert page.status_code == 200, page.status_code
    plan = page.context["plan"]
    assert plan.ready, (plan.undecided, plan.outside_audit)
    return client.post("/deliberation/publish/", {"confirm": plan.manifest_sha256}, follow=True)
