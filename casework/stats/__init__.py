"""The de-identified statistics store."""
