"""The records area."""
