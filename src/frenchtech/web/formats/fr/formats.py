"""French: digits grouped by U+202F NARROW NO-BREAK SPACE (1 234 567,89), as Babel writes them in the
reports and the audit's explanations (CLDR); Django's own French module uses U+00A0. Everything else is
Django's French."""
THOUSAND_SEPARATOR = "\u202f"
