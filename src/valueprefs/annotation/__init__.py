"""Annotation of long-form answers by judges: arguments, their values, their specificity (entry point: ``jobs``)."""
