"""The paper's figures: registry (what each shows), data selection and drawing."""
