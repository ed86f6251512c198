"""Short- and long-form generation: prompts -> model backend -> responses (entry point: ``jobs``)."""
