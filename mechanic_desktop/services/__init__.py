"""Use cases: every rule of the shop lives here once. No Qt here."""
