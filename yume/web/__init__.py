"""HTTP: thin Flask views over the domain modules."""
