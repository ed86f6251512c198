"""Accounting and reporting: what a run will cost and did cost (estimate, ledger), how long its
answers ran, the run summary, and the cluster plan."""
