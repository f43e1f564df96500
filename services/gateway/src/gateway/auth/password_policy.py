"""The one password policy, applied wherever a password is set: at least 12 characters, not the
user name (nor inside it, nor containing it, letter case aside) and not one of the 10,000 most
common passwords (``common_passwords.txt``, from zxcvbn's frequency list)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from shared.errors import Unprocessable

MIN_LENGTH = 12


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("gateway.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def violation(password: str, username: str) -> tuple[str, str] | None:
    """The first rule ``password`` breaks, as (code, message), or None."""
    if len(password) < MIN_LENGTH:
        return "password_too_short", f"a password has at least {MIN_LENGTH} characters"
    folded, name = password.casefold(), username.casefold()
    if name and (name in folded or folded in name):
        return "password_is_username", "a password may not be, contain or be part of the user name"
    if folded in common_passwords():
        return "password_common", "this password is one of the 10,000 most common; choose another"
    return None


class WeakPassword(Unprocessable):
    code = "password_too_short"
    title = "The password does not meet the password policy"


def check_password(password: str, username: str, *, field: str = "password") -> None:
    """A 422 naming ``body.<field>`` with the broken rule's code, for a password that fails the policy."""
    found = violation(password, username)
    if found is not None:
        code, message = found
        raise WeakPassword(message, code=code, errors=[{"loc": f"body.{field}", "msg": message}])
