"""Applications to the fund: an accelerator (SIREN, commune, territory, track record) asks for an
amount. Read from and written to CSV; every row is checked and a bad row is a clear error."""
from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from frenchtech.campaign import load_campaign
from frenchtech.campaign.shipped import campaign_path
from frenchtech.errors import GeographyError, InputError
from frenchtech.geo import load_geography

COLUMNS = ["application_id", "accelerator", "siren", "commune", "territory", "requested_eur", "private_eur",
           "pre_money_eur", "startups_accelerated", "follow_on_rate", "follow_on_eur_per_startup",
           "team_years", "business_model", "profitable_model", "manager_rating", "generated"]
REQUIRED = ["application_id", "accelerator", "siren", "commune", "requested_eur", "private_eur", "pre_money_eur"]


@dataclass(frozen=True)
class Application:
    application_id: str
    accelerator: str
    siren: str
    commune: str
    territory: str                  # a programme territory id, or "" outside every territory
    requested_eur: Decimal          # amount asked of the fund
    private_eur: Decimal            # private money committed to the same round
    pre_money_eur: Decimal          # valuation before the round
    startups_accelerated: int = 0
    follow_on_rate: float = 0.0
    follow_on_eur_per_startup: float = 0.0
    team_years: float = 0.0
    business_model: str = ""
    profitable_model: bool = False
    manager_rating: float = 1.0
    generated: bool = False
    region: str = ""                # INSEE region code of the commune (filled when located)
    labelled: bool = False          # the territory is a labelled ecosystem (filled when located)

    def row(self) -> dict:
        d = asdict(self)
        return {k: d[k] for k in COLUMNS}


def siren_ok(siren: str) -> bool:
    """Nine digits with a valid Luhn key, as INSEE issues them."""
    if len(siren) != 9 or not siren.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(siren)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _bool(v: str) -> bool:
    v = v.strip().lower()
    if v in ("true", "1", "yes", "oui"):
        return True
    if v in ("false", "0", "no", "non", ""):
        return False
    raise ValueError(v)


def read_applications(path) -> list[Application]:
    """Read an applications CSV (lines starting with '#' are comments). Raises InputError on the first
    bad value with its line and column; nothing is returned half-read."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    apps: list[Application] = []
    seen: set[str] = set()
    with open(path, newline="", encoding="utf-8") as f:
        lines = [(n, line) for n, line in enumerate(f, start=1) if not line.startswith("#")]
    if not lines:
        raise InputError(path, "empty file", expected="a header line " + ",".join(COLUMNS))
    reader = csv.DictReader([line for _, line in lines])
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=lines[0][0],
                         expected="a header line " + ",".join(COLUMNS))
    for (lineno, _), row in zip(lines[1:], reader):
        apps.append(_parse_row(path, lineno, row, seen))
    return apps


def _parse_row(path, lineno: int, row: dict, seen: set[str]) -> Application:
    def err(col, msg, expected=None):
        return InputError(path, msg, line=lineno, column=col, expected=expected)

    values: dict = {}
    for col in REQUIRED:
        if not (row.get(col) or "").strip():
            raise err(col, "empty value")
    aid = row["application_id"].strip()
    if aid in seen:
        raise err("application_id", f"duplicate application id {aid!r}")
    seen.add(aid)
    siren = row["siren"].strip()
    if not siren_ok(siren):
        raise err("siren", f"{siren!r} is not a valid SIREN", expected="9 digits with a valid check digit")
    for col in ("requested_eur", "private_eur", "pre_money_eur"):
        raw = row[col].strip()
        try:
            d = Decimal(raw)
        except InvalidOperation:
            raise err(col, f"{raw!r} is not an amount", expected="an amount in EUR such as 1500000.00") from None
        if not d.is_finite() or d < 0:
            raise err(col, f"negative or invalid amount {raw}", expected="an amount >= 0")
        if d != d.quantize(Decimal("0.01")):
            raise err(col, f"{raw} has more than 2 decimals", expected="an amount to the cent")
        values[col] = d
    if values["requested_eur"] == 0:
        raise err("requested_eur", "the requested amount is zero", expected="an amount > 0")
    numeric = {"startups_accelerated": int, "follow_on_rate": float, "follow_on_eur_per_startup": float,
               "team_years": float, "manager_rating": float}
    for col, typ in numeric.items():
        raw = (row.get(col) or "").strip()
        if raw == "":
            continue
        try:
            v = typ(raw)
        except ValueError:
            raise err(col, f"{raw!r} is not a {'whole ' if typ is int else ''}number") from None
        if v < 0:
            raise err(col, f"negative value {raw}", expected="a value >= 0")
        values[col] = v
    for col in ("profitable_model", "generated"):
        try:
            values[col] = _bool(row.get(col) or "")
        except ValueError:
            raise err(col, f"{row[col]!r} is not true/false") from None
    return Application(application_id=aid, accelerator=row["accelerator"].strip(), siren=siren,
                       commune=row["commune"].strip().zfill(5), territory=(row.get("territory") or "").strip(),
                       business_model=(row.get("business_model") or "").strip(), **values)


def write_applications(apps, path, header_comment: str | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        if header_comment:
            f.writelines(f"# {line}\n" for line in header_comment.splitlines())
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for a in apps:
            w.writerow(a.row())
    return path


class Locator:
    """Places applications: the region of their commune (geography of the fund's vintage), their
    programme territory, and whether that territory is a labelled ecosystem."""

    def __init__(self, vintage: int, territories, labelled):
        self.geo = load_geography(vintage)
        self.territories = {t.id: t for t in territories}
        self.labelled = frozenset(labelled)
        unknown = sorted(self.labelled - set(self.territories))
        if unknown:
            raise GeographyError(f"unknown labelled territory id(s): {', '.join(unknown)}; "
                                 f"known: {', '.join(sorted(self.territories))}")
        self._territory_of = {c: t.id for t in territories for c in t.match_codes}

    @classmethod
    def for_fund(cls, fund, labelled=None) -> Locator:
        campaign = load_campaign(campaign_path(fund.campaign))
        return cls(fund.vintage, campaign.territories, fund.labelled if labelled is None else labelled)

    def locate(self, app: Application, where: str = "applications") -> Application:
        try:
            commune = self.geo.commune(app.commune)
        except GeographyError as exc:
            raise GeographyError(f"{where}: application {app.application_id}: {exc}") from None
        found = self._territory_of.get(app.commune, "")
        territory = app.territory
        if territory:
            if territory not in self.territories:
                raise GeographyError(f"{where}: application {app.application_id}: unknown territory {territory!r}; "
                                     f"known: {', '.join(sorted(self.territories))}")
            if found != territory:
                raise GeographyError(f"{where}: application {app.application_id}: commune {app.commune} "
                                     f"is not in territory {territory!r}")
        territory = territory or found
        return replace(app, territory=territory, region=str(commune["region"]),
                       labelled=territory in self.labelled)

    def locate_all(self, apps, where: str = "applications") -> list[Application]:
        return [self.locate(a, where) for a in apps]


def labelled_from(value) -> list[str]:
    """Labelled territory ids from a comma-separated list or an audit's decisions.csv."""
    p = Path(str(value))
    if p.suffix == ".csv":
        if not p.exists():
            raise InputError(p, "file not found")
        with open(p, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(line for line in f if not line.startswith("#"))
            if not {"territory", "decision"} <= set(reader.fieldnames or []):
                raise InputError(p, "missing column(s)", line=1, expected="columns territory and decision")
            return [r["territory"] for r in reader if r["decision"].strip() == "labelled"]
    return [t.strip() for t in str(value).split(",") if t.strip()]


