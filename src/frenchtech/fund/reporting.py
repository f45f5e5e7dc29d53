"""Portfolio report from ledger figures (plain data in, text and a dict out)."""
from __future__ import annotations

from decimal import Decimal

from frenchtech.fund.regions import region_name


def _group(rows, key):
    out: dict[str, dict] = {}
    for r in rows:
        g = out.setdefault(r[key], {"positions": 0, "committed_eur": Decimal(0), "disbursed_eur": Decimal(0),
                                    "written_off_eur": Decimal(0), "returned_eur": Decimal(0)})
        g["positions"] += 1
        for k in ("committed_eur", "disbursed_eur", "written_off_eur", "returned_eur"):
            g[k] += r[k]
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["committed_eur"]))


def portfolio_report(balances, rows, rules, vintage: int = 2014) -> dict:
    committed = balances.committed
    labelled = sum((r["committed_eur"] for r in rows if r["labelled"]), Decimal(0))
    share = (labelled / committed) if committed else None
    by_territory, by_region = _group(rows, "territory"), _group(rows, "region")
    lines = [f"budget {balances.budget:,.2f}  committed {committed:,.2f}  available {balances.available:,.2f}",
             f"disbursed at cost {balances.invested + balances.written_off:,.2f}  undrawn {balances.undrawn:,.2f}  "
             f"written off {balances.written_off:,.2f}  returned {balances.returned:,.2f}  "
             f"ledger balanced: {'yes' if balances.balanced else 'NO'}"]
    if share is not None:
        ok = share >= Decimal(str(rules.labelled_share))
        lines.append(f"labelled ecosystems: {labelled:,.2f} = {share:.2%} of committed "
                     f"(rule >= {rules.labelled_share:.0%}: {'respected' if ok else 'NOT RESPECTED'})")
    for title, groups, cap in (("territory", by_territory, None), ("region", by_region, rules.region_cap)):
        lines.append(f"\nper {title}:")
        for k, g in groups.items():
            label = f"{k} {region_name(k, vintage)}" if title == "region" else k
            pct = g["committed_eur"] / committed if committed else 0
            flag = "  OVER CAP" if cap is not None and pct > Decimal(str(cap)) else ""
            lines.append(f"  {label[:30]:<30} {g['positions']:>3} position(s)  committed {g['committed_eur']:>16,.2f}  "
                         f"{pct:>7.2%}  disbursed {g['disbursed_eur']:>16,.2f}{flag}")
    data = {"balances": vars(balances), "labelled_committed_eur": labelled,
            "labelled_share": float(share) if share is not None else None,
            "by_territory": by_territory, "by_region": by_region, "positions": rows}
    return {"text": "\n".join(lines), "data": data}
