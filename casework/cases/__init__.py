"""Cases: intakes, sessions, risk and safety, consents, closure — sealed under the client's key."""
