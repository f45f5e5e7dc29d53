"""Declarative indicators: the catalogue (measures, indicators, NAF tagging) and their evaluation."""
from frenchtech.indicators.catalogue import indicator_label

__all__ = ["indicator_label"]
