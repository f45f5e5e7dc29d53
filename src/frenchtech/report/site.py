"""The public showcase as a static site: /fr/ and /en/ trees, the jury report, open data and the OpenAPI
description.

``export_showcase([audit folders], out)`` writes the site; the last audit is the campaign shown, the
earlier ones give each territory's trend and label history.
"""
from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from frenchtech import attribution
from frenchtech.report.api_spec import openapi_document
from frenchtech.report.audit_data import load_audit
from frenchtech.report.i18n import GENERATED, LANGS, environment, gettext
from frenchtech.report.jury import render_jury
from frenchtech.report.opendata import write_open_data
from frenchtech.report.showcase import Showcase


def copy_static(out: Path) -> None:
    dest = out / "static"
    dest.mkdir(parents=True, exist_ok=True)
    src = resources.files("frenchtech.report") / "static"
    for name in ("design.css", "showcase.css", "showcase.js"):
        (dest / name).write_text((src / name).read_text(encoding="utf-8"), encoding="utf-8")


def export_showcase(audit_dirs, out) -> dict:
    """Write the static showcase of the given audits to ``out`` (replaced); returns a summary."""
    audits = [load_audit(d) for d in audit_dirs]
    site = Showcase(audits)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_static(out)
    tables = write_open_data(site.audit, out / "data", site.geoms)
    dictionary = json.loads((out / "data" / "dictionary.json").read_text(encoding="utf-8"))
    (out / "api").mkdir()
    (out / "api" / "openapi.json").write_text(json.dumps(openapi_document(list(tables)), indent=1), encoding="utf-8")
    pages = 0
    for lang in LANGS:
        base = out / lang
        (base / "territories").mkdir(parents=True)
        (base / "index.html").write_text(site.home(lang), encoding="utf-8")
        (base / "ranking.html").write_text(site.ranking(lang), encoding="utf-8")
        (base / "network.html").write_text(site.network(lang), encoding="utf-8")
        (base / "data.html").write_text(site.data_page(lang, tables, dictionary), encoding="utf-8")
        (base / "jury.html").write_text(render_jury(site.audit, lang, root="../", site=site), encoding="utf-8")
        pages += 5
        for terr in site.audit.territories:
            (base / "territories" / f"{terr['id']}.html").write_text(site.territory_page(lang, terr["id"]),
                                                                      encoding="utf-8")
            pages += 1
    landing = environment("fr").get_template("landing.html").render(
        generated=site.audit.generated, fr_generated=gettext("fr", GENERATED),
        en_generated=gettext("en", GENERATED),
        fr_attribution=attribution("fr"), en_attribution=attribution("en"), campaign_name=site.audit.name("fr"),
        en_campaign_name=site.audit.name("en"))
    (out / "index.html").write_text(landing, encoding="utf-8")
    pages += 1
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"out": str(out), "pages": pages, "tables": list(tables), "bytes": size,
            "generated": site.audit.generated, "campaign": site.audit.campaign_id}
