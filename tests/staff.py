"""Staff accounts for tests: one known password, hashed with cheap argon2id parameters."""
from __future__ import annotations

from argon2 import PasswordHasher

from moderation import accounts

# The app's own hasher, before the tests swap in a cheaper one.
REAL_HASHER = accounts._hasher
PASSWORD = "correct horse battery staple"
# Still argon2id, with the cheapest parameters: the default ones take ~0.3 s per hash or check.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD_HASH = FAST_HASHER.hash(PASSWORD)
DUMMY_HASH = FAST_HASHER.hash("dummy password for timing")
