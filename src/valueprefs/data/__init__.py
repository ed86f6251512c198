"""Data sources normalized into the workflow's tables (see ``jobs`` for the rules' entry points)."""
