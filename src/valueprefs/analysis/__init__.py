"""Consistency and attribute analyses of model runs, with bootstrap intervals."""
