"""The root of every error a user or device may cause.

::

    DomainError                 anything the caller can act on; has a stable ``code``
    ├── NotFound                the thing does not exist, or is not the caller's
    ├── Conflict                the request clashes with the current state
    ├── InvalidRequest          the request itself is wrong
    └── Unavailable             a dependency (payment gateway, …) failed; retry may succeed

Capabilities subclass these (``OutOfStock(Conflict)``). The HTTP mapping lives in
``baro.channels.web``, not here: the domain does not know it is served over HTTP.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """An error with a stable machine-readable ``code`` and a human message with the numbers."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must declare its own stable `code`")


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InvalidRequest(DomainError):
    code = "invalid_request"


class Unavailable(DomainError):
    code = "unavailable"


def all_error_classes() -> list[type[DomainError]]:
    """Every DomainError subclass defined so far (for the mapping completeness test)."""
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def error_class_for(code: str) -> type[DomainError]:
    """The error class with this stable code (to raise a stored outcome again)."""
    for cls in all_error_classes():
        if cls.code == code:
            return cls
    return DomainError
