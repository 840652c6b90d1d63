"""What every command group shares: parsing text at the edge, errors, output, the engine.

Moments become aware China time here and nowhere else; the library's refusals become
click's exits here (bad input 2, anything else refused 1), so every group answers the
same way. This module imports no command group: the groups import it.

A group module imports at its top what its options and annotations need; what a command
runs on (scenarios, diagrams, the importer, ledgers, exports, the demo) it imports when it
runs, so that ``gridcase --help`` and every other command do not wait for it (together
about a quarter of a second on a start of about one).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from gridcase.application.engine import Engine
from gridcase.application.results import CommandResult
from gridcase.interfaces.cli.errors import GridcaseExit, exit_status
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import (
    GridcaseError,
    InvalidInput,
    NotFound,
    RefusedByRule,
    RuleFileError,
)
from gridcase.storage.log import EventLog
from gridcase.storage.url import parse_url

__all__ = [
    "FOUND",
    "OK",
    "USAGE",
    "Settings",
    "command_id_option",
    "day_label",
    "debugging",
    "emit_json",
    "emit_output",
    "event_log",
    "events_recorded",
    "json_option",
    "jurisdiction_option",
    "library_errors",
    "on_option",
    "open_engine",
    "opened",
    "optional",
    "parse_date",
    "parse_moment",
    "parse_time_of_day",
    "parse_year_month",
    "require_jurisdiction",
    "roster_call",
    "rules_folder_option",
    "said",
    "session_actor",
    "settings",
    "show_logs",
    "url_option",
]

T = TypeVar("T")

OK = 0
FOUND = 1
"""Exit status of a check that found something (missed coverage, skipped rows, a day off,
a failed scenario), and of a refusal; docs/cli.md has the whole table."""
USAGE = 2
"""Exit status of bad usage or input (click's own)."""

# -- parameter types -------------------------------------------------------------------


def parse_moment(ctx: click.Context, param: click.Parameter, value: str) -> datetime:
    """An ISO 8601 moment; a bare date means 00:00 and a moment without offset China time."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0, 0), tzinfo=CST)
        moment = datetime.fromisoformat(text)
    except ValueError:
        why = _no_such_day(text)
        if why:
            raise click.BadParameter(why) from None
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or moment "
            "(e.g. 2026-02-13, 2026-02-13T09:30 or 2026-02-13T09:30+08:00)"
        ) from None
    return moment.replace(tzinfo=CST) if moment.tzinfo is None else moment.astimezone(CST)


def _no_such_day(value: str) -> str | None:
    """Why ``value``, shaped YYYY-MM-DD, names no day (``2026-02-30``), or None."""
    text = value.strip()
    shaped = len(text) >= 10 and text[4] == "-" and text[7] == "-"
    if not shaped or not (text[:4] + text[5:7] + text[8:10]).isdigit():
        return None
    try:
        date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError as exc:
        return f"{text[:10]} is no day of the calendar: {exc}"
    return None


def parse_date(ctx: click.Context, param: click.Parameter, value: str) -> date:
    """A calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        why = _no_such_day(value)
        raise click.BadParameter(why or f"{value!r} is not a date in the form YYYY-MM-DD") from None


def parse_time_of_day(ctx: click.Context, param: click.Parameter, value: str) -> time:
    """A China time of day, HH:MM on the 24-hour clock."""
    hours, sep, minutes = value.strip().partition(":")
    if sep and len(minutes) == 2 and hours.isdigit() and minutes.isdigit():
        h, m = int(hours), int(minutes)
        if 0 <= h <= 23 and 0 <= m <= 59:
            return time(h, m)
    raise click.BadParameter(f"{value!r} is not a time of day in the form HH:MM (00:00 to 23:59)")


def parse_year_month(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int]:
    """A month, YYYY-MM."""
    year, sep, month = value.strip().partition("-")
    digits = year.isdigit() and month.isdigit()
    if sep and len(year) == 4 and len(month) == 2 and digits and 1 <= int(month) <= 12:
        return int(year), int(month)
    raise click.BadParameter(f"{value!r} is not a month in the form YYYY-MM")


Parser = Callable[[click.Context, click.Parameter, str], T]


def optional(parse: Parser[T]) -> Callable[[click.Context, click.Parameter, str | None], T | None]:
    """``parse`` for an option that may be left out (or given empty): then None."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> T | None:
        return parse(ctx, param, value) if value else None

    return callback


_WEEKDAYS = ("Mon 周一", "Tue 周二", "Wed 周三", "Thu 周四", "Fri 周五", "Sat 周六", "Sun 周日")


def day_label(day: date) -> str:
    """``2026-03-26 (Thu 周四)``: officials read the weekday in Chinese, embedders in English."""
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"


# -- options more than one group takes ---------------------------------------------------

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


@dataclass
class Settings:
    """What the ``gridcase`` group's own options say, for every command below it.

    ``--url``, ``--rules``, ``--verbose`` and ``--actor`` are given once, before the
    command (``gridcase --url sqlite:///x.db cases list``) or in the environment
    (``GRIDCASE_URL``, ``GRIDCASE_RULES``, ``GRIDCASE_ACTOR``); a command's own ``--url`` or
    ``--rules`` still wins, as it always has.
    """

    url: str | None = None
    rules_folder: Path | None = None
    verbose: int = 0
    actor: str | None = None
    """The person the official at the keyboard is, for commands that need one."""


def settings(ctx: click.Context | None = None) -> Settings:
    """The group's settings (defaults when a command runs outside the ``gridcase`` group)."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def _url_or_group(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return value if value else settings(ctx).url


def _rules_or_group(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    return value if value is not None else settings(ctx).rules_folder


url_option = click.option(
    "--url",
    default=None,
    callback=_url_or_group,
    help="Store URL (default: the group's --url, GRIDCASE_URL, else sqlite:///gridcase.db).",
)
rules_folder_option = click.option(
    "--rules",
    "rules_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    callback=_rules_or_group,
    help="Rules folder (default: the group's --rules, GRIDCASE_RULES, else the bundled rules).",
)
jurisdiction_option = click.option(
    "--jurisdiction", "-j", required=True, help="Jurisdiction id (e.g. bijie)."
)
# Command ids default to a key made of the command's own arguments, so running the same
# command line twice records it once; --command-id overrides it.
command_id_option = click.option(
    "--command-id", default=None, help="Idempotency key (default: from the arguments)."
)
on_option = click.option(
    "--on", "on", callback=parse_date, required=True, help="The day it takes effect, YYYY-MM-DD."
)


# -- errors and output -----------------------------------------------------------------


def debugging() -> bool:
    """Whether ``gridcase --debug`` asked for tracebacks instead of one-line errors."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug"))


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the library's refusals into click's: bad input exits 2, a store fault its own
    status (:mod:`gridcase.interfaces.cli.errors`), anything else refused 1."""
    try:
        yield
    except GridcaseError as exc:
        if debugging():
            raise
        _exit_for(exc)


def _exit_for(exc: GridcaseError) -> NoReturn:
    if isinstance(exc, InvalidInput):
        raise click.UsageError(str(exc)) from None
    if isinstance(exc, RuleFileError):
        raise click.ClickException(str(exc)) from None
    if isinstance(exc, RefusedByRule):
        # An official needs to see which rule said no, and the paragraph behind it.
        lines = [f"{type(exc).__name__}: {exc}", f"  rule: {exc.rule}"]
        if exc.cite:
            lines.append(f"  source: {exc.cite}")
        raise click.ClickException("\n".join(lines)) from None
    raise GridcaseExit(f"{type(exc).__name__}: {exc}", exit_status(exc)) from None


def emit_output(data: str | bytes, output: Path | None) -> None:
    """Print ``data``, or write it to ``output`` and say so."""
    if output is None:
        click.echo(data if isinstance(data, str) else data.decode(), nl=False)
        return
    if isinstance(data, str):
        output.write_text(data, encoding="utf-8")
    else:
        output.write_bytes(data)
    click.echo(f"wrote {output}")


def emit_json(data: Mapping[str, object]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def said(result: CommandResult, what: str) -> None:
    """``what`` the command did, or that it had been done before (a rerun is not an error)."""
    click.echo(f"{what} (already recorded: nothing new)" if result.duplicate else what)


# -- logging ---------------------------------------------------------------------------


def show_logs(verbose: int) -> None:
    """Let the library's ``gridcase…`` loggers speak on standard error: INFO with ``-v``,
    DEBUG with ``-vv``. Without ``-v`` nothing is configured, and the library is silent."""
    if verbose <= 0:
        return
    logger = logging.getLogger("gridcase")
    handler = next((h for h in logger.handlers if isinstance(h, _CliHandler)), None)
    if handler is None:
        handler = _CliHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    handler.setStream(sys.stderr)  # this run's standard error (a test runner swaps it)
    logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``-v`` adds, told apart from any the embedding application added."""


# -- the engine --------------------------------------------------------------------------


def session_actor() -> str | None:
    """The ``--actor`` given to ``gridcase`` (or ``GRIDCASE_ACTOR``): who gives roster commands."""
    ctx = click.get_current_context(silent=True)
    actor = settings(ctx).actor if ctx is not None else None
    return actor if isinstance(actor, str) and actor.strip() else None


def open_engine(url: str | None, rules_folder: Path | None, *, create: bool = False) -> Engine:
    """An engine on the store at ``url``; a read (``create`` False) never creates one."""
    with library_errors():
        return Engine(url, rules=rules_folder, create=create, roster_actor=session_actor())


def roster_call(
    url: str | None,
    rules_folder: Path | None,
    call: Callable[[Engine], T],
    *,
    create: bool = True,
) -> T:
    """``call`` on an engine opened for it and closed after, the library's refusals as exits."""
    with opened(url, rules_folder, create=create) as engine, library_errors():
        return call(engine)


@contextmanager
def opened(url: str | None, rules_folder: Path | None, *, create: bool) -> Iterator[Engine]:
    """An engine for one command, closed after.

    A write (``create`` True) may create the store; if it was created for this command
    and the command failed before recording anything, the new, empty store is removed
    again, so a failed first write leaves nothing behind.
    """
    fresh = _missing_file(url) if create else None
    engine = open_engine(url, rules_folder, create=create)
    done = False
    try:
        yield engine
        done = True
    finally:
        empty = fresh is not None and not done and _holds_nothing(engine)
        engine.close()
        if fresh is not None and empty:
            for leftover in (fresh, *(fresh.with_name(fresh.name + s) for s in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)


def _holds_nothing(engine: Engine) -> bool:
    try:
        return events_recorded(engine) == 0
    except GridcaseError:
        return False


def _missing_file(url: str | None) -> Path | None:
    """The SQLite file ``url`` names, if it does not exist yet."""
    try:
        location = parse_url(url)
    except GridcaseError:
        return None
    if location.path is None or Path(location.path).exists():
        return None
    return Path(location.path)


def require_jurisdiction(engine: Engine, jurisdiction: str) -> None:
    """Refuse a jurisdiction no rule file defines as bad usage (exit 2), naming those known."""
    try:
        engine.known_jurisdiction(jurisdiction)
    except NotFound as exc:
        raise click.BadParameter(str(exc), param_hint="--jurisdiction") from None


def event_log(engine: Engine) -> EventLog:
    """The one place the command line reaches past the engine into the stored events (to
    fold a ledger or count what a store holds), so that changing that access is one edit."""
    return engine.log


def events_recorded(engine: Engine) -> int:
    """How many events the store holds (by the log's last position)."""
    return event_log(engine).head()
