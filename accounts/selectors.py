from django.contrib.auth import get_user_model


def user_find(*, identifier: str):
    """A user by primary key, or by username (imported users are named like `ml-1`); None if there is none."""
    users = get_user_model().objects
    return (
        users.filter(pk=int(identifier)).first() if identifier.isdigit() else users.filter(username=identifier).first()
    )
