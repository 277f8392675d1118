"""Clients: the women the centre supports, their identity sealed under their own data key."""
