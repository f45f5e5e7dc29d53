"""Write an allocation to a folder: allocation.csv (every application, funded or not),
explanation.json and explanation.md (certificate, binding rules, shadow prices, rejections).

Each explanation is written as English text and as codes with parameters (``frenchtech.messages``):
in allocation.csv the columns ``<field>_code`` and ``<field>_params`` of ``messages.encode``; in
explanation.json ``<field>_code`` and ``<field>_params`` beside each text (the parameters as a list)."""
from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from frenchtech.fund.regions import region_name
from frenchtech.messages import CODE_SEPARATOR, encode, render_fund

ALLOCATION_COLUMNS = ["application_id", "accelerator", "siren", "commune", "territory", "region", "labelled",
                      "score", "requested_eur", "cap_eur", "funded", "amount_eur", "limited_by", "reason", "change",
                      "limited_by_code", "limited_by_params", "reason_code", "reason_params", "change_code",
                      "change_params"]


def allocation_rows(alloc, apps, explanation) -> list[dict]:
    by_item = {it.id: it for it in alloc.items}
    funded = {f["application_id"]: f for f in explanation.funded}
    rejected = {r.application_id: r for r in explanation.rejected}
    rows = []
    for a in apps:
        it = by_item[a.application_id]
        f, r = funded.get(a.application_id), rejected.get(a.application_id)
        limited, reasons, changes = (f["limited_by"] if f else []), (r.reasons if r else []), (r.changes if r else [])
        rows.append({"application_id": a.application_id, "accelerator": a.accelerator, "siren": a.siren,
                     "commune": a.commune, "territory": a.territory, "region": a.region,
                     "labelled": str(a.labelled).lower(), "score": f"{it.score:.2f}",
                     "requested_eur": str(a.requested_eur), "cap_eur": str(it.cap_eur),
                     "funded": str(f is not None).lower(),
                     "amount_eur": str(alloc.amounts.get(a.application_id, Decimal(0))),
                     "limited_by": render_fund(limited), "reason": render_fund(reasons),
                     "change": render_fund(changes)})
        for name, reasons_ in (("limited_by", limited), ("reason", reasons), ("change", changes)):
            rows[-1][f"{name}_code"], rows[-1][f"{name}_params"] = encode(reasons_)
    return rows


def reference(rows, call_id: str) -> str:
    """A stable reference for the allocation decision: the same allocation gets the same reference."""
    h = hashlib.sha256(json.dumps([[r["application_id"], r["amount_eur"]] for r in rows if r["funded"] == "true"])
                       .encode()).hexdigest()[:12]
    return f"allocation:{call_id}:{h}"


def write_allocation(out: Path, alloc, apps, explanation, fund, generated: bool) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = allocation_rows(alloc, apps, explanation)
    ref = reference(rows, fund.call_id or fund.id)
    with open(out / "allocation.csv", "w", newline="", encoding="utf-8") as f:
        if generated:
            f.write("# GENERATED applications (demo data, not real accelerators)\n")
        w = csv.DictWriter(f, fieldnames=ALLOCATION_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    summary = summarise(alloc, apps)
    doc = {"reference": ref, "fund": fund.id, "call": fund.call_id, "generated_input": generated,
           "rules": {k: str(v) for k, v in vars(alloc.rules).items()},
           "existing": {"available_eur": str(alloc.existing.available), "committed_eur": str(alloc.existing.committed),
                        "labelled_eur": str(alloc.existing.labelled),
                        "by_region_eur": {k: str(v) for k, v in alloc.existing.by_region.items()}},
           "summary": summary, "seconds": round(alloc.seconds, 3), "warnings": render_fund(alloc.warnings),
           "warnings_code": CODE_SEPARATOR.join(w.code for w in alloc.warnings),
           "warnings_params": [dict(w.params) for w in alloc.warnings],
           **_plain(explanation.to_dict())}
    (out / "explanation.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "explanation.md").write_text(markdown(doc, rows), encoding="utf-8")
    return doc


def read_allocation(folder) -> tuple[dict, list[dict]]:
    """An allocation folder read back: its explanation.json and every row of allocation.csv."""
    folder = Path(folder)
    doc = json.loads((folder / "explanation.json").read_text(encoding="utf-8"))
    with open(folder / "allocation.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return doc, rows


def decision_payload(doc: dict) -> dict:
    """What the ledger keeps with an allocation's decision: the totals, the binding rules and the
    certificate as code and parameters (its English text is the decision's rationale)."""
    return {"summary": doc["summary"], "binding": doc["binding"],
            **{k: doc[k] for k in ("certificate_code", "certificate_params") if k in doc}}


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if hasattr(x, "item"):  # numpy scalars
        return x.item()
    return x


def summarise(alloc, apps) -> dict:
    by_id = {a.application_id: a for a in apps}
    total = alloc.total
    committed = alloc.existing.committed + total
    lab = alloc.existing.labelled + sum((v for k, v in alloc.amounts.items() if by_id[k].labelled), Decimal(0))
    regions: dict[str, Decimal] = {k: Decimal(v) for k, v in alloc.existing.by_region.items()}
    for k, v in alloc.amounts.items():
        regions[by_id[k].region] = regions.get(by_id[k].region, Decimal(0)) + v
    return {"applications": len(apps), "funded": len(alloc.amounts), "batch_total_eur": str(total),
            "value": str(alloc.value), "committed_after_eur": str(committed),
            "available_after_eur": str(alloc.existing.available - total),
            "labelled_share_after": float(lab / committed) if committed else None,
            "region_share_after": {r: float(v / committed) for r, v in sorted(regions.items())} if committed else {}}


def markdown(doc: dict, rows: list[dict]) -> str:
    s = doc["summary"]
    out = [f"# Allocation {doc['reference']}", ""]
    if doc["generated_input"]:
        out += ["> The applications are GENERATED demo data, not real accelerators.", ""]
    if doc.get("warnings"):
        out += [f"> **Warning**: {doc['warnings']}", ""]
    out += [f"**{doc['certificate']}**", "", doc["certificate_meaning"], "",
            f"- Applications: {s['applications']}, funded: {s['funded']}",
            f"- Committed in this batch: EUR {Decimal(s['batch_total_eur']):,}; score-weighted value {s['value']}",
            f"- Available after the batch: EUR {Decimal(s['available_after_eur']):,}"]
    if s["labelled_share_after"] is not None:
        out.append(f"- Share in labelled ecosystems after the batch: {s['labelled_share_after']:.2%} "
                   f"(rule: at least {float(doc['rules']['labelled_share']):.0%})")
    out += ["", "## Binding rules", ""]
    out += [f"- `{b['rule']}`{_region_label(b['rule'])} (slack EUR {_eur(b['slack_eur'])}): {b['meaning']}"
            for b in doc["binding"]] or ["- none"]
    out += ["", "## Shadow prices (LP with the funding choices fixed)", "",
            "| rule | value of one more euro | meaning |", "|---|---:|---|"]
    out += [f"| `{p['rule']}`{_region_label(p['rule'])} | {p['value_per_eur']:.6f} | {p['meaning']} |"
            for p in doc["shadow_prices"]]
    out += ["", "## Funded", "", "| application | accelerator | region | labelled | score | amount (EUR) | limited by |",
            "|---|---|---|---|---:|---:|---|"]
    out += [f"| {r['application_id']} | {r['accelerator']} | {region_name(r['region'])} | {r['labelled']} | {r['score']} | "
            f"{Decimal(r['amount_eur']):,} | {r['limited_by']} |" for r in rows if r["funded"] == "true"]
    out += ["", "## Not funded, and the smallest change that would have funded it", "",
            "| application | score | reason | change |", "|---|---:|---|---|"]
    out += [f"| {r['application_id']} | {r['score']} | {r['reason']} | {r['change']} |"
            for r in rows if r["funded"] != "true"]
    return "\n".join(out) + "\n"


def _region_label(rule: str) -> str:
    return f" ({region_name(rule[7:])})" if rule.startswith("region:") else ""


def _eur(x) -> str:
    """A whole amount without decimals (2), any other to the cent (0.40)."""
    return f"{x:,}" if isinstance(x, int) else f"{x:,.2f}"
