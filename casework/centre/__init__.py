"""The centre's work beyond cases: anonymous enquiries and activities (no personal data)."""
