"""Referrals to partner organisations: the minimal packet, her consent, the partner's inbox."""
