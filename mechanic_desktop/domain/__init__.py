"""Value rules and errors of the shop's domain; no Qt, no database sessions."""
