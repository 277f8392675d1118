"""The sharing area."""
