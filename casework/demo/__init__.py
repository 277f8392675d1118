"""Demonstration data: fictional women, cases and centre records for a demo instance only.

`casework demo seed` (casework.commands.demo) fills an instance marked DEMO_INSTANCE = True
through the same services a counsellor's pages use, so a demonstration (or a benchmark) sees
what a real instance would hold: sealed documents, blind indexes, an audit chain.
"""
