"""The fund ledger: commitments, disbursements, returns and write-offs of the accelerator fund as
double-entry records in exact decimals, each linked to a decision. Use it through ``services``."""
