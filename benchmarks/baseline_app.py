"""The intake benchmark's baseline: the least a server can do for the same six requests.

Each `/ispws` request's raw body is written to one table with one INSERT and one commit (same
engine settings as tipline: on SQLite WAL, synchronous=FULL, BEGIN IMMEDIATE), and a minimal
`reportResponse` is returned so the benchmark client runs the identical flow. No
authentication, parsing, validation, encryption or audit: tipline's throughput divided by this
one is tipline's own cost.

    uvicorn --app-dir benchmarks baseline_app:create_app --factory
"""

from __future__ import annotations

import os
import uuid

from fastapi import FastAPI, Request
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, insert
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tipline.db import make_engine

metadata = MetaData()
requests_table = Table(
    "baseline_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", String(50), nullable=False),
    Column("body", LargeBinary, nullable=False),
)
XML = "application/xml; charset=utf-8"


def _response(report_id: int | str, file_id: str | None = None) -> Response:
    extra = f"<fileId>{file_id}</fileId>" if file_id else ""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<reportResponse><responseCode>0'
            f"</responseCode><responseDescription>Success</responseDescription><reportId>"
            f"{report_id}</reportId>{extra}</reportResponse>")
    return Response(body, media_type=XML)


def create_app() -> FastAPI:
    engine = make_engine(os.environ["BASELINE_DATABASE_URL"])
    metadata.create_all(engine)
    app = FastAPI()

    def store(path: str, body: bytes) -> int:
        with engine.begin() as conn:
            return int(conn.execute(insert(requests_table).values(path=path, body=body)
                                    .returning(requests_table.c.id)).scalar_one())

    @app.post("/ispws/{action}")
    async def ispws(action: str, request: Request) -> Response:
        body = await request.body()
        row = await run_in_threadpool(store, action, body)
        if action == "upload":
            return _response(row, uuid.uuid4().hex)
        return _response(row)

    return app
