"""Passwords, second factor, sessions, headers and the access policy."""
