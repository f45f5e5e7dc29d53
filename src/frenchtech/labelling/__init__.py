"""Labelling rules and the label lifecycle, on plain data: eligibility, quota or thresholds per label
kind, automatic labels, jury overrides, validity periods, re-audit of the predecessor's labels with
early warnings, the registry of labels, and declared-vs-observed checks."""
from frenchtech.labelling.rules import Decision, apply_rule, eis_group, passes

__all__ = ["Decision", "apply_rule", "eis_group", "passes"]
