"""`tipline users ...`: staff accounts."""

from __future__ import annotations

import typer
from rich.table import Table

from tipline import cli_context
from tipline.audit.service import Actor
from tipline.cli_context import database
from tipline.users.models import ROLES

app = typer.Typer(help="Staff users: analysts, supervisors, administrators.", no_args_is_help=True)
console = cli_context.console()
CLI = Actor("cli")


@app.command("add")
def users_add(
    username: str = typer.Argument(..., help="Login."),
    role: str = typer.Option(..., help=f"One of {', '.join(ROLES)}."),
    organisation: str = typer.Option(..., help="The user's organisation."),
    jurisdiction: str = typer.Option(..., help="ISO 3166 alpha-2 code where the user acts."),
    password: str = typer.Option(..., prompt=True, hide_input=True, help="At least 14 chars."),
    name: str = typer.Option("", help="Display name (default: the username)."),
) -> None:
    """Create a staff user; the password is stored as an scrypt hash."""
    from tipline.users.schemas import UserCreate
    from tipline.users.service import create_user

    try:
        data = UserCreate(username=username, name=name, role=role, organisation=organisation,
                          jurisdiction=jurisdiction, password=password)
        with database() as db, db.transaction() as session:
            user = create_user(session, data, CLI)
            console.print(f"user {user.id} {username!r} created ({role}, {user.jurisdiction})")
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        console.print(f"[red]error:[/red] {cli_context.describe(exc)}")
        raise typer.Exit(2) from exc


@app.command("list")
def users_list() -> None:
    """List staff users."""
    from tipline.users.store import all_users

    table = Table("id", "username", "role", "organisation", "jurisdiction", "active")
    with database() as db, db.sessions() as session:
        for u in all_users(session):
            table.add_row(str(u.id), u.username, u.role, u.organisation, u.jurisdiction,
                          "yes" if u.active else "no")
    console.print(table)


@app.command("totp-enrol")
def users_totp_enrol(username: str = typer.Argument(..., help="The staff user's login.")
                     ) -> None:
    """Give a staff user a TOTP second factor (RFC 6238): prints the secret and its otpauth://
    URI once, for their authenticator app. From then on the login page asks for a code, and
    HTTP basic needs the code in `X-Tipline-OTP`. Enrolling again replaces the secret."""
    from tipline.errors import DomainError
    from tipline.users import totp
    from tipline.users.usecases import second_factor

    try:
        with database() as db:
            secret = second_factor(db, CLI, username, enrol=True)
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    assert secret is not None
    console.print(f"second factor enrolled for {username}; their page sessions ended")
    typer.echo(secret)
    typer.echo(totp.provisioning_uri(secret, username))


@app.command("totp-remove")
def users_totp_remove(username: str = typer.Argument(..., help="The staff user's login.")
                      ) -> None:
    """Remove a staff user's second factor (e.g. a lost phone): a password alone logs in."""
    from tipline.errors import DomainError
    from tipline.users.usecases import second_factor

    try:
        with database() as db:
            second_factor(db, CLI, username, enrol=False)
    except DomainError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    console.print(f"second factor removed for {username}")
