"""Secrets handed to people or devices (API keys, access codes) are stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str, nbytes: int = 32) -> str:
    """A random bearer secret; 256 bits by default, so it cannot be guessed or brute-forced."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def hash_secret(secret: str) -> str:
    """SHA-256 is enough for high-entropy random secrets (no password stretching needed) and
    lets a request find its key with one indexed lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(secret: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), expected_hash)
