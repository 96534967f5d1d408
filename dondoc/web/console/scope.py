"""What a signed-in user may see: a leader reads only the tasks of notices he concluded."""

from __future__ import annotations

from dondoc.store.users import Role, SignedIn


def leader_scope(user: SignedIn) -> str | None:
    """The leader code every query of this user is limited to; None for the office."""
    if user.role == Role.LEADER:
        # A leader account always carries its code (store.users refuses one without);
        # an impossible code keeps a damaged row from seeing everything.
        return user.leader_code or "\x00"
    return None
