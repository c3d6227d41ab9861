"""The default argon2id profile. Kept apart from the password rules' constants
(``services.password_policy``, which the sign-in window's fields need) so argon2 loads
when a password is first checked, not before the first window shows (~4 ms)."""

from __future__ import annotations

from argon2 import PasswordHasher

#: argon2-cffi's default profile: argon2id, 64 MiB, t=3, p=4 (above OWASP's floor).
DEFAULT_HASHER = PasswordHasher()
