"""A campaign audit end to end: evidence -> measures -> indicators -> index -> decisions, written to a
folder with a manifest from which it can be re-run and verified; ``read`` is the one reader of such a
folder (frenchtech.audit.folder)."""
from frenchtech.audit.folder import AuditFolder, read

__all__ = ["AuditFolder", "AuditResult", "read", "run_audit"]


def __getattr__(name):
    # The audit run (Ibis, the indicator engine) is imported when asked for: readers stay light.
    if name in ("AuditResult", "run_audit"):
        from frenchtech.audit import run

        return getattr(run, name)
    raise AttributeError(f"module 'frenchtech.audit' has no attribute {name!r}")
