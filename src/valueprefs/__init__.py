"""valueprefs: value preferences of language models in short- and long-form answers."""

__version__ = "0.1.0"
