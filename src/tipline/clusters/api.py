"""`/api/v1/clusters`: media clusters for staff (read side; hashes and facts, no media)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.exceptions import HTTPException

from tipline.clusters.service import cluster_view
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, current_user

router = APIRouter(prefix="/api/v1/clusters", tags=["Cases"])


@router.get("/{cluster_id}")
async def get_cluster(request: Request, cluster_id: int,
                      _user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """A media cluster: known or new material, its member files and reports, its history."""
    state: AppState = request.app.state.tipline

    def run() -> dict[str, Any] | None:
        with state.db.sessions() as session:
            return cluster_view(session, cluster_id)

    view: dict[str, Any] | None = await in_thread(run)
    if view is None:
        raise HTTPException(404, f"cluster {cluster_id} does not exist")
    return view
