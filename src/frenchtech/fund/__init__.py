"""The accelerator fund: calls and applications, due diligence, an explained allocation optimiser.

Pure Python on plain data; the ledger of commitments lives in the programme database
(``frenchtech.programme.fund``)."""
from frenchtech.fund.allocate import (
           Allocation,
           InfeasibleRules,
           allocate,
           check_allocation,
)
from frenchtech.fund.applications import (
           Application,
           Locator,
           labelled_from,
           read_applications,
           write_applications,
)
from frenchtech.fund.explain import explain
from frenchtech.fund.model import Existing, Item, Model, build_items
from frenchtech.fund.rules import Fund, Rules, load_fund, with_rules
from frenchtech.fund.scorecard import assess

__all__ = ["Allocation", "Application", "Existing", "Fund", "InfeasibleRules", "Item", "Locator", "Model",
           "Rules", "allocate", "assess", "build_items", "check_allocation", "explain", "labelled_from",
           "load_fund", "read_applications", "with_rules", "write_applications"]
