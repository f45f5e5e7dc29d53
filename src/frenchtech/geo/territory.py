"""A territory: a named set of communes whose population follows the geography vintage."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    vintage: int
    communes: tuple[str, ...]          # INSEE codes of the member communes (sorted)
    population: int                    # sum of the members' legal populations for the vintage
    epci: tuple[str, ...] = ()         # the EPCI SIREN codes it was declared with
    extra_communes: tuple[str, ...] = ()  # communes declared one by one
    match_codes: tuple[str, ...] = field(default=(), repr=False)
    """Codes that identify the territory in registers: the communes plus, for Paris, Lyon and
    Marseille, their municipal arrondissements (SIRENE codes establishments by arrondissement)."""
