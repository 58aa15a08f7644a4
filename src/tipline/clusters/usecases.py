"""Media cluster use cases for staff and agency users: access applied inside the queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_

from tipline import access
from tipline.clusters.models import ClusterEvent, ClusterMember
from tipline.clusters.service import cluster_view
from tipline.db import Database
from tipline.users.service import StaffUser


def view_cluster(db: Database, user: StaffUser, cluster_id: int) -> dict[str, Any]:
    """A cluster the user may see (404 otherwise). Inside it, only the members of reports the
    user may see, and only the history of those files (or of the cluster as a whole)."""
    with db.sessions() as session:
        viewer = access.staff_viewer(session, user)
        access.cluster(session, viewer, cluster_id)
        view = cluster_view(
            session, cluster_id,
            members=access.visible_reports(viewer, ClusterMember.report_id),
            events=or_(ClusterEvent.file_id.is_(None),
                       access.visible_files(viewer, ClusterEvent.file_id)))
        assert view is not None  # access.cluster found it in this session
        return view
