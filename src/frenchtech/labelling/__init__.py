"""Labelling rules: from scores to decisions (labelled, not selected), with reasons."""
from frenchtech.labelling.rules import Decision, decide

__all__ = ["Decision", "decide"]
