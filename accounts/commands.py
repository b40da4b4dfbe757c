"""What the management commands of every app share about users."""

from django.core.management.base import CommandError

from accounts.selectors import user_find


def user_lookup(value: str):
    """The user a `--user` option names (an id or a username), or a CommandError that says which is missing."""
    user = user_find(identifier=value)
    if user is None:
        raise CommandError(f"no user {value!r} (give a user id or a username)")
    return user
