"""The password rules' constants and the default argon2id profile: kept apart from
``services.auth`` (which the sign-in window needs only once Sign in is pressed) so the
first window can show before the database layer is imported (start-up time)."""

from __future__ import annotations

from argon2 import PasswordHasher

MIN_PASSWORD = 10
MAX_PASSWORD = 128
#: argon2-cffi's default profile: argon2id, 64 MiB, t=3, p=4 (above OWASP's floor).
DEFAULT_HASHER = PasswordHasher()
