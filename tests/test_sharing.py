"""Share links: random tokens kept only as hashes, read-only access to one plan, revocable."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from socialplan import members, plans, sharing, users
from socialplan.access import Actor, role_in_workspace
from socialplan.errors import InvalidInput, NotAllowed, NotFound
from socialplan.models import PlanCreate, PlanUpdate, Role, ShareLink, utcnow
from tests.factories import create_workspace_with_plan


def make_user(session: Session, subject: str, email: str | None = None):
    return users.upsert_user(
        session=session,
        issuer="https://id.example",
        subject=subject,
        email=email or f"{subject}@example.com",
        name=subject.capitalize(),
    )


@pytest.fixture
def owner(session):
    return users.actor_for_user(make_user(session, "rosa"))


@pytest.fixture
def bakery(session, owner):
    return create_workspace_with_plan(session, owner)


def add_member(session, owner, workspace, subject: str, role: Role) -> Actor:
    user = make_user(session, subject)
    invitation = members.invite(
        session=session, actor=owner, workspace_id=workspace.id, email=user.email, role=role
    )
    members.accept_invitation(session=session, user=user, invitation_id=invitation.id)
    return users.actor_for_user(user)


def create(session, owner, plan, label="for the bank", expires_at=None):
    return sharing.create_share_link(
        session=session, actor=owner, plan_id=plan.id, label=label, expires_at=expires_at
    )


def test_a_new_link_stores_only_the_sha256_of_a_long_random_token(session, owner, bakery):
    _, plan = bakery
    link, token = create(session, owner, plan)
    assert len(token) >= 43  # 32 random bytes in URL-safe base64: 256 bits
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = session.execute(sa.select(ShareLink.__table__)).mappings().one()
    assert token not in {str(value) for value in stored.values()}
    assert (link.label, link.plan_id, link.expires_at) == ("for the bank", plan.id, None)


def test_the_plain_token_is_in_no_table_after_creating_a_link(session, owner, bakery):
    _, plan = bakery
    _, token = create(session, owner, plan)
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).all():
            assert all(token not in str(value) for value in row), table.name


def test_two_links_never_share_a_token(session, owner, bakery):
    _, plan = bakery
    tokens = {create(session, owner, plan, label=str(n))[1] for n in range(20)}
    assert len(tokens) == 20


def test_a_valid_token_resolves_to_a_reader_of_its_plan_only(session, owner, bakery):
    workspace, plan = bakery
    _, token = create(session, owner, plan)
    reader = sharing.resolve_share_token(session=session, token=token)
    assert reader == Actor.share_reader(plan.id)
    assert role_in_workspace(session, reader, workspace.id) == Role.VIEWER
    assert plans.get_plan(session=session, actor=reader, plan_id=plan.id).id == plan.id


def test_a_share_reader_cannot_change_the_plan(session, owner, bakery):
    _, plan = bakery
    _, token = create(session, owner, plan)
    reader = sharing.resolve_share_token(session=session, token=token)
    with pytest.raises(NotAllowed):
        plans.update_plan(
            session=session,
            actor=reader,
            plan_id=plan.id,
            plan_update=PlanUpdate(version=plan.version, name="Hacked"),
        )


def test_a_share_reader_cannot_open_another_plan_of_the_same_workspace(session, owner, bakery):
    workspace, plan = bakery
    other = plans.create_plan(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        plan_create=PlanCreate(
            name="2027 H2", period_start=date(2027, 7, 1), period_end=date(2027, 12, 31)
        ),
    )
    _, token = create(session, owner, plan)
    reader = sharing.resolve_share_token(session=session, token=token)
    with pytest.raises(NotFound):
        plans.get_plan(session=session, actor=reader, plan_id=other.id)


def test_resolving_a_token_records_when_the_link_was_last_used(session, owner, bakery):
    _, plan = bakery
    link, token = create(session, owner, plan)
    assert link.last_used_at is None
    sharing.resolve_share_token(session=session, token=token)
    first = session.get(ShareLink, link.id, populate_existing=True).last_used_at
    assert first is not None
    # An old "last used" is brought up to date; one from a moment ago is left alone.
    old = utcnow() - timedelta(days=3)
    session.execute(sa.update(ShareLink).where(ShareLink.id == link.id).values(last_used_at=old))
    session.commit()
    sharing.resolve_share_token(session=session, token=token)
    assert session.get(ShareLink, link.id, populate_existing=True).last_used_at > old


def refusal(session, token: str) -> str:
    with pytest.raises(NotFound) as error:
        sharing.resolve_share_token(session=session, token=token)
    return str(error.value)


def test_wrong_revoked_and_expired_tokens_are_refused_with_the_same_message(session, owner, bakery):
    _, plan = bakery
    revoked, revoked_token = create(session, owner, plan, label="revoked")
    sharing.revoke_share_link(session=session, actor=owner, share_link_id=revoked.id)
    expired, expired_token = create(
        session, owner, plan, label="expired", expires_at=utcnow() + timedelta(days=1)
    )
    session.execute(
        sa.update(ShareLink)
        .where(ShareLink.id == expired.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    _, valid_token = create(session, owner, plan, label="valid")
    messages = {
        refusal(session, "not-a-token-at-all"),
        refusal(session, valid_token[:-1] + ("A" if valid_token[-1] != "A" else "B")),
        refusal(session, revoked_token),
        refusal(session, expired_token),
        refusal(session, ""),
        refusal(session, "x" * 10_000),
    }
    assert messages == {sharing.INVALID_LINK}
    assert "no longer valid" in sharing.INVALID_LINK


def test_a_revoked_link_stops_working_at_once_in_another_session(engine, owner):
    with Session(engine, expire_on_commit=False) as setup:
        make_user(setup, "rosa")
        _, plan = create_workspace_with_plan(setup, owner)
        link, token = create(setup, owner, plan)
    with Session(engine, expire_on_commit=False) as reader_session:
        sharing.resolve_share_token(session=reader_session, token=token)
        with Session(engine, expire_on_commit=False) as owner_session:
            sharing.revoke_share_link(session=owner_session, actor=owner, share_link_id=link.id)
        assert refusal(reader_session, token) == sharing.INVALID_LINK


def test_a_link_stops_working_when_its_plan_is_deleted_with_its_workspace(session, owner, bakery):
    from socialplan.workspaces import delete_workspace

    workspace, plan = bakery
    _, token = create(session, owner, plan)
    delete_workspace(
        session=session, actor=owner, workspace_id=workspace.id, confirm_name=workspace.name
    )
    assert refusal(session, token) == sharing.INVALID_LINK


def test_only_an_owner_may_create_a_link(session, owner, bakery):
    workspace, plan = bakery
    editor = add_member(session, owner, workspace, "eddie", Role.EDITOR)
    viewer = add_member(session, owner, workspace, "vera", Role.VIEWER)
    stranger = users.actor_for_user(make_user(session, "stranger"))
    for actor, refused in ((editor, NotAllowed), (viewer, NotAllowed), (stranger, NotFound)):
        with pytest.raises(refused):
            create(session, actor, plan)
    _, token = create(session, owner, plan)
    reader = sharing.resolve_share_token(session=session, token=token)
    with pytest.raises(NotFound):
        create(session, reader, plan)
    assert len(session.exec(select(ShareLink)).all()) == 1


def test_an_expiry_in_the_past_is_refused_and_a_naive_one_is_taken_as_utc(session, owner, bakery):
    _, plan = bakery
    with pytest.raises(InvalidInput) as error:
        create(session, owner, plan, expires_at=utcnow() - timedelta(minutes=1))
    assert error.value.errors == {"expires_at": "must be in the future."}
    naive = (utcnow() + timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    link, _ = create(session, owner, plan, expires_at=naive)
    assert link.expires_at == naive.replace(tzinfo=UTC)


def test_a_label_is_tidied_and_a_too_long_one_refused(session, owner, bakery):
    _, plan = bakery
    link, _ = create(session, owner, plan, label="  for   the bank ")
    assert link.label == "for the bank"
    with pytest.raises(InvalidInput) as error:
        create(session, owner, plan, label="x" * 201)
    assert set(error.value.errors) == {"label"}


def test_the_list_shows_each_links_dates_and_state_but_no_token(session, owner, bakery):
    workspace, plan = bakery
    active, token = create(
        session, owner, plan, label="bank", expires_at=utcnow() + timedelta(days=30)
    )
    revoked, _ = create(session, owner, plan, label="old advisor")
    sharing.revoke_share_link(session=session, actor=owner, share_link_id=revoked.id)
    sharing.resolve_share_token(session=session, token=token)
    listed = sharing.list_share_links(session=session, actor=owner, workspace_id=workspace.id)
    assert [(info.label, info.status, info.plan_name) for info in listed] == [
        ("old advisor", "revoked", plan.name),
        ("bank", "active", plan.name),
    ]
    bank = listed[1]
    assert bank.expires_at is not None and bank.last_used_at is not None
    assert bank.created_at <= bank.last_used_at
    assert not hasattr(bank, "token") and not hasattr(bank, "token_hash")
    assert (
        sharing.list_share_links(
            session=session, actor=owner, workspace_id=workspace.id, plan_id=plan.id + 999
        )
        == []
    )


def test_an_expired_link_is_listed_as_expired(session, owner, bakery):
    workspace, plan = bakery
    link, _ = create(session, owner, plan, expires_at=utcnow() + timedelta(hours=1))
    later = utcnow() + timedelta(hours=2)
    assert sharing.link_status(link, now=later) == "expired"
    assert sharing.link_status(link) == "active"


def test_revoking_twice_changes_nothing_and_another_workspaces_link_is_not_found(
    session, owner, bakery
):
    _, plan = bakery
    link, _ = create(session, owner, plan)
    first = sharing.revoke_share_link(session=session, actor=owner, share_link_id=link.id)
    again = sharing.revoke_share_link(session=session, actor=owner, share_link_id=link.id)
    assert first.revoked_at == again.revoked_at is not None
    other_owner = users.actor_for_user(make_user(session, "otto"))
    _, other_plan = create_workspace_with_plan(session, other_owner, name="Otto's Studio")
    other_link, _ = create(session, other_owner, other_plan)
    with pytest.raises(NotFound) as error:
        sharing.revoke_share_link(session=session, actor=owner, share_link_id=other_link.id)
    assert str(error.value) == sharing.NO_SUCH_LINK
    with pytest.raises(NotFound) as missing:
        sharing.revoke_share_link(session=session, actor=owner, share_link_id=other_link.id + 99)
    assert str(missing.value) == str(error.value)
    assert session.get(ShareLink, other_link.id, populate_existing=True).revoked_at is None


def test_the_token_is_never_logged(session, owner, bakery, caplog):
    _, plan = bakery
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        link, token = create(session, owner, plan)
        sharing.resolve_share_token(session=session, token=token)
        sharing.list_share_links(session=session, actor=owner, workspace_id=plan.workspace_id)
        sharing.revoke_share_link(session=session, actor=owner, share_link_id=link.id)
        refusal(session, token)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert caplog.records, "the SQL log should have been captured"
    assert token not in caplog.text


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://plan.example.com", "https://plan.example.com/?share=TOKEN"),
        ("https://plan.example.com/", "https://plan.example.com/?share=TOKEN"),
        ("https://example.com/socialplan/", "https://example.com/socialplan/?share=TOKEN"),
        ("http://localhost:8501/?share=old#top", "http://localhost:8501/?share=TOKEN"),
        (
            "https://plan.example.com/?embed=true",
            "https://plan.example.com/?embed=true&share=TOKEN",
        ),
    ],
)
def test_the_share_url_puts_the_token_in_the_share_parameter(base, expected):
    assert sharing.share_url(base, "TOKEN") == expected


def test_the_share_url_keeps_a_real_token_intact():
    token = "aB3_-xYz" * 5
    assert sharing.share_url("https://h.example", token) == f"https://h.example/?share={token}"


def test_a_link_can_be_made_for_a_fixed_date_and_is_valid_until_then(session, owner, bakery):
    _, plan = bakery
    expiry = datetime(2099, 1, 1, tzinfo=UTC)
    link, token = create(session, owner, plan, expires_at=expiry)
    assert link.expires_at == expiry
    assert sharing.resolve_share_token(session=session, token=token).share_plan_id == plan.id
