"""A team's Label Studio accounts: add annotators and reviewers, list them, remove them.

Works on the workspace's managed server or on a team's own (``LABEL_STUDIO_URL`` +
``LABEL_STUDIO_API_KEY``), through the same calls ``newsdesk studio users`` makes.

- Adding signs the person up through the organisation's invite link with a random first
  password, which is returned once (the CLI shows it to the maintainer) and never stored or
  logged: the person signs in with it and changes it in Label Studio's Account & Settings.
- Label Studio's open-source edition has no roles (they are an Enterprise feature), so the
  role, ``annotator`` or ``reviewer``, is newsdesk's: kept in ``studio/team.json`` beside the
  workspace (emails and roles only, no secrets) and used by review and adjudication
  (``--prefer reviewer``).
- Removing ends the person's membership of the organisation (Label Studio's soft delete): they
  can no longer sign in to its projects, and their annotations stay, so pull and adjudication
  keep attributing them.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotation.studio import (
    StudioPaths,
    StudioUser,
    StudioUserError,
    _write_json_atomically,
    create_studio_user,
    studio_client,
    studio_url,
)

ROLES = ("annotator", "reviewer")
FIRST_PASSWORD_BYTES = 12  # 16 URL-safe characters: well past Label Studio's 8-character minimum


@dataclass(frozen=True)
class TeamMember:
    """One person on the server, with newsdesk's role for them."""

    id: int
    email: str
    role: str
    active: bool  # False once removed from the organisation (their annotations stay)
    owner: bool = False  # the organisation's owner: the workspace's admin on the managed server

    def to_json(self) -> dict:
        return {"id": self.id, "email": self.email, "role": self.role, "active": self.active, "owner": self.owner}


@dataclass(frozen=True)
class NewAccount:
    """What the maintainer passes on to a new person: where to sign in, with which first password.

    ``first_password`` is None when the account existed already (nothing new to hand over).
    """

    member: TeamMember
    sign_in_url: str
    first_password: str | None
    user: StudioUser | None = None  # a client acting as the person, for scripts and tests

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"NewAccount(member={self.member!r}, sign_in_url={self.sign_in_url!r}, first_password=...)"


# --------------------------------------------------------------------------- roles beside the workspace


def _team_file(workspace: Path) -> Path:
    return StudioPaths.for_workspace(workspace).root / "team.json"


def read_roles(workspace: Path) -> dict[str, str]:
    """email -> role recorded for this workspace (lower-cased emails)."""
    try:
        record = json.loads(_team_file(workspace).read_text())
    except (OSError, ValueError):
        return {}
    return {email: entry["role"] for email, entry in record.get("members", {}).items()}


def _record_role(workspace: Path, email: str, role: str | None) -> None:
    path = _team_file(workspace)
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        record = {"members": {}}
    if role is None:
        record["members"].pop(email, None)
    else:
        record["members"][email] = {"role": role, "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    _write_json_atomically(path, record)


def members_with_role(workspace: Path, role: str) -> set[str]:
    """The emails recorded with this role (e.g. every reviewer)."""
    return {email for email, r in read_roles(workspace).items() if r == role}


# --------------------------------------------------------------------------- add, list, remove


def add_user(workspace: Path, email: str, role: str = "annotator", *, password: str | None = None) -> NewAccount:
    """Create a Label Studio account for ``email`` with ``role``; idempotent.

    A new account gets ``password`` or a random first password, returned once in
    :class:`NewAccount`. For an existing member only the role is updated and no password is
    returned. A member removed earlier cannot be re-added through the API (Label Studio keeps
    the account), so that is a :class:`StudioUserError` with what to do.
    """
    email = _normal_email(email)
    _check_role(role)
    admin = studio_client(workspace)
    existing = {m.email: m for m in list_users(workspace, client=admin)}
    member = existing.get(email)
    if member is not None:
        _record_role(workspace, email, role)
        # With their password, hand back a client acting as them (scripts, the demo).
        user = create_studio_user(workspace, email, password) if password else None
        return NewAccount(replace_role(member, role), _sign_in_url(workspace), first_password=None, user=user)
    first_password = password or secrets.token_urlsafe(FIRST_PASSWORD_BYTES)
    try:
        user = create_studio_user(workspace, email, first_password)
    except StudioUserError as error:
        if "exists already" not in error.message:
            raise
        raise StudioUserError(
            f"{email} has an account on this server but is not in its organisation (removed earlier?)",
            hint="Label Studio keeps removed accounts and has no API to bring them back: use another "
            "email, or ask the server's administrator",
        ) from None
    _record_role(workspace, email, role)
    member = TeamMember(id=user.id, email=email, role=role, active=True)
    return NewAccount(member, _sign_in_url(workspace), first_password=first_password, user=user)


def list_users(workspace: Path, *, client: LabelStudio | None = None) -> list[TeamMember]:
    """Everyone in the server's organisation, with their newsdesk role.

    Removed members are left out: Label Studio masks their email, and their annotations keep
    their user id, which pull resolves as before."""
    admin = client or studio_client(workspace)
    me = admin.users.whoami()
    organisation = me.active_organization
    roles = read_roles(workspace)
    members = []
    try:
        for membership in _memberships(admin, organisation):
            user = membership.user
            if "@" not in (user.email or ""):
                continue  # a removed member: Label Studio masks their email as "deleted"
            email = _normal_email(user.email)
            # A removed member's active organisation moves away from this one (soft delete).
            active = getattr(user, "active_organization", organisation) == organisation
            members.append(
                TeamMember(
                    id=user.id, email=email, role=roles.get(email, "annotator"), active=active, owner=user.id == me.id
                )
            )
    except ApiError as error:
        raise StudioUserError(
            f"cannot list the organisation's members (HTTP {error.status_code})",
            hint="listing users needs the API key of an organisation owner or administrator",
        ) from None
    return sorted(members, key=lambda m: m.email)


def _memberships(admin: LabelStudio, organisation: int, page_size: int = 100):
    """Every membership, page by page: the SDK's pager asks for a page past the last one (HTTP 404)."""
    page = 1
    while True:
        items = admin.organizations.members.list(id=organisation, page=page, page_size=page_size).items or []
        yield from items
        if len(items) < page_size:
            return
        page += 1


def remove_user(workspace: Path, email: str) -> TeamMember:
    """End ``email``'s membership of the organisation; their annotations stay. Idempotent."""
    email = _normal_email(email)
    admin = studio_client(workspace)
    member = next((m for m in list_users(workspace, client=admin) if m.email == email), None)
    if member is None:
        raise StudioUserError(
            f"no user {email} in this Label Studio organisation (removed already?)",
            hint="see `newsdesk studio users list`",
        )
    if member.owner:
        raise StudioUserError(
            f"{email} owns the organisation and cannot be removed",
            hint="remove annotators and reviewers, not the workspace's admin",
        )
    if member.active:
        try:
            admin.organizations.members.delete(id=admin.users.whoami().active_organization, user_pk=member.id)
        except ApiError as error:
            raise StudioUserError(
                f"Label Studio refused to remove {email} (HTTP {error.status_code})",
                hint="removing users needs the organisation owner's API key",
            ) from None
    _record_role(workspace, email, None)
    return TeamMember(id=member.id, email=email, role=member.role, active=False)


def replace_role(member: TeamMember, role: str) -> TeamMember:
    return TeamMember(id=member.id, email=member.email, role=role, active=member.active, owner=member.owner)


def _sign_in_url(workspace: Path) -> str:
    return f"{studio_url(workspace)}/user/login/"


def _normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise StudioUserError(
            f"{email!r} is not an email address", hint="give the person's email, e.g. ana@example.org"
        )
    return email


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise StudioUserError(f"unknown role {role!r}", hint=f"use one of: {', '.join(ROLES)}")
