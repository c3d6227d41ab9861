"""The password rules' constants: kept apart from ``services.auth`` (which the sign-in
window needs only once Sign in is pressed) and from the argon2 profile
(``services.hashing``) so the first window can show before either is imported
(start-up time)."""

from __future__ import annotations

MIN_PASSWORD = 10
MAX_PASSWORD = 128
