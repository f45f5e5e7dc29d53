"""Reports: the terminal summary, tables, charts, the static showcase and the jury report."""
