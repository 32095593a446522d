"""The authorization matrix: every service that reads or writes, against every kind of actor.

One realistic business is built through the services for each test (plan, objective,
metrics, reading, task, person, responsibility, accounts, snapshot, scores, review, members,
an invitation, share links, a peer group, an X token), next to a second business. Each
service is then called with valid arguments by each acting identity, and must be allowed
or refused exactly as the roles say:

- owner: everything; editor: the plan, accounts, imports, reviews; viewer: reads only.
- a signed-in non-member, a signed-out visitor and a share-link reader of another
  business: NotFound, the same answer as for an id that does not exist.
- a share-link reader: reads its plan and what the plan's pages show of the business
  (accounts, scores, team); never another plan, the members, invitations, links, token or
  peer groups, and changes nothing.

A refused call must change nothing: every table is compared before and after it.
`python -m tests.test_authorization` prints the matrix as a Markdown table.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

import socialplan
from socialplan import (
    accounts,
    backup,
    credentials,
    dashboard,
    demo,
    leaderboards,
    members,
    metrics,
    objectives,
    peers,
    people,
    plans,
    reports,
    responsibilities,
    reviews,
    scorecard,
    scores,
    sharing,
    sync,
    tasks,
    users,
    wizard,
    workspaces,
)
from socialplan.access import ROLE_RANK, Actor
from socialplan.connectors import ConnectorError
from socialplan.errors import NotAllowed, NotFound, SocialPlanError
from socialplan.imports import read_import, store_import, template_csv
from socialplan.models import (
    Account,
    Metric,
    MetricSource,
    Objective,
    Person,
    Plan,
    PlanCreate,
    PlanStatus,
    PlanUpdate,
    Role,
    Task,
    Workspace,
    WorkspaceCreate,
)

TODAY = date(2027, 3, 1)
PLAN_START = date(2027, 1, 1)
PLAN_END = date(2027, 6, 30)
SECRET_KEY = "a-test-secret-key-that-is-long-enough"
LOCAL = Actor.local()


# ---------------------------------------------------------------- a realistic business


@dataclass
class Business:
    """One business built through the services, with the ids of one row of every kind."""

    owner: Actor
    workspace_id: int
    slug: str
    name: str
    plan_id: int
    other_plan_id: int
    objective_id: int
    metric_id: int  # entered by hand, with a reading
    account_metric_id: int  # followers of the own account
    task_id: int
    person_id: int
    account_id: int
    competitor_id: int
    review_id: int
    group_id: int
    invitation_id: int
    share_link_id: int
    token: str
    other_plan_token: str


def make_user(session: Session, subject: str):
    """A signed-in user, as the sign-in flow creates one."""
    return users.upsert_user(
        session=session,
        issuer="https://id.example",
        subject=subject,
        email=f"{subject}@example.com",
        name=subject.capitalize(),
    )


def build_business(session: Session, owner: Actor, name: str, handle: str) -> Business:
    """A business with a complete plan and numbers, made the way its owner would make it."""
    workspace, plan = workspaces.start_plan(
        session=session,
        actor=owner,
        business_name=name,
        plan_name="2027 H1",
        period_start=PLAN_START,
        period_end=PLAN_END,
    )
    other_plan = plans.create_plan(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        plan_create=PlanCreate(
            name="2027 H2",
            period_start=date(2027, 7, 1),
            period_end=date(2027, 12, 31),
            status=PlanStatus.DRAFT,
        ),
    )
    person = people.create_person(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        person_create={"name": "Sam", "email": "sam@example.com", "weekly_budget_minutes": 120},
    )
    account = accounts.add_account(
        session=session, actor=owner, workspace_id=workspace.id, network="x", text=f"@{handle}"
    )
    competitor = accounts.add_account(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        network="x",
        text=f"@{handle[:6]}_rival",
        kind="competitor",
    )
    objective = objectives.create_objective(
        session=session,
        actor=owner,
        plan_id=plan.id,
        objective_create={"title": "More custom cake orders", "category": "sales"},
    )
    metric = metrics.create_metric(
        session=session,
        actor=owner,
        objective_id=objective.id,
        metric_create={
            "name": "Cake orders from social",
            "unit": "orders",
            "baseline": 10,
            "target": 20,
            "target_date": PLAN_END,
        },
    )
    account_metric = metrics.create_metric(
        session=session,
        actor=owner,
        objective_id=objective.id,
        metric_create={
            "name": "Followers on X",
            "source": "followers",
            "account_id": account.id,
            "baseline": 100,
            "target": 300,
            "target_date": PLAN_END,
        },
    )
    # Two days of account numbers and a business reading, as the owner would upload them.
    accounts.store_account_import(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        account_id=account.id,
        parsed=parsed_numbers(),
        plan_id=plan.id,
    )
    metrics.save_readings(
        session=session,
        actor=owner,
        metric_id=metric.id,
        rows=[
            {"day": date(2027, 2, 10), "value": 12, "note": "Valentine's rush"},
            {"day": date(2027, 2, 17), "value": 14},
        ],
    )
    task = tasks.create_task(
        session=session,
        actor=owner,
        objective_id=objective.id,
        task_create={"title": "Post a cake photo", "owner_person_id": person.id, "minutes": 20},
    )
    responsibilities.save_responsibility_matrix(
        session=session,
        actor=owner,
        plan_id=plan.id,
        cells={(person.id, "objective", objective.id): "accountable"},
    )
    review = reviews.hold_review(
        session=session,
        actor=owner,
        plan_id=plan.id,
        held_on=TODAY,
        items=[
            reviews.ReviewItemInput(metric_id=metric.id, confidence=7, comment="Going well"),
            reviews.ReviewItemInput(metric_id=account_metric.id, confidence=4),
        ],
        corrections=[
            reviews.ChangeTarget(
                metric_id=metric.id, version=metric.version, new_target=25, reason="Demand is up"
            )
        ],
        summary="First review",
    )
    group = peers.create_group(
        session=session, actor=owner, workspace_id=workspace.id, name=f"{name} friends"
    )
    peers.enter_account(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        group_id=group.id,
        account_id=account.id,
    )
    credentials.set_x_token(
        session=session, actor=owner, workspace_id=workspace.id, token="AAAA" + "x" * 100
    )
    invitation = members.invite(
        session=session,
        actor=owner,
        workspace_id=workspace.id,
        email=f"pending@{handle}.example",
        role=Role.VIEWER,
    )
    link, token = sharing.create_share_link(
        session=session, actor=owner, plan_id=plan.id, label="for the bank", expires_at=None
    )
    _, other_plan_token = sharing.create_share_link(
        session=session, actor=owner, plan_id=other_plan.id, label="draft", expires_at=None
    )
    return Business(
        owner=owner,
        workspace_id=workspace.id,
        slug=workspace.slug,
        name=workspace.name,
        plan_id=plan.id,
        other_plan_id=other_plan.id,
        objective_id=objective.id,
        metric_id=metric.id,
        account_metric_id=account_metric.id,
        task_id=task.id,
        person_id=person.id,
        account_id=account.id,
        competitor_id=competitor.id,
        review_id=review.id,
        group_id=group.id,
        invitation_id=invitation.id,
        share_link_id=link.id,
        token=token,
        other_plan_token=other_plan_token,
    )


def add_member(session: Session, owner: Actor, workspace_id: int, subject: str, role: Role):
    """A user who joined by accepting the owner's invitation."""
    user = make_user(session, subject)
    invitation = members.invite(
        session=session, actor=owner, workspace_id=workspace_id, email=user.email, role=role
    )
    members.accept_invitation(session=session, user=user, invitation_id=invitation.id)
    return user


@dataclass
class World:
    """The business under test, the other business, and every identity that may act."""

    bakery: Business
    studio: Business
    identities: dict[str, Actor]
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next(self) -> int:
        """A number unique within the test, for names that must not repeat."""
        return next(self.counter)


OWNER, EDITOR, VIEWER = "owner", "editor", "viewer"
NON_MEMBER, SIGNED_OUT = "signed-in non-member", "signed out"
SHARE, SHARE_OTHER_PLAN, SHARE_OTHER_BUSINESS = (
    "share link (this plan)",
    "share link (another plan)",
    "share link (another business)",
)
IDENTITIES = (
    OWNER,
    EDITOR,
    VIEWER,
    NON_MEMBER,
    SIGNED_OUT,
    SHARE,
    SHARE_OTHER_PLAN,
    SHARE_OTHER_BUSINESS,
)
# Refusals first, so that what the allowed ones change cannot hide a refusal (the non-member
# may create its own workspace, so it comes after the readers); the owner last, because only
# it may delete the workspace.
RUN_ORDER = (
    SIGNED_OUT,
    SHARE_OTHER_BUSINESS,
    SHARE_OTHER_PLAN,
    SHARE,
    NON_MEMBER,
    VIEWER,
    EDITOR,
    OWNER,
)
MEMBER_ROLES = {OWNER: Role.OWNER, EDITOR: Role.EDITOR, VIEWER: Role.VIEWER}


def build_world(session: Session) -> World:
    """Two businesses and the eight identities, as a hosted instance would have them."""
    rosa = users.actor_for_user(make_user(session, "rosa"))
    otto = users.actor_for_user(make_user(session, "otto"))
    bakery = build_business(session, rosa, "Rosa's Bakery", "rosasbakery")
    studio = build_business(session, otto, "Otto's Studio", "ottostudio")
    editor = add_member(session, rosa, bakery.workspace_id, "eddie", Role.EDITOR)
    viewer = add_member(session, rosa, bakery.workspace_id, "vera", Role.VIEWER)
    stranger = make_user(session, "stan")

    def reader(token: str) -> Actor:
        return sharing.resolve_share_token(session=session, token=token)

    identities = {
        OWNER: rosa,
        EDITOR: users.actor_for_user(editor),
        VIEWER: users.actor_for_user(viewer),
        NON_MEMBER: users.actor_for_user(stranger),
        SIGNED_OUT: Actor(),
        SHARE: reader(bakery.token),
        SHARE_OTHER_PLAN: reader(bakery.other_plan_token),
        SHARE_OTHER_BUSINESS: reader(studio.token),
    }
    return World(bakery=bakery, studio=studio, identities=identities)


# Per database kind: the world built through the services, and every row it wrote.
BUILT: dict[str, tuple[World, dict[str, list[dict[str, Any]]]]] = {}


def copy_rows(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as Core reads it (ids included)."""
    return {
        table.name: [dict(row) for row in session.execute(sa.select(table)).mappings()]
        for table in SQLModel.metadata.sorted_tables
    }


def paste_rows(session: Session, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Write `copy_rows`' rows into an empty database, ids and all."""
    for table in SQLModel.metadata.sorted_tables:
        if rows[table.name]:
            session.execute(sa.insert(table), rows[table.name])
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequences behind: move them past the copied rows.
        for table in SQLModel.metadata.sorted_tables:
            if rows[table.name] and "id" in table.c:
                session.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                    {"t": table.name, "n": max(row["id"] for row in rows[table.name])},
                )
    session.commit()


@pytest.fixture
def world(session, monkeypatch) -> World:
    """A fresh copy of the world in this test's empty database.

    It is built through the services once per kind of database and copied row for row into
    every later test's database: each test starts from the same untouched business, and the
    matrix runs in a minute instead of five (scores are recomputed at every import).
    """
    monkeypatch.setenv(credentials.SECRET_KEY_NAME, SECRET_KEY)
    kind = session.get_bind().dialect.name
    if kind in BUILT:
        paste_rows(session, BUILT[kind][1])
    else:
        BUILT[kind] = (build_world(session), copy_rows(session))
    session.expunge_all()
    return replace(BUILT[kind][0], counter=itertools.count(1))


# ---------------------------------------------------------------- helpers for the calls


def fresh(session: Session, model: type[SQLModel], row_id: int) -> Any:
    """The row as stored now (its current version), not as this session cached it."""
    return session.get(model, row_id, populate_existing=True)


def new_objective(session: Session, b: Business, n: int, archived: bool = False) -> Objective:
    objective = objectives.create_objective(
        session=session, actor=LOCAL, plan_id=b.plan_id, objective_create={"title": f"Goal {n}"}
    )
    if archived:
        objective = objectives.archive_objective(
            session=session, actor=LOCAL, objective_id=objective.id, version=objective.version
        )
    return objective


def new_metric(session: Session, b: Business, n: int, archived: bool = False) -> Metric:
    metric = metrics.create_metric(
        session=session,
        actor=LOCAL,
        objective_id=b.objective_id,
        metric_create={"name": f"Leads {n}", "baseline": 0, "target": 5, "target_date": PLAN_END},
    )
    if archived:
        metric = metrics.archive_metric(
            session=session, actor=LOCAL, metric_id=metric.id, version=metric.version
        )
    return metric


def new_account(session: Session, b: Business, n: int, removed: bool = False) -> Account:
    account = accounts.add_account(
        session=session, actor=LOCAL, workspace_id=b.workspace_id, network="x", text=f"@extra{n}"
    )
    if removed:
        accounts.remove_account(
            session=session, actor=LOCAL, account_id=account.id, version=account.version
        )
        account = fresh(session, Account, account.id)
    return account


def new_user_member(session: Session, b: Business, n: int, role: Role = Role.VIEWER):
    return add_member(session, LOCAL, b.workspace_id, f"member{n}", role)


def third_business(session: Session, n: int) -> Workspace:
    return workspaces.create_workspace(
        session=session, actor=LOCAL, workspace_create=WorkspaceCreate(name=f"Neighbour {n}")
    )


def parsed_numbers() -> Any:
    """A small import in Social Plan's own format: account numbers and a business reading."""
    data = template_csv(("Cake orders from social",), start=date(2027, 2, 10)).encode()
    return read_import(data, filename="numbers.csv")


def offline(network: str, **_: Any) -> Any:
    raise ConnectorError(f"{network} is not reachable from the tests.")


def export_as_new(session: Session, b: Business, n: int) -> dict[str, Any]:
    data = backup.export_workspace(session=session, actor=LOCAL, slug=b.slug)
    data["workspace"] = {**data["workspace"], "slug": f"restored-{n}", "name": f"Restored {n}"}
    return data


# ---------------------------------------------------------------- the cases


class Scope(Enum):
    """What a share-link reader may see of a function's data."""

    PLAN = "the shared plan"  # about one plan: only a reader of that plan
    BUSINESS = "the plan's business"  # shown on the plan's pages: accounts, scores, team
    PRIVATE = "the workspace's own"  # members, links, token, peer groups: no reader
    ACCOUNT = "the user's own"  # creates something for the signed-in user
    LISTING = "a listing"  # lists what the actor belongs to


@dataclass(frozen=True)
class Case:
    """One service, how to call it validly, and the least role it needs."""

    name: str
    call: Callable[[Session, Actor, Business, Any], Any]
    needed: Role = Role.VIEWER
    scope: Scope = Scope.PLAN
    prepare: Callable[[Session, Business, int], Any] | None = None
    sees: Callable[[Any, Business], bool] | None = None


def case(name, needed=Role.VIEWER, scope=Scope.PLAN, prepare=None, sees=None):
    """Register the decorated call as the case for `name` (module.function)."""

    def register(call):
        CASES.append(Case(name, call, needed, scope, prepare, sees))
        return call

    return register


CASES: list[Case] = []
READ, EDIT, OWN = Role.VIEWER, Role.EDITOR, Role.OWNER
PLAN, BUSINESS, PRIVATE, ACCOUNT, LISTING = Scope


# plans
@case("plans.create_plan", EDIT, BUSINESS, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    period = {"period_start": date(2028, 1, 1), "period_end": date(2028, 6, 30)}
    new = PlanCreate(name=f"2028 draft {n}", status=PlanStatus.DRAFT, **period)
    return plans.create_plan(session=s, actor=a, workspace_id=b.workspace_id, plan_create=new)


@case("plans.current_plan", READ, BUSINESS)
def _(s, a, b, _p):
    return plans.current_plan(session=s, actor=a, workspace_id=b.workspace_id)


@case("plans.get_plan")
def _(s, a, b, _p):
    return plans.get_plan(session=s, actor=a, plan_id=b.plan_id)


@case("plans.list_plans", READ, BUSINESS)
def _(s, a, b, _p):
    return plans.list_plans(session=s, actor=a, workspace_id=b.workspace_id)


@case("plans.list_revisions")
def _(s, a, b, _p):
    return plans.list_revisions(session=s, actor=a, plan_id=b.plan_id)


@case("plans.update_plan", EDIT)
def _(s, a, b, _p):
    version = fresh(s, Plan, b.plan_id).version
    update = PlanUpdate(version=version, name="2027 first half")
    return plans.update_plan(session=s, actor=a, plan_id=b.plan_id, plan_update=update)


# objectives
@case("objectives.archive_objective", EDIT, prepare=lambda s, b, n: new_objective(s, b, n))
def _(s, a, b, objective):
    return objectives.archive_objective(
        session=s, actor=a, objective_id=objective.id, version=objective.version
    )


@case("objectives.create_objective", EDIT, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return objectives.create_objective(
        session=s, actor=a, plan_id=b.plan_id, objective_create={"title": f"Hire baker {n}"}
    )


@case("objectives.get_objective")
def _(s, a, b, _p):
    return objectives.get_objective(session=s, actor=a, objective_id=b.objective_id)


@case("objectives.list_objectives")
def _(s, a, b, _p):
    return objectives.list_objectives(session=s, actor=a, plan_id=b.plan_id)


@case("objectives.move_objective", EDIT, prepare=lambda s, b, n: new_objective(s, b, n))
def _(s, a, b, objective):
    return objectives.move_objective(session=s, actor=a, objective_id=objective.id, offset=-1)


@case("objectives.restore_objective", EDIT, prepare=lambda s, b, n: new_objective(s, b, n, True))
def _(s, a, b, objective):
    return objectives.restore_objective(
        session=s, actor=a, objective_id=objective.id, version=objective.version
    )


@case("objectives.update_objective", EDIT)
def _(s, a, b, _p):
    version = fresh(s, Objective, b.objective_id).version
    return objectives.update_objective(
        session=s,
        actor=a,
        objective_id=b.objective_id,
        objective_update={"version": version, "why": "Cakes have the best margin."},
    )


# metrics
@case("metrics.account_choices", READ, BUSINESS)
def _(s, a, b, _p):
    return metrics.account_choices(session=s, actor=a, workspace_id=b.workspace_id)


@case("metrics.archive_metric", EDIT, prepare=lambda s, b, n: new_metric(s, b, n))
def _(s, a, b, metric):
    return metrics.archive_metric(session=s, actor=a, metric_id=metric.id, version=metric.version)


@case("metrics.create_metric", EDIT, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return metrics.create_metric(
        session=s,
        actor=a,
        objective_id=b.objective_id,
        metric_create={
            "name": f"Sign-ups {n}",
            "baseline": 0,
            "target": 40,
            "target_date": PLAN_END,
        },
    )


@case("metrics.current_value")
def _(s, a, b, _p):
    return metrics.current_value(
        session=s,
        actor=a,
        objective_id=b.objective_id,
        source=MetricSource.FOLLOWERS,
        account_id=b.account_id,
    )


@case("metrics.get_metric")
def _(s, a, b, _p):
    return metrics.get_metric(session=s, actor=a, metric_id=b.metric_id)


@case("metrics.list_metrics")
def _(s, a, b, _p):
    return metrics.list_metrics(session=s, actor=a, plan_id=b.plan_id)


@case("metrics.list_metrics_for_objective")
def _(s, a, b, _p):
    return metrics.list_metrics_for_objective(session=s, actor=a, objective_id=b.objective_id)


@case("metrics.list_readings")
def _(s, a, b, _p):
    return metrics.list_readings(session=s, actor=a, metric_id=b.metric_id)


@case("metrics.plan_metrics")
def _(s, a, b, _p):
    return metrics.plan_metrics(session=s, actor=a, plan_id=b.plan_id)


@case("metrics.plan_readings")
def _(s, a, b, _p):
    return metrics.plan_readings(session=s, actor=a, plan_id=b.plan_id)


@case("metrics.restore_metric", EDIT, prepare=lambda s, b, n: new_metric(s, b, n, True))
def _(s, a, b, metric):
    return metrics.restore_metric(session=s, actor=a, metric_id=metric.id, version=metric.version)


@case("metrics.save_readings", EDIT)
def _(s, a, b, _p):
    rows = [{"day": date(2027, 2, 1), "value": 12}, {"day": date(2027, 2, 8), "value": 15}]
    return metrics.save_readings(session=s, actor=a, metric_id=b.metric_id, rows=rows)


@case("metrics.update_metric", EDIT)
def _(s, a, b, _p):
    version = fresh(s, Metric, b.metric_id).version
    return metrics.update_metric(
        session=s,
        actor=a,
        metric_id=b.metric_id,
        metric_update={"version": version, "unit": "cakes"},
    )


# tasks
@case("tasks.create_task", EDIT, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return tasks.create_task(
        session=s, actor=a, objective_id=b.objective_id, task_create={"title": f"Reply {n}"}
    )


@case("tasks.list_tasks")
def _(s, a, b, _p):
    return tasks.list_tasks(session=s, actor=a, plan_id=b.plan_id)


@case("tasks.tasks_by_objective")
def _(s, a, b, _p):
    return tasks.tasks_by_objective(session=s, actor=a, plan_id=b.plan_id)


@case("tasks.update_task", EDIT)
def _(s, a, b, _p):
    version = fresh(s, Task, b.task_id).version
    return tasks.update_task(
        session=s, actor=a, task_id=b.task_id, task_update={"version": version, "minutes": 25}
    )


# people
def new_person(s: Session, b: Business, n: int) -> Person:
    return people.create_person(
        session=s, actor=LOCAL, workspace_id=b.workspace_id, person_create={"name": f"Temp {n}"}
    )


@case("people.archive_person", EDIT, BUSINESS, prepare=new_person)
def _(s, a, b, person):
    return people.archive_person(session=s, actor=a, person_id=person.id, version=person.version)


@case("people.create_person", EDIT, BUSINESS, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return people.create_person(
        session=s, actor=a, workspace_id=b.workspace_id, person_create={"name": f"Alex {n}"}
    )


@case("people.list_people", READ, BUSINESS)
def _(s, a, b, _p):
    return people.list_people(session=s, actor=a, workspace_id=b.workspace_id)


@case("people.update_person", EDIT, BUSINESS)
def _(s, a, b, _p):
    version = fresh(s, Person, b.person_id).version
    return people.update_person(
        session=s,
        actor=a,
        person_id=b.person_id,
        person_update={"version": version, "weekly_budget_minutes": 90},
    )


# responsibilities
@case("responsibilities.accountability_gaps")
def _(s, a, b, _p):
    return responsibilities.accountability_gaps(session=s, actor=a, plan_id=b.plan_id)


@case("responsibilities.list_responsibilities")
def _(s, a, b, _p):
    return responsibilities.list_responsibilities(session=s, actor=a, plan_id=b.plan_id)


@case("responsibilities.load_matrix")
def _(s, a, b, _p):
    return responsibilities.load_matrix(session=s, actor=a, plan_id=b.plan_id)


@case("responsibilities.save_responsibility_matrix", EDIT)
def _(s, a, b, _p):
    cells = {
        (b.person_id, "objective", b.objective_id): "accountable",
        (b.person_id, "task", b.task_id): "responsible",
    }
    return responsibilities.save_responsibility_matrix(
        session=s, actor=a, plan_id=b.plan_id, cells=cells
    )


@case("responsibilities.team_load")
def _(s, a, b, _p):
    return responsibilities.team_load(session=s, actor=a, plan_id=b.plan_id)


# reviews
def change_target(s: Session, b: Business) -> reviews.ChangeTarget:
    metric = fresh(s, Metric, b.metric_id)
    return reviews.ChangeTarget(
        b.metric_id, metric.version, new_target=metric.target + 1, reason="Orders are up"
    )


@case("reviews.check_correction", EDIT)
def _(s, a, b, _p):
    return reviews.check_correction(
        session=s, actor=a, plan_id=b.plan_id, correction=change_target(s, b)
    )


@case("reviews.correction_choices")
def _(s, a, b, _p):
    return reviews.correction_choices(session=s, actor=a, plan_id=b.plan_id)


@case("reviews.get_review")
def _(s, a, b, _p):
    return reviews.get_review(session=s, actor=a, review_id=b.review_id)


@case("reviews.hold_review", EDIT, prepare=lambda s, b, n: TODAY + timedelta(days=n))
def _(s, a, b, held_on):
    items = [reviews.ReviewItemInput(b.metric_id, 6), reviews.ReviewItemInput(b.account_metric_id)]
    return reviews.hold_review(
        session=s,
        actor=a,
        plan_id=b.plan_id,
        held_on=held_on,
        items=items,
        corrections=[change_target(s, b)],
        summary="Monthly review",
    )


@case("reviews.list_reviews")
def _(s, a, b, _p):
    return reviews.list_reviews(session=s, actor=a, plan_id=b.plan_id)


@case("reviews.past_review")
def _(s, a, b, _p):
    return reviews.past_review(session=s, actor=a, review_id=b.review_id)


@case("reviews.review_sheet")
def _(s, a, b, _p):
    return reviews.review_sheet(session=s, actor=a, plan_id=b.plan_id, today=TODAY)


@case("reviews.set_review_schedule", EDIT)
def _(s, a, b, _p):
    return reviews.set_review_schedule(
        session=s,
        actor=a,
        plan_id=b.plan_id,
        cadence="monthly",
        next_review_on=date(2027, 4, 1),
        version=fresh(s, Plan, b.plan_id).version,
    )


# accounts
@case("accounts.account_overview", READ, BUSINESS)
def _(s, a, b, _p):
    return accounts.account_overview(session=s, actor=a, workspace_id=b.workspace_id, today=TODAY)


@case("accounts.add_account", EDIT, BUSINESS, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return accounts.add_account(
        session=s,
        actor=a,
        workspace_id=b.workspace_id,
        network="bluesky",
        text=f"shop{n}.bsky.social",
    )


@case("accounts.business_metric_names")
def _(s, a, b, _p):
    return accounts.business_metric_names(session=s, actor=a, plan_id=b.plan_id)


@case("accounts.enter_snapshot_by_hand", EDIT, BUSINESS)
def _(s, a, b, _p):
    return accounts.enter_snapshot_by_hand(
        session=s,
        actor=a,
        account_id=b.account_id,
        day=date(2027, 2, 4),
        counts={"followers": 115, "likes": 9},
        today=TODAY,
    )


@case("accounts.find_account", READ, BUSINESS)
def _(s, a, b, _p):
    handle = fresh(s, Account, b.account_id).handle
    return accounts.find_account(session=s, actor=a, workspace_id=b.workspace_id, text=handle)


@case("accounts.import_account_choices", READ, BUSINESS)
def _(s, a, b, _p):
    return accounts.import_account_choices(session=s, actor=a, workspace_id=b.workspace_id)


@case("accounts.link_account_to_metric", EDIT)
def _(s, a, b, _p):
    return accounts.link_account_to_metric(
        session=s,
        actor=a,
        metric_id=b.account_metric_id,
        account_id=b.account_id,
        version=fresh(s, Metric, b.account_metric_id).version,
    )


@case("accounts.link_accounts_to_metrics", EDIT)
def _(s, a, b, _p):
    version = fresh(s, Metric, b.account_metric_id).version
    return accounts.link_accounts_to_metrics(
        session=s, actor=a, plan_id=b.plan_id, links={b.account_metric_id: (b.account_id, version)}
    )


@case("accounts.linkable_metrics")
def _(s, a, b, _p):
    return accounts.linkable_metrics(session=s, actor=a, plan_id=b.plan_id)


@case("accounts.list_accounts", READ, BUSINESS)
def _(s, a, b, _p):
    return accounts.list_accounts(session=s, actor=a, workspace_id=b.workspace_id)


@case("accounts.remove_account", EDIT, BUSINESS, prepare=lambda s, b, n: new_account(s, b, n))
def _(s, a, b, account):
    return accounts.remove_account(
        session=s, actor=a, account_id=account.id, version=account.version
    )


@case(
    "accounts.restore_account", EDIT, BUSINESS, prepare=lambda s, b, n: new_account(s, b, n, True)
)
def _(s, a, b, account):
    return accounts.restore_account(
        session=s, actor=a, account_id=account.id, version=account.version
    )


@case("accounts.snapshot_on", READ, BUSINESS)
def _(s, a, b, _p):
    return accounts.snapshot_on(session=s, actor=a, account_id=b.account_id, day=date(2027, 2, 1))


@case("accounts.store_account_import", EDIT, BUSINESS)
def _(s, a, b, _p):
    return accounts.store_account_import(
        session=s,
        actor=a,
        workspace_id=b.workspace_id,
        account_id=b.account_id,
        parsed=parsed_numbers(),
        plan_id=b.plan_id,
    )


@case("accounts.sync_accounts", EDIT, BUSINESS)
def _(s, a, b, _p):
    return accounts.sync_accounts(
        session=s, actor=a, workspace_id=b.workspace_id, today=TODAY, connector_factory=offline
    )


@case("store.store_import", EDIT, BUSINESS)
def _(s, a, b, _p):
    return store_import(
        session=s,
        actor=a,
        workspace_id=b.workspace_id,
        account_id=b.account_id,
        parsed=parsed_numbers(),
        plan_id=b.plan_id,
    )


@case("sync.sync_workspace", EDIT, BUSINESS)
def _(s, a, b, _p):
    return sync.sync_workspace(
        session=s, actor=a, workspace_id=b.workspace_id, today=TODAY, connector_factory=offline
    )


# the X token
@case("credentials.clear_x_token", OWN, PRIVATE)
def _(s, a, b, _p):
    return credentials.clear_x_token(session=s, actor=a, workspace_id=b.workspace_id)


@case("credentials.set_x_token", OWN, PRIVATE)
def _(s, a, b, _p):
    return credentials.set_x_token(
        session=s, actor=a, workspace_id=b.workspace_id, token="BBBB" + "y" * 100
    )


@case("credentials.x_token_status", READ, PRIVATE)
def _(s, a, b, _p):
    return credentials.x_token_status(session=s, actor=a, workspace_id=b.workspace_id)


# scores, dashboard, reports
@case("scores.latest_business_score", READ, BUSINESS)
def _(s, a, b, _p):
    return scores.latest_business_score(session=s, actor=a, workspace_id=b.workspace_id)


@case("scores.latest_scores", READ, BUSINESS)
def _(s, a, b, _p):
    return scores.latest_scores(session=s, actor=a, workspace_id=b.workspace_id)


@case("scores.score_history", READ, BUSINESS)
def _(s, a, b, _p):
    return scores.score_history(session=s, actor=a, account_id=b.account_id)


@case("scores.score_inputs", READ, BUSINESS)
def _(s, a, b, _p):
    return scores.score_inputs(session=s, actor=a, account_id=b.account_id)


@case("dashboard.dashboard_panels")
def _(s, a, b, _p):
    return dashboard.dashboard_panels(session=s, actor=a, plan_id=b.plan_id, today=TODAY)


@case("scorecard.plan_scorecard")
def _(s, a, b, _p):
    return scorecard.plan_scorecard(session=s, actor=a, plan_id=b.plan_id, today=TODAY)


@case("wizard.step_progress")
def _(s, a, b, _p):
    return wizard.step_progress(session=s, actor=a, plan_id=b.plan_id)


# The report is of the business's current plan, which is the shared one here.
@case("reports.build_report", READ, BUSINESS)
def _(s, a, b, _p):
    return reports.build_report(session=s, actor=a, workspace_slug=b.slug, today=TODAY)


# leaderboards
@case("leaderboards.account_detail", READ, BUSINESS)
def _(s, a, b, _p):
    return leaderboards.account_detail(
        session=s, actor=a, viewer_workspace_id=b.workspace_id, account_id=b.account_id
    )


@case("leaderboards.business_standing", READ, BUSINESS)
def _(s, a, b, _p):
    return leaderboards.business_standing(session=s, actor=a, workspace_id=b.workspace_id)


@case("leaderboards.competitor_board", READ, BUSINESS)
def _(s, a, b, _p):
    return leaderboards.competitor_board(session=s, actor=a, workspace_id=b.workspace_id)


@case("leaderboards.board_for", READ, BUSINESS)
def _(s, a, b, _p):
    return leaderboards.board_for(session=s, actor=a, workspace_slug=b.slug, today=TODAY)


@case("leaderboards.group_board", READ, PRIVATE)
def _(s, a, b, _p):
    return leaderboards.group_board(
        session=s, actor=a, viewer_workspace_id=b.workspace_id, group_id=b.group_id, today=TODAY
    )


@case("leaderboards.instance_percentile", READ, BUSINESS)
def _(s, a, b, _p):
    return leaderboards.instance_percentile(session=s, actor=a, account_id=b.account_id)


@case("leaderboards.team_board", READ, BUSINESS)
def _(s, a, b, _p):
    return leaderboards.team_board(session=s, actor=a, workspace_id=b.workspace_id, today=TODAY)


# peer groups
def joined_neighbour(s: Session, b: Business, n: int) -> Workspace:
    """Another business that joined the bakery's group."""
    neighbour = third_business(s, n)
    code = peers.get_group(
        session=s, actor=LOCAL, workspace_id=b.workspace_id, group_id=b.group_id
    ).invite_code
    peers.join_group(session=s, actor=LOCAL, workspace_id=neighbour.id, code=code)
    return neighbour


def neighbours_group(s: Session, b: Business, n: int, joined: bool = False):
    """A group another business created; the bakery is in it when `joined`."""
    neighbour = third_business(s, n)
    group = peers.create_group(
        session=s, actor=LOCAL, workspace_id=neighbour.id, name=f"Street {n}"
    )
    if joined:
        peers.join_group(
            session=s, actor=LOCAL, workspace_id=b.workspace_id, code=group.invite_code
        )
    return group


def entered_account(s: Session, b: Business, n: int) -> Account:
    account = new_account(s, b, n)
    peers.enter_account(
        session=s,
        actor=LOCAL,
        workspace_id=b.workspace_id,
        group_id=b.group_id,
        account_id=account.id,
    )
    return account


@case("peers.create_group", EDIT, PRIVATE, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return peers.create_group(session=s, actor=a, workspace_id=b.workspace_id, name=f"Club {n}")


@case("peers.enter_account", EDIT, PRIVATE, prepare=lambda s, b, n: new_account(s, b, n))
def _(s, a, b, account):
    return peers.enter_account(
        session=s, actor=a, workspace_id=b.workspace_id, group_id=b.group_id, account_id=account.id
    )


@case("peers.enterable_accounts", READ, BUSINESS)
def _(s, a, b, _p):
    return peers.enterable_accounts(session=s, actor=a, workspace_id=b.workspace_id)


@case("peers.get_group", READ, PRIVATE)
def _(s, a, b, _p):
    return peers.get_group(session=s, actor=a, workspace_id=b.workspace_id, group_id=b.group_id)


@case("peers.join_group", EDIT, PRIVATE, prepare=lambda s, b, n: neighbours_group(s, b, n))
def _(s, a, b, group):
    return peers.join_group(session=s, actor=a, workspace_id=b.workspace_id, code=group.invite_code)


@case("peers.leave_group", EDIT, PRIVATE, prepare=lambda s, b, n: neighbours_group(s, b, n, True))
def _(s, a, b, group):
    return peers.leave_group(session=s, actor=a, workspace_id=b.workspace_id, group_id=group.id)


@case("peers.list_members", READ, PRIVATE)
def _(s, a, b, _p):
    return peers.list_members(session=s, actor=a, workspace_id=b.workspace_id, group_id=b.group_id)


@case("peers.list_memberships", READ, PRIVATE)
def _(s, a, b, _p):
    return peers.list_memberships(session=s, actor=a, workspace_id=b.workspace_id)


@case("peers.remove_member", OWN, PRIVATE, prepare=joined_neighbour)
def _(s, a, b, neighbour):
    return peers.remove_member(
        session=s,
        actor=a,
        workspace_id=b.workspace_id,
        group_id=b.group_id,
        member_workspace_id=neighbour.id,
    )


@case("peers.set_entries", EDIT, PRIVATE)
def _(s, a, b, _p):
    return peers.set_entries(
        session=s,
        actor=a,
        workspace_id=b.workspace_id,
        group_id=b.group_id,
        account_ids=[b.account_id],
    )


@case("peers.set_share_progress", EDIT, PRIVATE)
def _(s, a, b, _p):
    return peers.set_share_progress(
        session=s, actor=a, workspace_id=b.workspace_id, group_id=b.group_id, share=True
    )


@case("peers.update_sharing", EDIT, PRIVATE)
def _(s, a, b, _p):
    return peers.update_sharing(
        session=s,
        actor=a,
        workspace_id=b.workspace_id,
        group_id=b.group_id,
        account_ids=[b.account_id],
        share_progress=False,
    )


@case("peers.withdraw_account", EDIT, PRIVATE, prepare=entered_account)
def _(s, a, b, account):
    return peers.withdraw_account(
        session=s, actor=a, workspace_id=b.workspace_id, group_id=b.group_id, account_id=account.id
    )


# backup
@case("backup.export_workspace", OWN, PRIVATE)
def _(s, a, b, _p):
    return backup.export_workspace(session=s, actor=a, slug=b.slug)


@case("backup.restore_workspace", scope=ACCOUNT, prepare=export_as_new)
def _(s, a, b, data):
    return backup.restore_workspace(session=s, actor=a, data=data)


# workspaces
@case("workspaces.create_workspace", scope=ACCOUNT, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return workspaces.create_workspace(
        session=s, actor=a, workspace_create=WorkspaceCreate(name=f"Side business {n}")
    )


@case("workspaces.start_plan", scope=ACCOUNT, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return workspaces.start_plan(
        session=s,
        actor=a,
        business_name=f"Pop-up {n}",
        plan_name="Launch",
        period_start=PLAN_START,
        period_end=PLAN_END,
    )


@case("demo.load_demo", scope=ACCOUNT)
def _(s, a, b, _p):
    return demo.load_demo(session=s, actor=a, today=TODAY)


def lists_it(result: list[Workspace], b: Business) -> bool:
    return b.workspace_id in {w.id for w in result}


@case("workspaces.list_workspaces", scope=LISTING, sees=lists_it)
def _(s, a, b, _p):
    return workspaces.list_workspaces(session=s, actor=a)


@case("workspaces.get_workspace_by_slug", READ, BUSINESS)
def _(s, a, b, _p):
    return workspaces.get_workspace_by_slug(session=s, actor=a, slug=b.slug)


@case("workspaces.rename_workspace", OWN, PRIVATE)
def _(s, a, b, _p):
    version = fresh(s, Workspace, b.workspace_id).version
    return workspaces.rename_workspace(
        session=s, actor=a, workspace_id=b.workspace_id, name="Rosa's Cakes", version=version
    )


@case("workspaces.delete_workspace", OWN, PRIVATE)
def _(s, a, b, _p):
    name = fresh(s, Workspace, b.workspace_id).name
    return workspaces.delete_workspace(
        session=s, actor=a, workspace_id=b.workspace_id, confirm_name=name
    )


# members and invitations
@case("members.change_role", OWN, PRIVATE, prepare=new_user_member)
def _(s, a, b, user):
    return members.change_role(
        session=s, actor=a, workspace_id=b.workspace_id, user_id=user.id, role=Role.EDITOR
    )


@case("members.invite", OWN, PRIVATE, prepare=lambda s, b, n: n)
def _(s, a, b, n):
    return members.invite(
        session=s, actor=a, workspace_id=b.workspace_id, email=f"new{n}@example.com", role="editor"
    )


# Each member leaves for themselves; a second owner is added so that the owner may too.
def second_owner(s: Session, b: Business, n: int) -> Any:
    return new_user_member(s, b, n, Role.OWNER)


@case("members.leave_workspace", READ, PRIVATE, prepare=second_owner)
def _(s, a, b, _p):
    return members.leave_workspace(session=s, actor=a, workspace_id=b.workspace_id)


@case("members.list_invitations", OWN, PRIVATE)
def _(s, a, b, _p):
    return members.list_invitations(session=s, actor=a, workspace_id=b.workspace_id)


@case("members.list_members", READ, PRIVATE)
def _(s, a, b, _p):
    return members.list_members(session=s, actor=a, workspace_id=b.workspace_id)


@case("members.remove_member", OWN, PRIVATE, prepare=new_user_member)
def _(s, a, b, user):
    return members.remove_member(session=s, actor=a, workspace_id=b.workspace_id, user_id=user.id)


def new_invitation(s: Session, b: Business, n: int) -> Any:
    return members.invite(
        session=s,
        actor=LOCAL,
        workspace_id=b.workspace_id,
        email=f"x{n}@example.com",
        role="viewer",
    )


@case("members.revoke_invitation", OWN, PRIVATE, prepare=new_invitation)
def _(s, a, b, invitation):
    return members.revoke_invitation(session=s, actor=a, invitation_id=invitation.id)


# share links
@case("sharing.create_share_link", OWN, PRIVATE)
def _(s, a, b, _p):
    return sharing.create_share_link(
        session=s, actor=a, plan_id=b.plan_id, label="for the advisor", expires_at=None
    )


@case("sharing.list_share_links", OWN, PRIVATE)
def _(s, a, b, _p):
    return sharing.list_share_links(session=s, actor=a, workspace_id=b.workspace_id)


def new_link(s: Session, b: Business, n: int) -> Any:
    link, _ = sharing.create_share_link(
        session=s, actor=LOCAL, plan_id=b.plan_id, label=f"link {n}", expires_at=None
    )
    return link


@case("sharing.revoke_share_link", OWN, PRIVATE, prepare=new_link)
def _(s, a, b, link):
    return sharing.revoke_share_link(session=s, actor=a, share_link_id=link.id)


CASES_BY_NAME = {c.name: c for c in CASES}

# Functions that take an actor but are building blocks, not entry points: each is called by
# a service above after that service checked the role (or is the check itself).
NOT_ENTRY_POINTS = {
    "accounts.require_account": "the check itself, used by the account services",
    "metrics.stage_metric_update": "stages a change on a metric its caller checked",
    "peers.require_group_member": "the check itself, used by the peer-group services",
    "plans.stage_plan_update": "stages a change on a plan its caller checked",
    "tasks.stage_task_create": "stages a task under an objective its caller checked",
    "tasks.stage_task_update": "stages a change on a task its caller checked",
    "workspaces.stage_workspace": "stages what create_workspace/start_plan commit",
}

# Where a share-link reader gets more than its plan today; each needs its module changed
# (the fix named), and the matrix test fails once the cell is fixed, to be struck from here.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


# ---------------------------------------------------------------- expectations


ALLOWED = "allowed"
HIDDEN = "allowed, sees nothing of it"
NOT_ALLOWED = "NotAllowed"
NOT_FOUND = "NotFound"
REFUSED = "refused"  # NotAllowed or NotFound: either says no without saying more


def expected(c: Case, who: str) -> str:
    """What the roles say `who` gets from the service of case `c`."""
    signed_in = who in (OWNER, EDITOR, VIEWER, NON_MEMBER)
    if c.scope is ACCOUNT:
        return ALLOWED if signed_in else NOT_ALLOWED
    if c.scope is LISTING:
        return ALLOWED if who in MEMBER_ROLES else HIDDEN
    if who in MEMBER_ROLES:
        return ALLOWED if ROLE_RANK[MEMBER_ROLES[who]] >= ROLE_RANK[c.needed] else NOT_ALLOWED
    if who in (NON_MEMBER, SIGNED_OUT, SHARE_OTHER_BUSINESS):
        return NOT_FOUND
    if c.scope is PRIVATE or (c.scope is PLAN and who == SHARE_OTHER_PLAN):
        return NOT_FOUND if c.needed is Role.VIEWER else REFUSED
    return ALLOWED if c.needed is Role.VIEWER else REFUSED


def matches(outcome: str, wanted: str) -> bool:
    if wanted == REFUSED:
        return outcome in (NOT_ALLOWED, NOT_FOUND)
    return outcome == wanted


def table_rows(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table, to show that a refused call changed nothing."""
    return {
        table.name: sorted(
            (tuple(map(repr, row)) for row in session.execute(sa.select(table)).all()),
        )
        for table in SQLModel.metadata.sorted_tables
    }


def attempt(session: Session, c: Case, actor: Actor, b: Business, prepared: Any) -> str:
    """The outcome of one call: allowed, hidden, NotAllowed or NotFound."""
    try:
        result = c.call(session, actor, b, prepared)
    except NotFound:
        return NOT_FOUND
    except NotAllowed:
        return NOT_ALLOWED
    if c.sees is not None and not c.sees(result, b):
        return HIDDEN
    return ALLOWED


def run_case(session: Session, world: World, c: Case) -> dict[str, str]:
    """Call the case's service as each identity; refusals are checked to change nothing."""
    outcomes = {}
    for who in RUN_ORDER:
        prepared = c.prepare(session, world.bakery, world.next()) if c.prepare else None
        session.expunge_all()  # each call starts from the database, as a page's session does
        before = table_rows(session)
        outcome = attempt(session, c, world.identities[who], world.bakery, prepared)
        if outcome in (NOT_ALLOWED, NOT_FOUND):
            session.rollback()
            assert table_rows(session) == before, f"{c.name} refused {who} but changed rows"
        outcomes[who] = outcome
    return outcomes


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_each_identity_is_allowed_or_refused_as_its_role_says(session, world, c):
    outcomes = run_case(session, world, c)
    wrong, gaps, fixed = [], [], []
    for who in IDENTITIES:
        wanted, got = expected(c, who), outcomes[who]
        gap = KNOWN_GAPS.get((c.name, who))
        if gap is not None:
            (gaps if got == ALLOWED else fixed).append(f"{who}: {got} ({gap})")
        elif not matches(got, wanted):
            wrong.append(f"{who}: expected {wanted}, got {got}")
    assert not wrong, f"{c.name}: " + "; ".join(wrong)
    assert not fixed, f"{c.name}: no longer a gap, strike it from KNOWN_GAPS: {fixed}"
    if gaps:
        pytest.xfail(f"{c.name} lets a share reader see more than its plan: " + "; ".join(gaps))


# ---------------------------------------------------------------- completeness


# Not services: the checks themselves (access), the staging helpers every service shares
# (services), the pages' helpers (ui), the command line and the network clients.
SERVICE_PACKAGE_SKIP = (
    "socialplan.access",
    "socialplan.services",
    "socialplan.ui",
    "socialplan.cli",
    "socialplan.connectors",
)


def service_functions() -> set[str]:
    """Every public function in the package that takes an acting user ("module.function")."""
    found = set()
    for info in pkgutil.walk_packages(socialplan.__path__, "socialplan."):
        if info.name.startswith(SERVICE_PACKAGE_SKIP):
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != info.name:
                continue
            if "actor" in inspect.signature(function).parameters:
                found.add(f"{info.name.rsplit('.', 1)[-1]}.{name}")
    return found


def test_every_service_that_takes_an_actor_is_in_the_matrix():
    missing = service_functions() - set(CASES_BY_NAME) - set(NOT_ENTRY_POINTS)
    assert not missing, f"add these to the authorization matrix: {sorted(missing)}"


def test_the_matrix_names_only_functions_that_exist():
    stale = (set(CASES_BY_NAME) | set(NOT_ENTRY_POINTS)) - service_functions()
    assert not stale, f"these are gone or renamed: {sorted(stale)}"
    assert len(CASES_BY_NAME) == len(CASES), "a function is in the matrix twice"


# ---------------------------------------------------------------- guessing ids


def id_guessing_cases() -> list[Case]:
    """The cases about one workspace's rows (not the ones that create the user's own)."""
    return [c for c in CASES if c.scope not in (ACCOUNT, LISTING)]


def test_an_owner_gets_not_found_for_every_id_of_another_business(session, world):
    """Rosa owns the bakery; every service called with the studio's ids must say NotFound."""
    rosa = world.identities[OWNER]
    studio = world.studio
    for c in id_guessing_cases():
        prepared = c.prepare(session, studio, world.next()) if c.prepare else None
        session.expunge_all()
        before = table_rows(session)
        outcome = attempt(session, c, rosa, studio, prepared)
        session.rollback()
        assert outcome == NOT_FOUND, f"{c.name} with the other business's ids: {outcome}"
        assert table_rows(session) == before, f"{c.name} changed the other business"


# Calls that mix another business's id into an otherwise valid request and are not refused
# today; each needs its module changed, and the test fails once one is fixed.
KNOWN_CROSS_GAPS: dict[str, str] = {}


def cross_calls(s: Session, rosa: Actor, own: Business, other: Business) -> dict[str, Callable]:
    """Rosa's own plan and workspace, each call pointing at one of the studio's rows."""
    metric_version = fresh(s, Metric, own.account_metric_id).version
    task_version = fresh(s, Task, own.task_id).version
    their_account_metric = {
        "name": "Theirs",
        "source": "followers",
        "account_id": other.account_id,
        "baseline": 1,
        "target": 2,
        "target_date": PLAN_END,
    }
    return {
        "metrics.create_metric with their account": lambda: metrics.create_metric(
            session=s, actor=rosa, objective_id=own.objective_id, metric_create=their_account_metric
        ),
        "metrics.update_metric to their account": lambda: metrics.update_metric(
            session=s,
            actor=rosa,
            metric_id=own.account_metric_id,
            metric_update={"version": metric_version, "account_id": other.account_id},
        ),
        "metrics.current_value with their account": lambda: metrics.current_value(
            session=s,
            actor=rosa,
            objective_id=own.objective_id,
            source=MetricSource.FOLLOWERS,
            account_id=other.account_id,
        ),
        "accounts.link_account_to_metric with their account": lambda: (
            accounts.link_account_to_metric(
                session=s,
                actor=rosa,
                metric_id=own.account_metric_id,
                account_id=other.account_id,
                version=metric_version,
            )
        ),
        "accounts.link_accounts_to_metrics with their metric": lambda: (
            accounts.link_accounts_to_metrics(
                session=s,
                actor=rosa,
                plan_id=own.plan_id,
                links={other.account_metric_id: (own.account_id, 1)},
            )
        ),
        "tasks.create_task owned by their person": lambda: tasks.create_task(
            session=s,
            actor=rosa,
            objective_id=own.objective_id,
            task_create={"title": "Theirs", "owner_person_id": other.person_id},
        ),
        "tasks.update_task to their person": lambda: tasks.update_task(
            session=s,
            actor=rosa,
            task_id=own.task_id,
            task_update={"version": task_version, "owner_person_id": other.person_id},
        ),
        "accounts.add_account for their person": lambda: accounts.add_account(
            session=s,
            actor=rosa,
            workspace_id=own.workspace_id,
            network="x",
            text="@someone_new",
            person_id=other.person_id,
        ),
        "responsibilities with their person": lambda: responsibilities.save_responsibility_matrix(
            session=s,
            actor=rosa,
            plan_id=own.plan_id,
            cells={(other.person_id, "objective", own.objective_id): "accountable"},
        ),
        "responsibilities on their objective": lambda: responsibilities.save_responsibility_matrix(
            session=s,
            actor=rosa,
            plan_id=own.plan_id,
            cells={(own.person_id, "objective", other.objective_id): "accountable"},
        ),
        "reviews.hold_review of their metric": lambda: reviews.hold_review(
            session=s,
            actor=rosa,
            plan_id=own.plan_id,
            held_on=TODAY,
            items=[reviews.ReviewItemInput(other.metric_id)],
        ),
        "reviews.check_correction of their metric": lambda: reviews.check_correction(
            session=s,
            actor=rosa,
            plan_id=own.plan_id,
            correction=reviews.ChangeTarget(other.metric_id, 1, new_target=99, reason="Guess"),
        ),
        "reviews.check_correction dropping their task": lambda: reviews.check_correction(
            session=s,
            actor=rosa,
            plan_id=own.plan_id,
            correction=reviews.DropTask(other.task_id, 1, reason="Guess"),
        ),
        "store_import into their account": lambda: store_import(
            session=s,
            actor=rosa,
            workspace_id=own.workspace_id,
            account_id=other.account_id,
            parsed=parsed_numbers(),
            plan_id=own.plan_id,
        ),
        "store_import into their plan's metrics": lambda: store_import(
            session=s,
            actor=rosa,
            workspace_id=own.workspace_id,
            account_id=own.account_id,
            parsed=parsed_numbers(),
            plan_id=other.plan_id,
        ),
        "peers.enter_account of their account": lambda: peers.enter_account(
            session=s,
            actor=rosa,
            workspace_id=own.workspace_id,
            group_id=own.group_id,
            account_id=other.account_id,
        ),
        "peers.set_entries with their account": lambda: peers.set_entries(
            session=s,
            actor=rosa,
            workspace_id=own.workspace_id,
            group_id=own.group_id,
            account_ids=[other.account_id],
        ),
        "peers.get_group of their group": lambda: peers.get_group(
            session=s, actor=rosa, workspace_id=own.workspace_id, group_id=other.group_id
        ),
        "leaderboards.account_detail of their competitor": lambda: leaderboards.account_detail(
            session=s,
            actor=rosa,
            viewer_workspace_id=own.workspace_id,
            account_id=other.competitor_id,
        ),
        "members.change_role of their owner": lambda: members.change_role(
            session=s,
            actor=rosa,
            workspace_id=own.workspace_id,
            user_id=other.owner.user_id,
            role="viewer",
        ),
        "members.remove_member of their owner": lambda: members.remove_member(
            session=s, actor=rosa, workspace_id=own.workspace_id, user_id=other.owner.user_id
        ),
        "members.revoke_invitation of theirs": lambda: members.revoke_invitation(
            session=s, actor=rosa, invitation_id=other.invitation_id
        ),
        "sharing.revoke_share_link of theirs": lambda: sharing.revoke_share_link(
            session=s, actor=rosa, share_link_id=other.share_link_id
        ),
    }


def test_another_business_ids_inside_a_request_are_refused_and_change_nothing(session, world):
    """Rosa's own plan, but pointing at the studio's account, person, metric or task."""
    rosa = world.identities[OWNER]
    let_through, fixed = [], []
    for label, call in cross_calls(session, rosa, world.bakery, world.studio).items():
        session.expunge_all()
        before = table_rows(session)
        try:
            call()
            refused = False
        except SocialPlanError:
            refused = True
        session.rollback()
        assert table_rows(session) == before, f"{label} changed rows"
        if label in KNOWN_CROSS_GAPS:
            (fixed if refused else let_through).append(label)
        elif not refused:
            pytest.fail(f"{label} was not refused")
    assert not fixed, f"no longer a gap, strike it from KNOWN_CROSS_GAPS: {fixed}"
    if let_through:
        pytest.xfail("; ".join(KNOWN_CROSS_GAPS[label] for label in let_through))


# ---------------------------------------------------------------- the printed matrix


def markdown_matrix() -> str:
    """The matrix as the roles define it: function × identity → allowed/refused."""
    short = {ALLOWED: "allowed", HIDDEN: "sees none"}
    lines = [
        "| function | " + " | ".join(IDENTITIES) + " |",
        "| --- | " + " | ".join("---" for _ in IDENTITIES) + " |",
    ]
    for c in sorted(CASES, key=lambda c: c.name):
        cells = []
        for who in IDENTITIES:
            cell = short.get(expected(c, who), "refused")
            if (c.name, who) in KNOWN_GAPS:
                cell += " (today: allowed ⚠)"
            cells.append(cell)
        lines.append(f"| `{c.name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


DOCS = Path(__file__).resolve().parents[1] / "docs" / "authorization.md"
MATRIX_MARKERS = ("<!-- matrix:start -->\n", "\n<!-- matrix:end -->")


def documented_matrix() -> str:
    text = DOCS.read_text(encoding="utf-8")
    start, end = MATRIX_MARKERS
    return text[text.index(start) + len(start) : text.index(end)]


def test_the_documented_matrix_is_the_tested_one():
    assert documented_matrix() == markdown_matrix(), (
        "docs/authorization.md is out of date: python -m tests.test_authorization --write-docs"
    )


def write_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    DOCS.write_text(text.replace(documented_matrix(), markdown_matrix()), encoding="utf-8")


if __name__ == "__main__":
    import sys

    if "--write-docs" in sys.argv:
        write_docs()
    else:
        print(markdown_matrix())
