"""Region names for display, by geography vintage (the regions changed on 1 January 2016)."""
from __future__ import annotations

_BEFORE_2016 = {
    "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte",
    "11": "Île-de-France", "21": "Champagne-Ardenne", "22": "Picardie", "23": "Haute-Normandie", "24": "Centre",
    "25": "Basse-Normandie", "26": "Bourgogne", "31": "Nord-Pas-de-Calais", "41": "Lorraine", "42": "Alsace",
    "43": "Franche-Comté", "52": "Pays de la Loire", "53": "Bretagne", "54": "Poitou-Charentes", "72": "Aquitaine",
    "73": "Midi-Pyrénées", "74": "Limousin", "82": "Rhône-Alpes", "83": "Auvergne", "91": "Languedoc-Roussillon",
    "93": "Provence-Alpes-Côte d'Azur", "94": "Corse",
}
_SINCE_2016 = {
    "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte",
    "11": "Île-de-France", "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté", "28": "Normandie",
    "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne",
    "75": "Nouvelle-Aquitaine", "76": "Occitanie", "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur", "94": "Corse",
}


def region_name(code: str, vintage: int = 2014) -> str:
    names = _BEFORE_2016 if vintage < 2016 else _SINCE_2016
    return names.get(str(code), str(code))
