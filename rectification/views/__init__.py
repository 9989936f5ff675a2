"""Pages of the rectification app: the ledger (ledger.py) and the reports due (reports.py)."""
