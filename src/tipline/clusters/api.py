"""`/api/v1/clusters`: media clusters for staff and agency users (read side; hashes and
facts, no media)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from tipline.clusters import usecases
from tipline.http import in_thread
from tipline.state import AppState
from tipline.users.auth import StaffUser, current_user

router = APIRouter(prefix="/api/v1/clusters", tags=["Cases"])


@router.get("/{cluster_id}")
async def get_cluster(request: Request, cluster_id: int,
                      user: StaffUser = Depends(current_user)) -> dict[str, Any]:
    """A media cluster: known or new material, its member files and reports, its history. An
    agency user sees only clusters holding a file of its cases, and only those members."""
    state: AppState = request.app.state.tipline
    view: dict[str, Any] = await in_thread(usecases.view_cluster, state.db, user, cluster_id)
    return view
