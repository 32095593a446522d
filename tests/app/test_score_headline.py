"""The score headline's cache key: the data versions of every business it compares with."""

from socialplan import peers, versions
from socialplan.access import Actor
from socialplan.ui.score_headline import peer_versions
from tests.factories import create_workspace_with_plan


def test_peer_versions_name_every_member_of_the_groups_and_move_with_their_data(session):
    actor = Actor.local()
    mine, _ = create_workspace_with_plan(session, name="Rosa's Bakery")
    peer, _ = create_workspace_with_plan(session, name="Crumb & Co.", plan_name="Other")
    stranger, _ = create_workspace_with_plan(session, name="Elsewhere", plan_name="Third")
    assert peer_versions(session, mine.id) == ()

    group = peers.create_group(session=session, actor=actor, workspace_id=mine.id, name="Main")
    peers.join_group(session=session, actor=actor, workspace_id=peer.id, code=group.invite_code)
    joined = dict(peer_versions(session, mine.id))
    assert set(joined) == {mine.id, peer.id}

    # A write to the peer's data (here: noted as a bulk write, as a sync's snapshots are).
    versions.note_workspaces(session, [peer.id])
    session.commit()
    moved = dict(peer_versions(session, mine.id))
    assert moved[peer.id] == joined[peer.id] + 1
    assert moved[mine.id] == joined[mine.id]

    # A business outside the groups never changes the key.
    versions.note_workspaces(session, [stranger.id])
    session.commit()
    assert dict(peer_versions(session, mine.id)) == moved
