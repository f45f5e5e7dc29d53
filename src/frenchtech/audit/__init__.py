"""A campaign audit end to end: evidence -> measures -> indicators -> index -> decisions, written to a
folder with a manifest from which it can be re-run and verified."""
from frenchtech.audit.run import AuditResult, run_audit

__all__ = ["AuditResult", "run_audit"]
