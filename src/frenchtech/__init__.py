"""frenchtech: run a national tech-ecosystem labelling programme end to end.

The analytic core (``geo``, ``sources``, ``indicators``, ``index``, ``labelling``, ``audit``, ``fund``)
is plain Python on plain data; the CLI and the web platform are thin faces over it.
"""

__version__ = "0.1.0"

ATTRIBUTION = (
    "Contains data from INSEE, DGCL, IGN and Etalab (Licence Ouverte / Open Licence), "
    "the French research ministry (i-Lab, Licence Ouverte 2.0) and the COINr package (MIT)."
)
# The same notice for French-language pages.
ATTRIBUTION_FR = (
    "Contient des données de l’INSEE, de la DGCL, de l’IGN et d’Etalab (Licence Ouverte / Open Licence), "
    "du ministère de l’Enseignement supérieur et de la Recherche (i-Lab, Licence Ouverte 2.0) "
    "et du paquet COINr (licence MIT)."
)


def attribution(lang: str = "en") -> str:
    """The data attribution in the page's language (French or English)."""
    return ATTRIBUTION_FR if lang == "fr" else ATTRIBUTION
