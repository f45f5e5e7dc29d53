"""The index framework read from COINr's iMeta table: levels, parents, weights, directions.

iMeta has one row per indicator, aggregate, group column and denominator column
(``Level, iCode, iName, Direction, Weight, Denominator, Parent, Type``). Level 1 holds indicators;
each aggregate at level L gathers the rows of level L-1 whose ``Parent`` is its code.
Every problem found is reported at once, naming the element concerned.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import IndexInputError

TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
REQUIRED = ("iCode", "Type")


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


@dataclass
class Framework:
    imeta: pd.DataFrame
    indicators: list[str]
    nlev: int
    level: dict[str, int]
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    parents_by_level: dict[int, list[str]]
    weight: dict[str, float]
    direction: dict[str, int]
    denominator: dict[str, str | None]
    target: dict[str, float]
    groups: list[str] = field(default_factory=list)
    denominators: list[str] = field(default_factory=list)

    @property
    def aggregates(self) -> list[str]:
        """Aggregate codes in the order COINr writes them: level by level, parents in iMeta order."""
        return [p for lev in range(2, self.nlev + 1) for p in self.parents_by_level[lev]]

    def codes_at(self, level: int) -> list[str]:
        return self.indicators if level == 1 else list(self.parents_by_level[level])

    def lineage(self) -> pd.DataFrame:
        """One row per indicator, one column per level, giving the ancestor at that level."""
        rows = []
        for code in self.indicators:
            row, c = [code], code
            for _ in range(2, self.nlev + 1):
                c = self.parent[c]
                row.append(c)
            rows.append(row)
        return pd.DataFrame(rows, columns=[f"Level_{k}" for k in range(1, self.nlev + 1)])

    def effective_weights(self, weight: dict[str, float] | None = None) -> pd.Series:
        """Each indicator's share of the top score: product of its normalised weights up the tree."""
        w = dict(self.weight if weight is None else weight)
        share: dict[str, float] = {}
        top = self.parents_by_level[self.nlev] if self.nlev > 1 else []
        for t in top:
            share[t] = 1.0 / len(top)
        for lev in range(self.nlev, 1, -1):
            for agg in self.parents_by_level[lev]:
                kids = self.children[agg]
                tot = sum(w[k] for k in kids)
                for k in kids:
                    share[k] = share[agg] * (w[k] / tot if tot else 0.0)
        return pd.Series({c: share.get(c, np.nan) for c in self.indicators + self.aggregates},
                         name="EffWeight")


def read_framework(imeta: pd.DataFrame) -> Framework:
    """Check iMeta and build the framework. Raises IndexInputError listing every problem."""
    errors: list[str] = []
    missing = [c for c in REQUIRED if c not in imeta.columns]
    if missing:
        raise IndexInputError("iMeta", [f"missing column '{c}'" for c in missing])
    n = len(imeta)
    col = {c: (imeta[c].tolist() if c in imeta.columns else [np.nan] * n)
           for c in ("iCode", "Type", "Level", "Direction", "Weight", "Denominator", "Parent", "Target")}
    codes = [str(c) for c in col["iCode"]]
    types = col["Type"]

    seen_codes: set[str] = set()
    for code, typ in zip(codes, types):
        if code in seen_codes:
            errors.append(f"iCode '{code}' appears more than once")
        seen_codes.add(code)
        if typ not in TYPES:
            errors.append(f"iCode '{code}': unknown Type '{typ}' (expected one of {', '.join(TYPES)})")

    tree = [i for i, t in enumerate(types) if t in ("Indicator", "Aggregate")]
    level: dict[str, int] = {}
    for i in tree:
        code, lev = codes[i], col["Level"][i]
        try:
            level[code] = int(lev)
            if level[code] != float(lev) or level[code] < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(f"iCode '{code}': Level '{lev}' is not a positive integer")
    if errors:
        raise IndexInputError("iMeta", errors)

    nlev = max(level.values()) if level else 0
    aggregates = {codes[i] for i in tree if types[i] == "Aggregate"}
    parent: dict[str, str | None] = {}
    for i in tree:
        code, par, typ = codes[i], col["Parent"][i], types[i]
        parent[code] = None if _blank(par) else str(par)
        if typ == "Indicator" and level[code] != 1:
            errors.append(f"indicator '{code}' is at Level {level[code]}; indicators must be at Level 1")
        if typ == "Aggregate" and level[code] == 1:
            errors.append(f"aggregate '{code}' is at Level 1; aggregates start at Level 2")

    # cycles first: a parent chain that comes back on itself (each loop reported once)
    loops: set[frozenset] = set()
    for start in parent:
        seen, c = [start], parent[start]
        while c is not None and c in parent:
            if c in seen:
                members = seen[seen.index(c):]
                if frozenset(members) not in loops:
                    loops.add(frozenset(members))
                    errors.append("cycle in the framework: " + " -> ".join(members + [c]))
                break
            seen.append(c)
            c = parent[c]
    for code, par in parent.items():
        if par is None:
            if level[code] != nlev:
                errors.append(f"'{code}' (Level {level[code]}) has no Parent: orphan below the top level {nlev}")
        elif par not in aggregates:
            errors.append(f"'{code}' has Parent '{par}', which is not an aggregate in iMeta (orphan)")
        elif level[par] != level[code] + 1:
            errors.append(f"'{code}' (Level {level[code]}) has Parent '{par}' at Level {level[par]}; "
                          f"expected Level {level[code] + 1}")
    tree_codes = [codes[i] for i in tree]
    children: dict[str, list[str]] = {a: [] for a in aggregates}
    for code in tree_codes:
        if parent.get(code) in children:
            children[parent[code]].append(code)
    errors += [f"aggregate '{a}' has no children" for a in tree_codes if a in aggregates and not children[a]]

    weight, direction, denominator, target = {}, {}, {}, {}
    for i in tree:
        code, wt, dirn = codes[i], col["Weight"][i], col["Direction"][i]
        try:
            weight[code] = float(wt)
            if np.isnan(weight[code]) or weight[code] < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(f"'{code}': Weight '{wt}' is not a non-negative number")
        if types[i] == "Indicator":
            if dirn not in (1, -1, 1.0, -1.0):
                errors.append(f"indicator '{code}': Direction '{dirn}' must be 1 or -1")
            else:
                direction[code] = int(dirn)
            den, targ = col["Denominator"][i], col["Target"][i]
            denominator[code] = None if _blank(den) else str(den)
            target[code] = float(targ) if not _blank(targ) else np.nan
    denoms = [c for c, t in zip(codes, types) if t == "Denominator"]
    for code, den in denominator.items():
        if den is not None and den not in denoms:
            errors.append(f"indicator '{code}': Denominator '{den}' is not a Denominator row of iMeta")
    indicators = [codes[i] for i in tree if types[i] == "Indicator"]
    if not indicators:
        errors.append("no rows of Type 'Indicator'")
    if errors:
        raise IndexInputError("iMeta", errors)

    parents_by_level: dict[int, list[str]] = {}
    for lev in range(2, nlev + 1):
        below = [c for c in tree_codes if level[c] == lev - 1]
        parents_by_level[lev] = list(dict.fromkeys(parent[c] for c in below if parent[c] is not None))
    return Framework(
        imeta=imeta, indicators=indicators, nlev=nlev, level=level, parent=parent, children=children,
        parents_by_level=parents_by_level, weight=weight, direction=direction,
        denominator=denominator, target=target,
        groups=[c for c, t in zip(codes, types) if t == "Group"], denominators=denoms)
