"""The study plan: what a config asks the workflow to build, and where every file of it lives."""
