"""Cross-cutting web pieces: error pages and template helpers."""
