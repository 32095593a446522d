"""Members, roles and invitations of a workspace; renaming and deleting a workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from socialplan import credentials, members, peers, users, workspaces
from socialplan.access import Actor, role_in_workspace
from socialplan.errors import Conflict, InvalidInput, NotAllowed, NotFound
from socialplan.models import (
    Account,
    BusinessScore,
    InfluenceScore,
    Invitation,
    LatestScore,
    Membership,
    Metric,
    Objective,
    PeerGroup,
    PeerGroupEntry,
    PeerGroupMember,
    Person,
    Plan,
    Reading,
    Responsibility,
    Review,
    ReviewItem,
    Revision,
    Role,
    ShareLink,
    Snapshot,
    Task,
    User,
    Workspace,
    WorkspaceDataVersion,
    utcnow,
)
from tests.factories import create_workspace_with_plan
from tests.test_authorization import SECRET_KEY, build_world


def make_user(session: Session, subject: str, email: str | None = None) -> User:
    return users.upsert_user(
        session=session,
        issuer="https://id.example",
        subject=subject,
        email=email if email is not None else f"{subject}@example.com",
        name=subject.capitalize(),
    )


@pytest.fixture
def rosa(session) -> User:
    return make_user(session, "rosa")


@pytest.fixture
def owner(rosa) -> Actor:
    return users.actor_for_user(rosa)


@pytest.fixture
def workspace(session, owner) -> Workspace:
    return create_workspace_with_plan(session, owner)[0]


def invite(session, owner, workspace, email, role=Role.VIEWER) -> Invitation:
    return members.invite(
        session=session, actor=owner, workspace_id=workspace.id, email=email, role=role
    )


def join(session, owner, workspace, subject, role=Role.VIEWER) -> tuple[User, Actor]:
    user = make_user(session, subject)
    invitation = invite(session, owner, workspace, user.email, role)
    members.accept_invitation(session=session, user=user, invitation_id=invitation.id)
    return user, users.actor_for_user(user)


def expire(session, invitation: Invitation) -> None:
    session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    session.commit()
    session.expunge_all()


# ---------------------------------------------------------------- members and roles


def test_members_are_listed_owners_first_with_their_names_and_emails(session, owner, workspace):
    join(session, owner, workspace, "vera", Role.VIEWER)
    join(session, owner, workspace, "eddie", Role.EDITOR)
    listed = members.list_members(session=session, actor=owner, workspace_id=workspace.id)
    assert [(m.name, m.email, m.role) for m in listed] == [
        ("Rosa", "rosa@example.com", Role.OWNER),
        ("Eddie", "eddie@example.com", Role.EDITOR),
        ("Vera", "vera@example.com", Role.VIEWER),
    ]


def test_a_viewer_sees_the_members_but_a_stranger_and_a_share_reader_do_not(
    session, owner, workspace
):
    _, viewer = join(session, owner, workspace, "vera")
    assert len(members.list_members(session=session, actor=viewer, workspace_id=workspace.id)) == 2
    stranger = users.actor_for_user(make_user(session, "stan"))
    plan = session.exec(select(Plan).where(Plan.workspace_id == workspace.id)).one()
    for outsider in (stranger, Actor.share_reader(plan.id), Actor()):
        with pytest.raises(NotFound):
            members.list_members(session=session, actor=outsider, workspace_id=workspace.id)


def test_the_owner_changes_a_members_role(session, owner, workspace):
    user, actor = join(session, owner, workspace, "vera")
    membership = members.change_role(
        session=session, actor=owner, workspace_id=workspace.id, user_id=user.id, role="editor"
    )
    assert membership.role == Role.EDITOR
    assert role_in_workspace(session, actor, workspace.id) == Role.EDITOR


def test_an_editor_may_not_change_roles(session, owner, workspace, rosa):
    _, editor = join(session, owner, workspace, "eddie", Role.EDITOR)
    with pytest.raises(NotAllowed) as error:
        members.change_role(
            session=session, actor=editor, workspace_id=workspace.id, user_id=rosa.id, role="viewer"
        )
    assert "only an owner" in str(error.value)
    assert role_in_workspace(session, owner, workspace.id) == Role.OWNER


def test_the_last_owner_cannot_be_demoted_but_one_of_two_can(session, owner, workspace, rosa):
    with pytest.raises(NotAllowed) as error:
        members.change_role(
            session=session, actor=owner, workspace_id=workspace.id, user_id=rosa.id, role="editor"
        )
    assert str(error.value) == members.LAST_OWNER
    assert role_in_workspace(session, owner, workspace.id) == Role.OWNER
    _, second = join(session, owner, workspace, "olga", Role.OWNER)
    members.change_role(
        session=session, actor=second, workspace_id=workspace.id, user_id=rosa.id, role="editor"
    )
    assert role_in_workspace(session, owner, workspace.id) == Role.EDITOR


def test_a_role_that_does_not_exist_and_a_user_who_is_not_a_member_are_refused(
    session, owner, workspace, rosa
):
    with pytest.raises(InvalidInput) as error:
        members.change_role(
            session=session, actor=owner, workspace_id=workspace.id, user_id=rosa.id, role="boss"
        )
    assert error.value.errors == {"role": "must be one of owner, editor, viewer."}
    stranger = make_user(session, "stan")
    with pytest.raises(NotFound):
        members.change_role(
            session=session,
            actor=owner,
            workspace_id=workspace.id,
            user_id=stranger.id,
            role="viewer",
        )


def test_keeping_the_same_role_changes_nothing(session, owner, workspace):
    user, _ = join(session, owner, workspace, "vera")
    before = session.exec(select(Membership).where(Membership.user_id == user.id)).one()
    after = members.change_role(
        session=session, actor=owner, workspace_id=workspace.id, user_id=user.id, role="viewer"
    )
    assert (after.id, after.role) == (before.id, Role.VIEWER)


def test_the_owner_removes_a_member_who_then_sees_nothing(session, owner, workspace):
    user, actor = join(session, owner, workspace, "vera")
    members.remove_member(session=session, actor=owner, workspace_id=workspace.id, user_id=user.id)
    assert role_in_workspace(session, actor, workspace.id) is None
    assert workspaces.list_workspaces(session=session, actor=actor) == []
    with pytest.raises(NotFound):
        members.remove_member(
            session=session, actor=owner, workspace_id=workspace.id, user_id=user.id
        )


def test_the_last_owner_cannot_be_removed(session, owner, workspace, rosa):
    with pytest.raises(NotAllowed) as error:
        members.remove_member(
            session=session, actor=owner, workspace_id=workspace.id, user_id=rosa.id
        )
    assert "at least one owner" in str(error.value)
    assert role_in_workspace(session, owner, workspace.id) == Role.OWNER


def test_a_member_leaves_but_the_last_owner_cannot(session, owner, workspace):
    _, viewer = join(session, owner, workspace, "vera")
    members.leave_workspace(session=session, actor=viewer, workspace_id=workspace.id)
    assert role_in_workspace(session, viewer, workspace.id) is None
    with pytest.raises(NotAllowed) as error:
        members.leave_workspace(session=session, actor=owner, workspace_id=workspace.id)
    assert str(error.value) == members.LAST_OWNER
    _, second = join(session, owner, workspace, "olga", Role.OWNER)
    members.leave_workspace(session=session, actor=owner, workspace_id=workspace.id)
    assert role_in_workspace(session, owner, workspace.id) is None
    assert role_in_workspace(session, second, workspace.id) == Role.OWNER


def test_the_local_user_has_no_membership_to_leave(session, workspace):
    with pytest.raises(NotAllowed):
        members.leave_workspace(session=session, actor=Actor.local(), workspace_id=workspace.id)


def test_a_stale_cached_role_does_not_let_the_last_owner_go(engine):
    """Two sessions: one read Olga as an owner; the other demoted her first."""
    with Session(engine, expire_on_commit=False) as first:
        rosa = make_user(first, "rosa")
        owner = users.actor_for_user(rosa)
        workspace = create_workspace_with_plan(first, owner)[0]
        olga, second = join(first, owner, workspace, "olga", Role.OWNER)
        olga_id, rosa_id, workspace_id = olga.id, rosa.id, workspace.id
        first.exec(select(Membership)).all()  # both memberships now cached in this session
        with Session(engine, expire_on_commit=False) as other:
            members.change_role(
                session=other,
                actor=second,
                workspace_id=workspace_id,
                user_id=rosa_id,
                role="editor",
            )
        with pytest.raises(NotAllowed):
            members.change_role(
                session=first,
                actor=second,
                workspace_id=workspace_id,
                user_id=olga_id,
                role="viewer",
            )
    with Session(engine) as check:
        owners = check.exec(select(Membership).where(Membership.role == Role.OWNER)).all()
        assert [m.user_id for m in owners] == [olga_id]


# ---------------------------------------------------------------- invitations


def test_an_invitation_is_for_a_normalised_email_and_expires_in_seven_days(
    session, owner, workspace, rosa
):
    invitation = invite(session, owner, workspace, "  Vera@Example.COM ", Role.EDITOR)
    assert (invitation.email, invitation.role) == ("vera@example.com", Role.EDITOR)
    assert invitation.invited_by_user_id == rosa.id
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - timedelta(days=7)) < timedelta(minutes=1)
    assert members.invitation_status(invitation) == "pending"


def test_a_second_pending_invitation_for_the_same_email_is_refused(session, owner, workspace):
    first = invite(session, owner, workspace, "vera@example.com")
    with pytest.raises(InvalidInput) as error:
        invite(session, owner, workspace, "VERA@example.com", Role.EDITOR)
    assert error.value.errors == {
        "email": "vera@example.com already has a pending invitation: revoke it first to send "
        "a new one."
    }
    members.revoke_invitation(session=session, actor=owner, invitation_id=first.id)
    assert invite(session, owner, workspace, "vera@example.com").id != first.id


def test_an_expired_invitation_does_not_block_a_new_one(session, owner, workspace):
    expire(session, invite(session, owner, workspace, "vera@example.com"))
    assert invite(session, owner, workspace, "vera@example.com").email == "vera@example.com"


def test_inviting_a_member_or_a_non_address_is_refused_and_writes_nothing(
    session, owner, workspace
):
    join(session, owner, workspace, "vera")
    before = len(session.exec(select(Invitation)).all())
    with pytest.raises(InvalidInput) as error:
        invite(session, owner, workspace, "Vera@example.com")
    assert "already a member" in error.value.errors["email"]
    for bad, message in (("", "is required."), ("vera at example", "is not an email address")):
        with pytest.raises(InvalidInput) as error:
            invite(session, owner, workspace, bad)
        assert error.value.errors["email"].startswith(message)
    with pytest.raises(InvalidInput) as error:
        invite(session, owner, workspace, "new@example.com", "boss")
    assert set(error.value.errors) == {"role"}
    assert len(session.exec(select(Invitation)).all()) == before


def test_only_an_owner_invites(session, owner, workspace):
    _, editor = join(session, owner, workspace, "eddie", Role.EDITOR)
    with pytest.raises(NotAllowed):
        invite(session, editor, workspace, "new@example.com")
    stranger = users.actor_for_user(make_user(session, "stan"))
    with pytest.raises(NotFound):
        invite(session, stranger, workspace, "new@example.com")


def test_the_list_shows_pending_invitations_or_all_of_them(session, owner, workspace):
    pending = invite(session, owner, workspace, "a@example.com")
    revoked = invite(session, owner, workspace, "b@example.com")
    members.revoke_invitation(session=session, actor=owner, invitation_id=revoked.id)
    expired = invite(session, owner, workspace, "c@example.com")
    expire(session, expired)
    user, _ = join(session, owner, workspace, "dora")
    listed = members.list_invitations(session=session, actor=owner, workspace_id=workspace.id)
    assert [i.id for i in listed] == [pending.id]
    everything = members.list_invitations(
        session=session, actor=owner, workspace_id=workspace.id, include_closed=True
    )
    assert {members.invitation_status(i) for i in everything} == {
        "pending",
        "revoked",
        "expired",
        "accepted",
    }


def test_revoking_is_for_the_owner_changes_nothing_twice_and_not_after_acceptance(
    session, owner, workspace
):
    invitation = invite(session, owner, workspace, "vera@example.com")
    _, editor = join(session, owner, workspace, "eddie", Role.EDITOR)
    with pytest.raises(NotAllowed):
        members.revoke_invitation(session=session, actor=editor, invitation_id=invitation.id)
    first = members.revoke_invitation(session=session, actor=owner, invitation_id=invitation.id)
    again = members.revoke_invitation(session=session, actor=owner, invitation_id=invitation.id)
    assert first.revoked_at == again.revoked_at is not None
    accepted = session.exec(
        select(Invitation).where(col(Invitation.accepted_at).is_not(None))
    ).one()
    with pytest.raises(InvalidInput) as error:
        members.revoke_invitation(session=session, actor=owner, invitation_id=accepted.id)
    assert "already accepted" in error.value.errors["invitation"]


def test_another_workspaces_invitation_is_not_found(session, owner, workspace):
    otto = users.actor_for_user(make_user(session, "otto"))
    studio = create_workspace_with_plan(session, otto, name="Otto's Studio")[0]
    theirs = invite(session, otto, studio, "vera@example.com")
    with pytest.raises(NotFound) as error:
        members.revoke_invitation(session=session, actor=owner, invitation_id=theirs.id)
    with pytest.raises(NotFound) as missing:
        members.revoke_invitation(session=session, actor=owner, invitation_id=theirs.id + 99)
    assert str(error.value) == str(missing.value)


def test_a_user_sees_the_pending_invitations_for_their_email_only(session, owner, workspace):
    invite(session, owner, workspace, "Vera@Example.com", Role.EDITOR)
    invite(session, owner, workspace, "someone.else@example.com")
    otto = users.actor_for_user(make_user(session, "otto"))
    studio = create_workspace_with_plan(session, otto, name="Otto's Studio")[0]
    expire(session, invite(session, otto, studio, "vera@example.com"))
    vera = make_user(session, "vera")
    pending = members.pending_invitations_for(session=session, user=vera)
    assert [(i.workspace_id, i.role) for i in pending] == [(workspace.id, Role.EDITOR)]
    views = members.describe_invitations(session=session, invitations=pending)
    assert (views[0].workspace_name, views[0].invited_by) == ("Rosa's Bakery", "Rosa")


def test_a_user_without_a_trusted_email_sees_no_invitations(session, owner, workspace):
    invite(session, owner, workspace, "vera@example.com")
    unverified = users.upsert_user(
        session=session,
        issuer="https://id.example",
        subject="vera",
        email="vera@example.com",
        name="Vera",
        email_verified=False,
    )
    assert members.pending_invitations_for(session=session, user=unverified) == []


def test_accepting_makes_the_user_a_member_with_the_invited_role(session, owner, workspace):
    invitation = invite(session, owner, workspace, "vera@example.com", Role.EDITOR)
    vera = make_user(session, "vera", "VERA@example.com")
    membership = members.accept_invitation(session=session, user=vera, invitation_id=invitation.id)
    assert (membership.workspace_id, membership.user_id, membership.role) == (
        workspace.id,
        vera.id,
        Role.EDITOR,
    )
    assert members.invitation_status(session.get(Invitation, invitation.id)) == "accepted"
    assert members.pending_invitations_for(session=session, user=vera) == []
    actor = users.actor_for_user(vera)
    assert [w.id for w in workspaces.list_workspaces(session=session, actor=actor)] == [
        workspace.id
    ]


def test_an_invitation_cannot_be_accepted_twice(session, owner, workspace):
    invitation = invite(session, owner, workspace, "vera@example.com")
    vera = make_user(session, "vera")
    members.accept_invitation(session=session, user=vera, invitation_id=invitation.id)
    with pytest.raises(NotAllowed) as error:
        members.accept_invitation(session=session, user=vera, invitation_id=invitation.id)
    assert "already accepted" in str(error.value)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("revoke", "withdrawn by the workspace's owner"),
        ("expire", "expired on"),
    ],
)
def test_a_revoked_or_expired_invitation_is_refused_in_plain_words(
    session, owner, workspace, spoil, message
):
    invitation = invite(session, owner, workspace, "vera@example.com")
    if spoil == "revoke":
        members.revoke_invitation(session=session, actor=owner, invitation_id=invitation.id)
    else:
        expire(session, invitation)
    vera = make_user(session, "vera")
    with pytest.raises(NotAllowed) as error:
        members.accept_invitation(session=session, user=vera, invitation_id=invitation.id)
    assert message in str(error.value)
    assert role_in_workspace(session, users.actor_for_user(vera), workspace.id) is None


def test_an_invitation_for_another_email_is_refused(session, owner, workspace):
    invitation = invite(session, owner, workspace, "vera@example.com")
    mallory = make_user(session, "mallory")
    with pytest.raises(NotAllowed) as error:
        members.accept_invitation(session=session, user=mallory, invitation_id=invitation.id)
    assert "different email address" in str(error.value)
    assert "vera@example.com" not in str(error.value)
    unverified = users.upsert_user(
        session=session,
        issuer="https://other.example",
        subject="vera",
        email="vera@example.com",
        name="Vera",
        email_verified=False,
    )
    with pytest.raises(NotAllowed) as error:
        members.accept_invitation(session=session, user=unverified, invitation_id=invitation.id)
    assert "verified email" in str(error.value)
    assert members.invitation_status(session.get(Invitation, invitation.id)) == "pending"


def test_an_invitation_that_does_not_exist_is_not_found(session, workspace):
    vera = make_user(session, "vera")
    with pytest.raises(NotFound):
        members.accept_invitation(session=session, user=vera, invitation_id=12345)


def test_a_member_who_accepts_again_keeps_the_role_the_owner_set(session, owner, workspace):
    user, actor = join(session, owner, workspace, "vera", Role.EDITOR)
    invitation = Invitation(
        workspace_id=workspace.id,
        email=user.email,
        role=Role.VIEWER,
        expires_at=utcnow() + timedelta(days=1),
    )
    session.add(invitation)
    session.commit()
    membership = members.accept_invitation(session=session, user=user, invitation_id=invitation.id)
    assert membership.role == Role.EDITOR
    assert members.invitation_status(session.get(Invitation, invitation.id)) == "accepted"


# ---------------------------------------------------------------- rename and delete


def test_the_owner_renames_the_workspace_and_its_slug_stays(session, owner, workspace):
    slug, version = workspace.slug, workspace.version
    renamed = workspaces.rename_workspace(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        name="  Rosa's Cakes ",
        version=version,
    )
    assert (renamed.name, renamed.slug, renamed.version) == ("Rosa's Cakes", slug, version + 1)


def test_renaming_from_a_stale_version_is_a_conflict(session, owner, workspace):
    version = workspace.version
    workspaces.rename_workspace(
        session=session, actor=owner, workspace_id=workspace.id, name="A", version=version
    )
    with pytest.raises(Conflict):
        workspaces.rename_workspace(
            session=session, actor=owner, workspace_id=workspace.id, name="B", version=version
        )


def test_a_blank_name_and_an_editor_are_refused_a_rename(session, owner, workspace):
    with pytest.raises(InvalidInput) as error:
        workspaces.rename_workspace(
            session=session, actor=owner, workspace_id=workspace.id, name="  ", version=1
        )
    assert error.value.errors == {"name": "is required."}
    _, editor = join(session, owner, workspace, "eddie", Role.EDITOR)
    with pytest.raises(NotAllowed):
        workspaces.rename_workspace(
            session=session, actor=editor, workspace_id=workspace.id, name="Mine", version=1
        )
    assert session.get(Workspace, workspace.id, populate_existing=True).name == "Rosa's Bakery"


def test_deleting_needs_the_exact_name_and_an_owner(session, owner, workspace):
    with pytest.raises(InvalidInput) as error:
        workspaces.delete_workspace(
            session=session, actor=owner, workspace_id=workspace.id, confirm_name="rosa's bakery"
        )
    assert error.value.errors == {
        "confirm_name": "must be the workspace's name, “Rosa's Bakery”, exactly."
    }
    _, editor = join(session, owner, workspace, "eddie", Role.EDITOR)
    with pytest.raises(NotAllowed):
        workspaces.delete_workspace(
            session=session, actor=editor, workspace_id=workspace.id, confirm_name=workspace.name
        )
    assert session.get(Workspace, workspace.id) is not None


def ids(session: Session, query) -> set[int]:
    return set(session.execute(query).scalars())


def owned_rows(session: Session, workspace_id: int) -> dict[str, set[int]]:
    """Per table, the keys of the rows that belong to the workspace (directly or through one):
    the id, or for a table keyed on its owner (latest_score, workspace_data_version) that key."""
    plans = sa.select(Plan.id).where(Plan.workspace_id == workspace_id)
    objectives = sa.select(Objective.id).where(col(Objective.plan_id).in_(plans))
    metrics = sa.select(Metric.id).where(col(Metric.objective_id).in_(objectives))
    tasks = sa.select(Task.id).where(col(Task.objective_id).in_(objectives))
    people = sa.select(Person.id).where(Person.workspace_id == workspace_id)
    accounts = sa.select(Account.id).where(Account.workspace_id == workspace_id)
    reviews = sa.select(Review.id).where(col(Review.plan_id).in_(plans))
    other_members = sa.select(PeerGroupMember.group_id).where(
        PeerGroupMember.workspace_id != workspace_id
    )
    queries = {
        "app_user": sa.select(User.id).where(sa.false()),
        "workspace": sa.select(Workspace.id).where(Workspace.id == workspace_id),
        "membership": sa.select(Membership.id).where(Membership.workspace_id == workspace_id),
        "invitation": sa.select(Invitation.id).where(Invitation.workspace_id == workspace_id),
        "person": people,
        "plan": plans,
        "objective": objectives,
        "metric": metrics,
        "reading": sa.select(Reading.id).where(col(Reading.metric_id).in_(metrics)),
        "task": tasks,
        "responsibility": sa.select(Responsibility.id).where(
            col(Responsibility.person_id).in_(people)
            | col(Responsibility.objective_id).in_(objectives)
            | col(Responsibility.task_id).in_(tasks)
        ),
        "review": reviews,
        "review_item": sa.select(ReviewItem.id).where(col(ReviewItem.review_id).in_(reviews)),
        "revision": sa.select(Revision.id).where(col(Revision.plan_id).in_(plans)),
        "account": accounts,
        "snapshot": sa.select(Snapshot.id).where(col(Snapshot.account_id).in_(accounts)),
        "influence_score": sa.select(InfluenceScore.id).where(
            col(InfluenceScore.account_id).in_(accounts)
        ),
        "business_score": sa.select(BusinessScore.id).where(
            BusinessScore.workspace_id == workspace_id
        ),
        "latest_score": sa.select(LatestScore.account_id).where(
            col(LatestScore.account_id).in_(accounts)
        ),
        "workspace_data_version": sa.select(WorkspaceDataVersion.workspace_id).where(
            WorkspaceDataVersion.workspace_id == workspace_id
        ),
        "share_link": sa.select(ShareLink.id).where(col(ShareLink.plan_id).in_(plans)),
        "peer_group_member": sa.select(PeerGroupMember.id).where(
            PeerGroupMember.workspace_id == workspace_id
        ),
        "peer_group_entry": sa.select(PeerGroupEntry.id).where(
            col(PeerGroupEntry.account_id).in_(accounts)
        ),
        # A group goes with the workspace only when no other business is in it.
        "peer_group": sa.select(PeerGroup.id).where(
            col(PeerGroup.id).in_(
                sa.select(PeerGroupMember.group_id).where(
                    PeerGroupMember.workspace_id == workspace_id
                )
            )
            & col(PeerGroup.id).not_in(other_members)
        ),
    }
    tables = {table.name for table in SQLModel.metadata.sorted_tables}
    assert set(queries) == tables, f"say which rows of {tables ^ set(queries)} are a workspace's"
    return {name: ids(session, query) for name, query in queries.items()}


def all_rows(session: Session) -> dict[str, set[int]]:
    """Per table, the primary keys of all its rows (every table has a one-column key)."""
    return {
        table.name: ids(session, sa.select(*table.primary_key.columns))
        for table in SQLModel.metadata.sorted_tables
    }


def test_deleting_a_workspace_removes_all_of_it_and_nothing_of_the_other(session, monkeypatch):
    monkeypatch.setenv(credentials.SECRET_KEY_NAME, SECRET_KEY)
    world = build_world(session)
    bakery, studio = world.bakery, world.studio
    rosa, otto = bakery.owner, studio.owner
    # Peer groups across the two: the studio in the bakery's group (with an entry), the
    # bakery in the studio's group, and a group of the bakery alone.
    code = peers.get_group(
        session=session, actor=rosa, workspace_id=bakery.workspace_id, group_id=bakery.group_id
    ).invite_code
    peers.join_group(session=session, actor=otto, workspace_id=studio.workspace_id, code=code)
    peers.enter_account(
        session=session,
        actor=otto,
        workspace_id=studio.workspace_id,
        group_id=bakery.group_id,
        account_id=studio.account_id,
    )
    studio_group = peers.get_group(
        session=session, actor=otto, workspace_id=studio.workspace_id, group_id=studio.group_id
    )
    peers.join_group(
        session=session, actor=rosa, workspace_id=bakery.workspace_id, code=studio_group.invite_code
    )
    alone = peers.create_group(
        session=session, actor=rosa, workspace_id=bakery.workspace_id, name="Just us"
    )
    session.expunge_all()
    before = all_rows(session)
    owned = owned_rows(session, bakery.workspace_id)
    for table, rows in owned.items():
        if table != "app_user":
            assert rows, f"the test should give the bakery at least one {table} row"
        if table not in ("workspace", "peer_group", "app_user"):
            assert before[table] - rows, f"the test should give the studio a {table} row"

    workspaces.delete_workspace(
        session=session,
        actor=rosa,
        workspace_id=bakery.workspace_id,
        confirm_name="Rosa's Bakery",
    )

    session.expunge_all()
    after = all_rows(session)
    for table in before:
        assert after[table] == before[table] - owned[table], table
    assert owned["peer_group"] == {alone.id}
    handed_on = session.get(PeerGroup, bakery.group_id)
    assert handed_on.owner_workspace_id == studio.workspace_id
    assert session.get(PeerGroup, studio.group_id).owner_workspace_id == studio.workspace_id
    # The bakery's people are gone; its users are not (they belong to the instance).
    assert len(after["app_user"]) == len(before["app_user"])
    assert workspaces.list_workspaces(session=session, actor=world.identities["editor"]) == []


def test_a_deleted_workspace_is_not_found_afterwards(session, owner, workspace):
    workspaces.delete_workspace(
        session=session, actor=owner, workspace_id=workspace.id, confirm_name=workspace.name
    )
    with pytest.raises(NotFound):
        workspaces.delete_workspace(
            session=session, actor=owner, workspace_id=workspace.id, confirm_name=workspace.name
        )
    with pytest.raises(NotFound):
        workspaces.get_workspace_by_slug(session=session, actor=owner, slug=workspace.slug)
