"""Passwords, kept only as Argon2id hashes (argon2-cffi: the winner of the Password Hashing
Competition, RFC 9106's parameters by default)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from baro.commerce.customers.domain import InvalidCustomer

MIN_LENGTH = 10
# Long enough for any passphrase or manager-made password; short enough that hashing a
# hostile megabyte is not a way to burn the server's CPU.
MAX_LENGTH = 256


def check_password_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidCustomer(
            f"a password needs at least {MIN_LENGTH} characters", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidCustomer(f"a password has at most {MAX_LENGTH} characters", field="password")
    if "\x00" in password:
        raise InvalidCustomer("a password cannot contain a NUL character", field="password")


class Passwords:
    """Hashes and checks passwords. ``memory_kib`` and ``time_cost`` are Argon2's cost
    parameters: the defaults (64 MiB, 3 passes: about 0.1 s of one core) for servers; tests
    and benches may lower them."""

    def __init__(self, *, memory_kib: int = 65536, time_cost: int = 3) -> None:
        self._hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)
        # Checked against when the e-mail is unknown, so that the answer takes as long as
        # for a known e-mail: the timing does not tell who has an account.
        self._decoy = self._hasher.hash("decoy password that matches nothing")

    def hash(self, password: str) -> str:
        check_password_policy(password)
        return self._hasher.hash(password)

    def matches(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._decoy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with other cost parameters than today's."""
        return self._hasher.check_needs_rehash(stored_hash)
