"""frenchtech: run a national tech-ecosystem labelling programme end to end.

The analytic core (``geo``, ``sources``, ``indicators``, ``index``, ``labelling``, ``audit``, ``fund``)
is plain Python on plain data; the CLI and the web platform are thin faces over it.
"""

__version__ = "0.1.0"

ATTRIBUTION = (
    "Contains data from INSEE, DGCL, IGN and Etalab (Licence Ouverte / Open Licence), "
    "the French research ministry (i-Lab, Licence Ouverte 2.0) and the COINr package (MIT)."
)
