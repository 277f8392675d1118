"""The yearly statistics reports."""
