"""Pure cryptography layer for Casework: key file, keyring, sealed fields, blind indexes.

Nothing here touches the database or Flask, and nothing happens at import time.
"""
