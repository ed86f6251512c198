"""The model-call layer: backends, request and answer types, the call runner and its cache."""
