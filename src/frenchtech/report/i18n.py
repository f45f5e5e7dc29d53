"""French and English strings of the showcase and the jury report."""
from __future__ import annotations

# Numbers, dates and ordinals are written by frenchtech.messages (which renders the audit's reasons
# too); the report and the pages import them from here as before.
from frenchtech.messages import MONTHS, cell_text, date, decode, number, ordinal, render_all  # noqa: F401

LANGS = ("fr", "en")

STRINGS = {
    "fr": {
        "site": "Réseau French Tech", "colon": "\u00a0:", "home": "Accueil", "ranking": "Classement", "network": "Réseau",
        "data": "Données ouvertes", "api": "API", "territory": "Territoire", "territories": "Territoires",
        "skip": "Aller au contenu", "lang_switch": "English", "lang_name": "Français",
        "generated": "Données de démonstration GÉNÉRÉES : les chiffres de ce site proviennent de données "
                     "générées (aléatoires, calibrées sur les populations réelles), ce ne sont pas des chiffres réels.",
        "sources": "Sources", "map_title": "Carte des territoires candidats",
        "colour_by": "Colorer par", "by_label": "décision", "by_score": "score",
        "labelled": "labellisé", "not_selected": "non retenu", "deferred": "ajourné", "confirmed": "confirmé",
        "renewed": "renouvelé", "withdrawn": "retiré", "ineligible": "non éligible",
        "drawn_as_department": "contour du département", "leave_one_out": "Retrait d'un indicateur : déplacement des rangs", "mean_shift": "Déplacement moyen", "max_shift": "Déplacement maximal", "perimeters_geojson": "Périmètres des territoires", "public_record": "Labels réels 2014–2023 (sources publiques)",
        "metropole_french_tech": "Métropole French Tech", "capitale_french_tech": "Capitale French Tech",
        "candidate_not_selected": "candidature non retenue", "thematic_pilot": "pilote thématique",
        "ecosystem": "Écosystème", "source": "Source", "labelled_territories": "Territoires labellisés", "in_labelled": "dans un territoire labellisé",
        "rank": "Rang", "score": "Score", "population": "Population", "decision": "Décision",
        "interval": "Intervalle de rang 5–95 %", "p_labelled": "Probabilité d'être labellisé",
        "no_interval": "Pas d'analyse d'incertitude dans cet audit : les rangs sont donnés sans intervalle.",
        "bar": "Barre de labellisation", "bar_quota": "quota de {n} labels (hors labels automatiques)",
        "bar_threshold": "seuil {v}", "reason": "Motif", "indicator": "Indicateur", "value": "Valeur",
        "national_median": "Médiane des candidats", "epci_median": "Médiane nationale des EPCI",
        "labelled_mean": "Moyenne des labellisés",
        "perimeter": "Périmètre", "communes": "communes", "commune_one": "commune", "epci_2026": "EPCI 2026 dessinés",
        "structures": "Structures d'accompagnement", "initiatives": "Initiatives entrepreneuriales",
        "label_history": "Historique des labels", "trend": "Évolution entre campagnes", "campaign": "Campagne",
        "name": "Nom", "kind": "Type", "commune": "Commune", "opened": "Ouverture", "capacity": "Capacité",
        "date": "Date", "participants": "Participants", "search": "Rechercher", "filter_territory": "Territoire",
        "filter_kind": "Type", "all": "Tous", "shown": "lignes affichées",
        "download": "Télécharger", "dictionary": "Dictionnaire des données", "licence": "Licence",
        "column": "Colonne", "meaning": "Signification", "table": "Table", "formats": "Formats",
        "licence_text": "Tables publiées sous Licence Ouverte / Open Licence 2.0 (Etalab).",
        "api_text": "API JSON en lecture seule servie par la plateforme ; sa description OpenAPI est jointe.",
        "key_figures": "Chiffres clés", "candidates": "candidats", "labels": "labels",
        "intro": "Les territoires candidats, mesurés sur des critères publiés : levées de fonds, structures "
                 "d'accompagnement, entrepreneurs et initiatives, rapportés à la population.",
        "chart_table": "Tableau des valeurs du graphique", "pillar": "Pilier", "real_outcome": "Décision réelle",
        "jury_report": "Rapport au jury", "method": "Méthode", "stat_audit": "Audit statistique",
        "correlations": "Corrélations entre indicateurs (Pearson)", "cronbach": "Alpha de Cronbach",
        "treated": "Indicateurs traités (valeurs aberrantes)", "sobol": "Indices de Sobol",
        "flags": "Écarts déclaré / observé", "no_flags": "Aucun écart au-delà de la tolérance.",
        "declared": "Déclaré", "observed": "Observé", "gap": "Écart", "tolerance": "Tolérance",
        "evidence": "Preuves", "not_available": "Non disponible dans cet audit.",
        "no_sobol": "L'audit n'a pas d'indices de Sobol (index/sobol.csv) : il n'a pas fait d'analyse de sensibilité.",
        "normalise": "Normalisation", "aggregate": "Agrégation", "weight": "Poids", "rule": "Règle",
        "print": "Imprimer / PDF", "audit_of": "Audit", "manifest": "Manifeste",
        "stat_flags": "Alertes", "none": "aucun", "first_order": "Premier ordre", "total": "Total",
        "input": "Choix méthodologique", "changed": "Valeurs traitées", "ranking_caption": "Point : rang obtenu ; barre : intervalle de rang 5–95 % de l'analyse d'incertitude ; vert : labellisé, gris : non retenu ; tirets rouges : barre de labellisation.", "territory_pages": "Fiches territoires",
        "skew": "Asymétrie", "kurt": "Aplatissement", "composite_index": "Indice composite", "semicolon": "\u00a0;", "type": "Type", "type_string": "texte",
        "type_number": "nombre", "type_integer": "entier", "type_date": "date (AAAA-MM-JJ)", "type_boolean": "booléen",
    },
    "en": {
        "site": "French Tech network", "colon": ":", "home": "Home", "ranking": "Ranking", "network": "Network",
        "data": "Open data", "api": "API", "territory": "Territory", "territories": "Territories",
        "skip": "Skip to content", "lang_switch": "Français", "lang_name": "English",
        "generated": "GENERATED demo data: the figures on this site come from generated data (random, "
                     "calibrated on real populations); they are not real figures.",
        "sources": "Sources", "map_title": "Map of the candidate territories",
        "colour_by": "Colour by", "by_label": "decision", "by_score": "score",
        "labelled": "labelled", "not_selected": "not selected", "deferred": "deferred", "confirmed": "confirmed",
        "renewed": "renewed", "withdrawn": "withdrawn", "ineligible": "ineligible",
        "drawn_as_department": "department outline", "leave_one_out": "Leaving one indicator out: rank shifts", "mean_shift": "Mean shift", "max_shift": "Largest shift", "perimeters_geojson": "Territory perimeters", "public_record": "Real labels 2014–2023 (public sources)",
        "metropole_french_tech": "Métropole French Tech", "capitale_french_tech": "Capitale French Tech",
        "candidate_not_selected": "candidate not selected", "thematic_pilot": "thematic pilot",
        "ecosystem": "Ecosystem", "source": "Source", "labelled_territories": "Labelled territories", "in_labelled": "in a labelled territory",
        "rank": "Rank", "score": "Score", "population": "Population", "decision": "Decision",
        "interval": "Rank interval 5–95 %", "p_labelled": "Probability of being labelled",
        "no_interval": "No uncertainty analysis in this audit: ranks are given without an interval.",
        "bar": "Labelling bar", "bar_quota": "quota of {n} labels (automatic labels apart)",
        "bar_threshold": "threshold {v}", "reason": "Reason", "indicator": "Indicator", "value": "Value",
        "national_median": "Candidates' median", "epci_median": "National median of EPCIs",
        "labelled_mean": "Labelled average",
        "perimeter": "Perimeter", "communes": "communes", "commune_one": "commune", "epci_2026": "2026 EPCI drawn",
        "structures": "Support structures", "initiatives": "Entrepreneurial initiatives",
        "label_history": "Label history", "trend": "Trend across campaigns", "campaign": "Campaign",
        "name": "Name", "kind": "Kind", "commune": "Commune", "opened": "Opened", "capacity": "Capacity",
        "date": "Date", "participants": "Participants", "search": "Search", "filter_territory": "Territory",
        "filter_kind": "Kind", "all": "All", "shown": "rows shown",
        "download": "Download", "dictionary": "Data dictionary", "licence": "Licence",
        "column": "Column", "meaning": "Meaning", "table": "Table", "formats": "Formats",
        "licence_text": "Tables published under the Licence Ouverte / Open Licence 2.0 (Etalab).",
        "api_text": "A read-only JSON API served by the platform; its OpenAPI description is included.",
        "key_figures": "Key figures", "candidates": "candidates", "labels": "labels",
        "intro": "The candidate territories, measured on published criteria: venture funding, support "
                 "structures, entrepreneurs and initiatives, in proportion to the population.",
        "chart_table": "Table of the chart's values", "pillar": "Pillar", "real_outcome": "Real decision",
        "jury_report": "Jury report", "method": "Method", "stat_audit": "Statistical audit",
        "correlations": "Correlations between indicators (Pearson)", "cronbach": "Cronbach's alpha",
        "treated": "Treated indicators (outliers)", "sobol": "Sobol indices",
        "flags": "Declared vs observed gaps", "no_flags": "No gap beyond the tolerance.",
        "declared": "Declared", "observed": "Observed", "gap": "Gap", "tolerance": "Tolerance",
        "evidence": "Evidence", "not_available": "Not available in this audit.",
        "no_sobol": "The audit has no Sobol indices (index/sobol.csv): it ran no sensitivity analysis.",
        "normalise": "Normalisation", "aggregate": "Aggregation", "weight": "Weight", "rule": "Rule",
        "print": "Print / PDF", "audit_of": "Audit", "manifest": "Manifest",
        "stat_flags": "Flags", "none": "none", "first_order": "First order", "total": "Total",
        "input": "Methodological choice", "changed": "Values treated", "ranking_caption": "Dot: rank obtained; bar: 5–95 % rank interval from the uncertainty analysis; green: labelled, grey: not selected; red dashes: labelling bar.", "territory_pages": "Territory pages",
        "skew": "Skewness", "kurt": "Kurtosis", "composite_index": "Index", "semicolon": ";", "type": "Type", "type_string": "text",
        "type_number": "number", "type_integer": "integer", "type_date": "date (YYYY-MM-DD)", "type_boolean": "boolean",
    },
}

def indicator_names(code: str) -> tuple[str, str] | None:
    """(French, English) names of an indicator or measure of the catalogue (frenchtech.indicators);
    None for any other code."""
    from frenchtech.indicators import indicator_label
    from frenchtech.indicators.catalogue import load_catalogue

    cat = load_catalogue()
    if code not in cat.indicators and code not in cat.measures:
        return None
    return indicator_label(code, "fr"), indicator_label(code, "en")


# Kinds of support structures and entrepreneurial initiatives (codes of structures.csv, initiatives.csv).
KINDS = {
    "incubator": ("Incubateur", "Incubator"), "accelerator": ("Accélérateur", "Accelerator"),
    "startup_studio": ("Start-up studio", "Startup studio"), "coworking": ("Espace de coworking", "Coworking space"),
    "event": ("Événement", "Event"), "programme": ("Programme d'accompagnement", "Support programme"),
    "meetup": ("Meetup", "Meetup"), "hackathon": ("Hackathon", "Hackathon"), "competition": ("Concours", "Competition"),
}

# Methodological choices varied by the uncertainty analysis ([[uncertainty.inputs]] name in the campaign).
FACTORS = {
    "winsorisation limit": ("Seuil de winsorisation", "Winsorisation limit"),
    "winsorisation": ("Winsorisation", "Winsorisation"),
    "normalisation": ("Normalisation", "Normalisation"), "normalization": ("Normalisation", "Normalisation"),
    "aggregation": ("Agrégation", "Aggregation"), "weights": ("Poids", "Weights"),
    "weight": ("Poids", "Weight"), "imputation": ("Imputation", "Imputation"),
}

PILLARS = {
    "startups": ("Startups", "Startups"), "funding": ("Financement", "Funding"),
    "support": ("Accompagnement", "Support"), "entrepreneurs": ("Entrepreneurs", "Entrepreneurs"),
}


def t(lang: str, key: str, **kw) -> str:
    text = STRINGS[lang].get(key, STRINGS["en"].get(key, key))
    return text.format(**kw) if kw else text


def indicator_name(lang: str, code: str) -> str:
    """An indicator's name in the page's language, from the indicator catalogue."""
    names = indicator_names(code)
    return names[0 if lang == "fr" else 1] if names else code.replace("_", " ")


def pillar_name(lang: str, code: str) -> str:
    names = PILLARS.get(code)
    return names[0 if lang == "fr" else 1] if names else code.replace("_", " ")


def kind_name(lang: str, code) -> str:
    """A structure or initiative kind in the page's language."""
    names = KINDS.get(str(code or ""))
    return names[0 if lang == "fr" else 1] if names else str(code or "").replace("_", " ")


def factor_name(lang: str, name) -> str:
    """A factor of the uncertainty analysis in the page's language (unknown names are shown as given)."""
    names = FACTORS.get(str(name or "").strip().lower())
    return names[0 if lang == "fr" else 1] if names else str(name or "")


MONTHS_FR, MONTHS_EN = MONTHS["fr"], MONTHS["en"]


def datetime_text(lang: str, value) -> str:
    """An ISO timestamp as a date and time in the page's language (UTC offset kept when not UTC)."""
    import datetime as dt

    text = "" if value is None else str(value).strip()
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    offset = stamp.utcoffset()
    zone = "" if offset is None else (" UTC" if not offset else " UTC" + stamp.strftime("%z")[:3] + ":" + stamp.strftime("%z")[3:])
    if lang == "fr":
        return f"{date(lang, stamp.date().isoformat())} à {stamp.hour:02d} h {stamp.minute:02d}{zone}"
    return f"{date(lang, stamp.date().isoformat())}, {stamp.hour:02d}:{stamp.minute:02d}{zone}"


def communes_text(lang: str, n: int) -> str:
    """"1 commune", "12 communes"."""
    return f"{number(lang, n, 0)} {t(lang, 'commune_one' if n == 1 else 'communes')}"


def decision_name(lang: str, code: str) -> str:
    known = ("labelled", "not_selected", "deferred", "confirmed", "renewed", "withdrawn", "ineligible")
    return t(lang, code) if code in known else str(code or "").replace("_", " ")


def decision_reason(lang: str, row, names: dict | None = None, field: str = "reason") -> str:
    """A decision row's explanation in the page's language, rendered from its codes and parameters
    (``<field>_code``, ``<field>_params``; ``field`` is "reason", "early_warning" or "flags") by the
    message catalogue (``frenchtech.messages``); ``names`` ({territory id: name}) names the territories
    it mentions. An audit written without codes shows the English text as written."""
    row = row if row is not None else {}
    text = cell_text(row.get(field))
    try:
        reasons = decode(row.get(f"{field}_code"), row.get(f"{field}_params"))
        rendered = render_all(reasons, lang, names)
    except (ValueError, KeyError, TypeError):   # codes this version does not know: the text as written
        return text
    if not reasons:
        return text
    return rendered + " (flags.csv)" if field == "flags" else rendered
