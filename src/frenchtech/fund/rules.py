"""The fund's rules and a call for applications, read from TOML. Money is parsed as exact Decimal."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from frenchtech.errors import ConfigError

RULE_KEYS = {"ticket_min_eur", "ticket_max_eur", "max_stake", "labelled_share", "region_cap",
             "coinvest_ratio", "commit_at_least_eur"}


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    goalposts: tuple[float, float]
    weight: float
    direction: int = 1
    label_fr: str = ""  # the label on French pages (``label`` is English)


@dataclass(frozen=True)
class Eliminatory:
    id: str
    label: str
    field: str
    equals: object = None
    at_least: float | None = None
    label_fr: str = ""

    def passes(self, value) -> bool:
        if self.equals is not None:
            return value == self.equals
        return value is not None and float(value) >= float(self.at_least)


@dataclass(frozen=True)
class Rules:
    """The numbers the allocation must respect (one batch)."""
    budget_eur: Decimal
    ticket_min_eur: Decimal
    ticket_max_eur: Decimal
    max_stake: float
    labelled_share: float
    region_cap: float
    coinvest_ratio: float
    commit_at_least_eur: Decimal = Decimal(0)


@dataclass
class Fund:
    id: str
    name: str
    budget_eur: Decimal
    vintage: int
    campaign: str
    rules: Rules
    labelled: tuple[str, ...]
    criteria: list[Criterion]
    eliminatory: list[Eliminatory]
    call_id: str = ""
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False)


def money(value, where: str, errors: list[str], allow_zero: bool = True) -> Decimal:
    """An exact amount in EUR from a string or an integer (floats are refused: they are not exact)."""
    if isinstance(value, float):
        errors.append(f"{where}: write money as a string or an integer, not a float ({value!r})")
        return Decimal(0)
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append(f"{where}: {value!r} is not an amount in EUR")
        return Decimal(0)
    if not d.is_finite() or d < 0 or (d == 0 and not allow_zero):
        errors.append(f"{where}: {value!r} must be a {'non-negative' if allow_zero else 'positive'} amount")
        return Decimal(0)
    if d != d.quantize(Decimal("0.01")):
        errors.append(f"{where}: {value!r} has more than 2 decimals (amounts are to the cent)")
    return d


def shipped_rules(name: str) -> Path:
    path = Path(str(resources.files("frenchtech") / "campaigns" / f"{name}.toml"))
    if not path.exists():
        raise ConfigError(name, ["no such fund rules file or shipped rules (try fund-2014)"])
    return path


def _read(path: Path) -> dict:
    if not path.exists():
        raise ConfigError(str(path), ["file not found"])
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"invalid TOML: {exc}"]) from None


def load_fund(path_or_name) -> Fund:
    """Read fund rules (``fund-2014`` or a path), or a call file that points to them with ``rules``
    and overrides ``[rules]``/``[labelled]`` values for one batch."""
    p = Path(str(path_or_name))
    path = p if (p.exists() or p.suffix == ".toml") else shipped_rules(str(path_or_name))
    raw = _read(path)
    call = raw.get("call", {})
    if "rules" in raw and isinstance(raw["rules"], str):
        raise ConfigError(str(path), ["'rules' must be a table; put the base rules name in [call] rules = ..."])
    if call.get("rules"):
        ref = Path(call["rules"])
        base_path = (path.parent / ref) if (path.parent / ref).exists() else ref
        base = load_fund(base_path if base_path.exists() else call["rules"])
        merged = dict(base.raw)
        merged["rules"] = {**base.raw.get("rules", {}), **raw.get("rules", {})}
        for key in ("labelled", "scorecard"):
            if key in raw:
                merged[key] = raw[key]
        if "fund" in raw:
            merged["fund"] = {**base.raw.get("fund", {}), **raw["fund"]}
        merged["call"] = call
        return _build(merged, path)
    return _build(raw, path)


def _build(raw: dict, path: Path) -> Fund:
    errors: list[str] = []
    f = raw.get("fund", {})
    r = raw.get("rules", {})
    for key in sorted(set(r) - RULE_KEYS):
        errors.append(f"[rules] unknown key {key!r} (known: {', '.join(sorted(RULE_KEYS))})")
    for key in ("id", "budget_eur", "vintage", "campaign"):
        if key not in f:
            errors.append(f"[fund] {key} is missing")
    budget = money(f.get("budget_eur", "0"), "[fund] budget_eur", errors, allow_zero=False)
    call = raw.get("call", {})
    if "budget_eur" in call:  # a call's own envelope, within the fund's budget
        budget = min(budget, money(call["budget_eur"], "[call] budget_eur", errors))

    def share(key, lo=0.0, hi=1.0):
        v = r.get(key)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not lo <= v <= hi:
            errors.append(f"[rules] {key} must be a number between {lo} and {hi} (got {v!r})")
            return 0.0
        return float(v)

    rules = Rules(
        budget_eur=budget,
        ticket_min_eur=money(r.get("ticket_min_eur", "0"), "[rules] ticket_min_eur", errors),
        ticket_max_eur=money(r.get("ticket_max_eur", "0"), "[rules] ticket_max_eur", errors, allow_zero=False),
        max_stake=share("max_stake", 0.0, 0.5),
        labelled_share=share("labelled_share"),
        region_cap=share("region_cap"),
        coinvest_ratio=share("coinvest_ratio", 0.0, 1000.0),
        commit_at_least_eur=money(r.get("commit_at_least_eur", "0"), "[rules] commit_at_least_eur", errors),
    )
    if rules.max_stake >= 0.5:
        errors.append("[rules] max_stake must be below 0.5: the fund only takes minority stakes")
    if rules.ticket_min_eur > rules.ticket_max_eur:
        errors.append(f"[rules] ticket_min_eur {rules.ticket_min_eur} is above ticket_max_eur {rules.ticket_max_eur}")
    criteria, elim = [], []
    for i, c in enumerate(raw.get("scorecard", {}).get("criteria", [])):
        gp = c.get("goalposts")
        if not c.get("id") or not isinstance(gp, list) or len(gp) != 2 or gp[0] == gp[1]:
            errors.append(f"[[scorecard.criteria]] #{i + 1}: needs an id and goalposts = [low, high] with low != high")
            continue
        w = c.get("weight", 1)
        if not isinstance(w, (int, float)) or w < 0:
            errors.append(f"[[scorecard.criteria]] {c['id']}: weight must be a non-negative number")
            continue
        criteria.append(Criterion(c["id"], c.get("label", c["id"]), (float(gp[0]), float(gp[1])), float(w),
                                  int(c.get("direction", 1)), c.get("label_fr", "")))
    if raw.get("scorecard") and not criteria:
        errors.append("[scorecard] needs at least one criterion")
    if criteria and sum(c.weight for c in criteria) <= 0:
        errors.append("[scorecard] the criteria weights sum to zero")
    for e in raw.get("scorecard", {}).get("eliminatory", []):
        if not e.get("id") or not e.get("field") or ("equals" not in e and "at_least" not in e):
            errors.append(f"[[scorecard.eliminatory]] {e.get('id', '?')}: needs id, field and equals or at_least")
            continue
        elim.append(Eliminatory(e["id"], e.get("label", e["id"]), e["field"], e.get("equals"), e.get("at_least"),
                                e.get("label_fr", "")))
    labelled = raw.get("labelled", {}).get("territories", [])
    if not isinstance(labelled, list) or not all(isinstance(t, str) for t in labelled):
        errors.append("[labelled] territories must be a list of territory ids")
        labelled = []
    if errors:
        raise ConfigError(str(path), errors)
    return Fund(id=f["id"], name=f.get("name", f["id"]), budget_eur=money(f["budget_eur"], "", []),
                vintage=int(f["vintage"]), campaign=f["campaign"], rules=rules, labelled=tuple(labelled),
                criteria=criteria, eliminatory=elim, call_id=str(call.get("id", "")), path=path, raw=raw)


def with_rules(fund: Fund, **changes) -> Fund:
    """A copy of the fund with some rule values changed (e.g. for what-if runs and tests)."""
    return replace(fund, rules=replace(fund.rules, **changes))
