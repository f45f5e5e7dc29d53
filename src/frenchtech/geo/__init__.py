"""French geography by vintage: communes, EPCI (with their type) and legal populations.

Vintages: 2014 and 2015 (DGCL perimeters, INSEE 2013 legal populations) and 2026 (current COG).
A territory is a named set of communes given by EPCI SIREN codes and/or commune codes.
"""
from frenchtech.geo.geography import VINTAGES, Geography, load_geography
from frenchtech.geo.territory import Territory

__all__ = ["VINTAGES", "Geography", "Territory", "load_geography"]
