"""The deliberation: the jury's decisions on each dossier, and the publication that pins them."""
