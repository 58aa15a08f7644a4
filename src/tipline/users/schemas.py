from __future__ import annotations

from pydantic import BaseModel, Field

from tipline.users.models import ROLES


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    name: str = Field("", max_length=200)
    role: str = Field(description=f"one of {', '.join(ROLES)}")
    organisation: str = Field(min_length=1, max_length=200)
    jurisdiction: str = Field(min_length=2, max_length=2, description="ISO 3166 alpha-2")
    password: str = Field(min_length=14)


class UserOut(BaseModel):
    id: int
    username: str
    name: str
    role: str
    organisation: str
    jurisdiction: str
