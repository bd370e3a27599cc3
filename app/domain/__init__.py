"""Pure functions and dataclasses: the product's math (no database, no HTTP)."""
