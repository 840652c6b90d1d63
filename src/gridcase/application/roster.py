"""The roster: enterprises in scope, the grids and people who serve them, and their visits.

This is the application-layer service for everything that is not a case: registering
enterprises (credit code checked, scope rules applied), people and their roles, grids
and their teams, who is responsible for which enterprise or project (quotas applied),
and visits (走访) with their evidence. Commands are denied by default: an actor who is
not in the roster, or does not hold the role they act in, is refused before any rule is
consulted. Every command takes a ``command_id`` (re-sending it does nothing the second
time) and an optional ``at`` (the moment it is recorded; default the engine's clock).

Dates and spans: memberships, responsibilities and scope changes are dated with the
day they take effect (``on``); a change dated before the change it would undo is
refused, so every history stays in date order and "who was responsible for X on D" has
one answer.

The questions that cross aggregates (coverage, the importer's checks) are answered by a
projection of the event log (:mod:`gridcase.projections.roster`), caught up on demand.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from gridcase.application.results import CommandResult
from gridcase.domain.actions import SYSTEM_ACTOR, SYSTEM_ROLE, Channel
from gridcase.domain.commands import Actor, SubmitDemand
from gridcase.domain.credit_code import CreditCode, parse_credit_code
from gridcase.domain.enterprise import (
    LIAISON_ID,
    Enterprise,
    MapNumberClaim,
    ScopeEntry,
    ScopeExit,
    liaison_actor_id,
    map_number_key,
    split_liaison_actor,
)
from gridcase.domain.grid import Grid, grid_key
from gridcase.domain.ids import enterprise_key, person_key
from gridcase.domain.organisation import OrganisationType
from gridcase.domain.payloads import EvidenceRef
from gridcase.domain.person import ENTERPRISE, PROJECT, Person
from gridcase.domain.policy import (
    CadencePer,
    EnterpriseLiaisons,
    GridMembership,
    Quota,
    RosterRules,
    VisitChannel,
)
from gridcase.domain.project import Project, project_key
from gridcase.domain.unit_post import UnitPost, unit_post_key
from gridcase.domain.visit import Visit, VisitFindings, VisitPurpose, visit_key
from gridcase.kernel.errors import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    OutOfScope,
    QuotaExceeded,
    RefusedByRule,
    UnknownActor,
)
from gridcase.projections.coverage import (
    AnyCoverageReport,
    Month,
    compute_coverage,
    compute_grid_coverage,
)
from gridcase.projections.roster import RosterProjection
from gridcase.workflow.compiler import CompiledRules
from gridcase.workflow.model import RoleKind

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from gridcase.application.engine import Engine

__all__ = ["Roster"]


def _rule(rules: CompiledRules, path: str) -> str:
    return f"{rules.jurisdiction}@{rules.version} {path}"


_PHONE = re.compile(r"(?:\d[\s-]?){7,}")
"""Seven or more digits in a row (single spaces or dashes allowed between): a phone number."""


def _liaison_rules(rules: CompiledRules) -> EnterpriseLiaisons:
    roster = rules.rules.roster
    if roster is None or roster.enterprise_liaisons is None:
        raise RefusedByRule(
            f"{rules.jurisdiction}@{rules.version} declares no enterprise liaisons, so none can be named",
            rule=_rule(rules, "roster.enterprise_liaisons"),
        )
    return roster.enterprise_liaisons


def _enterprise_roles(rules: CompiledRules) -> frozenset[str]:
    """The roles an enterprise, or a liaison speaking for it, acts in."""
    return frozenset(r for r, role in rules.rules.roles.items() if role.kind is RoleKind.ENTERPRISE)


def _reason(reason: str) -> str:
    """A change to who may act is recorded with why; a blank reason is refused."""
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required for this change", field="reason")
    return reason.strip()


# -- checks shared by the commands and the importer ------------------------------------


def check_organisation(
    rules: CompiledRules, code: CreditCode, organisation_type: OrganisationType | str | None
) -> OrganisationType:
    """The organisation type (given, or as the code says it), refused if the scope excludes it."""
    implied = code.organisation_type
    if organisation_type is None or organisation_type == "":
        org = implied
    else:
        try:
            org = OrganisationType(organisation_type)
        except ValueError:
            known = ", ".join(t.value for t in OrganisationType)
            raise InvalidInput(
                f"unknown organisation type {organisation_type!r} (known: {known})",
                field="organisation_type",
            ) from None
    if implied is not OrganisationType.OTHER and org is not implied:
        raise InvalidInput(
            f"the credit code {code} says {implied.value}, but {org.value} was given",
            field="organisation_type",
        )
    scope = rules.rules.scope
    if scope is not None and org in scope.exclude_organisation_types:
        raise OutOfScope(
            f"{code} is registered as {org.value.replace('_', ' ')}, which {rules.jurisdiction} excludes from its scope",
            rule=_rule(rules, "scope.exclude_organisation_types"),
            cite=scope.cite or scope.assumption,
        )
    return org


def check_tier(rules: CompiledRules, tier: str | None) -> None:
    scope = rules.rules.scope
    if tier is not None and scope is not None and scope.tiers and tier not in scope.tiers:
        raise InvalidInput(f"unknown tier {tier!r} (known: {', '.join(scope.tiers)})", field="tier")


def roster_rules(rules: CompiledRules) -> RosterRules:
    if rules.rules.roster is None:
        raise NotFound(f"{rules.jurisdiction}@{rules.version} has no 'roster' section")
    return rules.rules.roster


def require_active(jurisdiction: str, person: Person | None, person_id: str) -> Person:
    """Refuse a person who is not in the roster, or no longer active in it."""
    if person is None:
        raise UnknownActor(f"{person_id!r} is not in the {jurisdiction} roster", actor=person_id)
    if not person.active:
        raise NotAuthorised(f"{person_id} is no longer active in {jurisdiction}", actor=person_id)
    return person


def quota_breach(quota: Quota, enterprises: int, projects: int) -> tuple[str, int, int] | None:
    """The first cap of ``quota`` that this load exceeds, as (what, cap, count), or None."""
    for what, cap, count in (
        ("enterprises", quota.enterprises, enterprises),
        ("projects", quota.projects, projects),
        ("combined", quota.combined, enterprises + projects),
    ):
        if cap is not None and count > cap:
            return what, cap, count
    return None


def check_responsible(
    rules: CompiledRules, person: Person | None, person_id: str, kind: str, subject: str, on: date
) -> Person:
    """Refuse a responsible person who is unknown, inactive, lacks the role, or is at quota."""
    person = require_active(rules.jurisdiction, person, person_id)
    roster = roster_rules(rules)
    if roster.responsible_role not in person.roles:
        raise NotAuthorised(
            f"{person_id} does not hold the role {roster.responsible_role!r}, which answers for "
            f"enterprises in {rules.jurisdiction}",
            actor=person_id,
            role=roster.responsible_role,
        )
    if not roster.quotas:
        return person
    if person.rank is None or person.rank not in roster.quotas:
        raise InvalidInput(
            f"{person_id} has rank {person.rank!r}, but {rules.jurisdiction} sets quotas by rank "
            f"({', '.join(roster.quotas)}): register the person's rank first",
            field="rank",
        )
    quota = roster.quotas[person.rank]
    enterprises = person.load_from(on, ENTERPRISE)
    projects = person.load_from(on, PROJECT)
    (enterprises if kind == ENTERPRISE else projects).add(subject)
    breach = quota_breach(quota, len(enterprises), len(projects))
    if breach is not None:
        what, cap, count = breach
        noun = "enterprises and projects" if what == "combined" else what
        raise QuotaExceeded(
            f"{person_id} ({quota.name.zh}, {quota.name.en}) may serve at most {cap} {noun}; "
            f"this {kind} would be number {count}",
            rule=_rule(rules, f"roster.quotas.{person.rank}.{what}"),
            cite=quota.cite or quota.assumption,
        )
    return person


def grids_replaced(roster: RosterRules, ent: Enterprise, grid: Grid) -> list[str]:
    """The enterprise's open grids that joining ``grid`` makes it leave."""
    out = []
    for s in ent.open_grids():
        if s.holder == grid.grid_id:
            continue
        if roster.grid_membership is GridMembership.ONE_GRID or s.kind == grid.kind:
            out.append(s.holder)
    return out


def _not_before(on: date, earliest: date | None, what: str) -> None:
    if earliest is not None and on < earliest:
        raise InvalidInput(
            f"{what} is dated {on.isoformat()}, before the change it follows ({earliest.isoformat()}); "
            "histories stay in date order",
            field="on",
        )


def move_to_grid(
    rules: CompiledRules, ent: Enterprise, grid: Grid, on: date, reason: str
) -> list[str]:
    """Put ``ent`` into ``grid`` from ``on`` (leaving the grid of the same kind); returns the grids left.

    Responsibilities held in a grid the enterprise leaves end with the membership; the
    caller releases them on the people's side too (:func:`release_in_grids`).
    """
    roster = roster_rules(rules)
    if grid.kind not in roster.grid_kinds:
        raise InvalidInput(
            f"grid {grid.grid_id} is of kind {grid.kind!r}, unknown to {rules.jurisdiction}",
            field="grid",
        )
    if any(s.holder == grid.grid_id for s in ent.open_grids()):
        raise InvalidInput(f"{ent.credit_code} is already in grid {grid.grid_id}", field="grid")
    left = grids_replaced(roster, ent, grid)
    for s in ent.open_grids():
        if s.holder in left:
            _not_before(on, s.start, f"leaving grid {s.holder}")
    for g in left:
        ent.leave_grid(grid=g, on=on, reason=reason)
    ent.join_grid(grid=grid.grid_id, kind=grid.kind, on=on, reason=reason)
    return left


class Roster:
    """Registry commands and lookups, on an engine's store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._view = RosterProjection()
        self._view_lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------------

    def _rules(self, jurisdiction: str, day: date) -> CompiledRules:
        self._engine.known_jurisdiction(jurisdiction)
        return self._engine.rules.in_force(jurisdiction, day)

    def _enterprise(self, jurisdiction: str, credit_code: str) -> Enterprise:
        code = parse_credit_code(credit_code)
        ent = self._engine.get(Enterprise, enterprise_key(jurisdiction, code.value))
        if ent is None:
            raise NotFound(f"enterprise {code} is not registered in {jurisdiction}")
        return ent

    def _grid(self, jurisdiction: str, grid_id: str) -> Grid:
        grid = self._engine.get(Grid, grid_key(jurisdiction, grid_id))
        if grid is None:
            raise NotFound(f"no grid {grid_id!r} in {jurisdiction}")
        return grid

    def _person(self, jurisdiction: str, person_id: str) -> Person | None:
        return self._engine.get(Person, person_key(jurisdiction, person_id))

    def person(self, jurisdiction: str, person_id: str) -> Person:
        """A person of the roster, as stored now."""
        found = self._person(jurisdiction, person_id)
        if found is None:
            raise NotFound(f"{person_id!r} is not in the {jurisdiction} roster")
        return found

    def enterprise(self, jurisdiction: str, credit_code: str) -> Enterprise:
        """A registered enterprise, as stored now (scope history, grids, responsible people)."""
        return self._enterprise(jurisdiction, credit_code)

    def _save(
        self, aggregates: Sequence[Aggregate], primary: Aggregate, command_id: str
    ) -> CommandResult:
        changed = [a for a in aggregates if a.pending_events]
        self._engine.save(changed, primary=primary, command_id=command_id)
        return CommandResult(primary.id, ())

    def view(self) -> RosterProjection:
        """The roster projection, caught up with the log (shared; treat it as read-only)."""
        with self._view_lock:
            self._view.catch_up(self._engine.application)
            return self._view

    # -- people ----------------------------------------------------------------------

    def register_person(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        name: str,
        roles: Sequence[str],
        command_id: str,
        units: Sequence[str] = (),
        rank: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """Add a person to a jurisdiction's roster, with the roles they may act in."""
        command_id = self._engine.check_command_id(command_id)
        moment = self._engine.stamp(at)
        rules = self._rules(jurisdiction, moment.date())
        self._check_roles(rules, roles, rank)
        if not person_id.strip() or not name.strip():
            raise InvalidInput("a person needs an id and a name", field="person_id")
        if person_id == SYSTEM_ACTOR:
            raise InvalidInput(f"{SYSTEM_ACTOR!r} is reserved", field="person_id")
        if split_liaison_actor(person_id) is not None:
            raise InvalidInput(
                f"{person_id!r} has the form of an enterprise liaison's id (credit code/liaison)",
                field="person_id",
            )
        key = person_key(jurisdiction, person_id)

        def body() -> CommandResult:
            if self._engine.get(Person, key) is not None:
                raise InvalidInput(
                    f"{person_id} is already in the {jurisdiction} roster", field="person_id"
                )
            person = Person(
                jurisdiction=jurisdiction,
                person_id=person_id,
                name=name.strip(),
                roles=list(dict.fromkeys(roles)),
                units=list(dict.fromkeys(units)),
                rank=rank,
            )
            posts = self._move_posts(
                rules, person_id, ((), ()), (person.roles, person.units), "registered"
            )
            return self._save([person, *posts], person, command_id)

        return self._engine.run_once(command_id, key, body, at=moment)

    def change_person(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        roles: Sequence[str],
        units: Sequence[str],
        reason: str,
        command_id: str,
        rank: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """Give a person new roles, units or rank from now on (a transfer, a new liaison, a promotion).

        The whole new set is given, not a difference, so the event says plainly what the
        person may do afterwards. A change that would strand what the person carries is
        refused and names it: responsibilities without the responsible role, a grid
        position without its role, more enterprises than the new rank's quota, a unit
        post (``roster.one_per_unit``) another person holds. Hand those over first.
        """
        command_id = self._engine.check_command_id(command_id)
        moment = self._engine.stamp(at)
        rules = self._rules(jurisdiction, moment.date())
        self._check_roles(rules, roles, rank)
        reason = _reason(reason)
        key = person_key(jurisdiction, person_id)

        def body() -> CommandResult:
            person = self._active_person(jurisdiction, person_id)
            new_roles = list(dict.fromkeys(roles))
            new_units = list(dict.fromkeys(units))
            if (new_roles, new_units, rank) == (person.roles, person.units, person.rank):
                raise InvalidInput(
                    f"{person_id} already has exactly these roles, units and rank", field="roles"
                )
            self._check_nothing_stranded(rules, person, new_roles, rank, moment.date())
            posts = self._move_posts(
                rules, person_id, (person.roles, person.units), (new_roles, new_units), reason
            )
            person.change(roles=new_roles, units=new_units, rank=rank, reason=reason)
            return self._save([person, *posts], person, command_id)

        return self._engine.run_once(command_id, key, body, at=moment)

    def deactivate_person(
        self,
        *,
        jurisdiction: str,
        person_id: str,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """Take a person off the roster from now on (left the post, retired, transferred out).

        The person's history stays; they can no longer act, be made responsible or join a
        team. Refused while they are still responsible for an enterprise or project or
        hold a place in a grid's team, naming each, so no enterprise silently loses the
        person answerable for it. Any unit post they held (a department's liaison) is
        vacated in the same save.
        """
        command_id = self._engine.check_command_id(command_id)
        moment = self._engine.stamp(at)
        rules = self._rules(jurisdiction, moment.date())
        reason = _reason(reason)
        key = person_key(jurisdiction, person_id)

        def body() -> CommandResult:
            person = self._active_person(jurisdiction, person_id)
            self._check_nothing_stranded(rules, person, [], None, moment.date())
            posts = self._move_posts(
                rules, person_id, (person.roles, person.units), ((), ()), reason
            )
            person.deactivate(reason=reason)
            return self._save([person, *posts], person, command_id)

        return self._engine.run_once(command_id, key, body, at=moment)

    def _check_roles(self, rules: CompiledRules, roles: Sequence[str], rank: str | None) -> None:
        unknown = [r for r in roles if r not in rules.rules.roles]
        if unknown:
            raise InvalidInput(
                f"unknown role(s) {', '.join(unknown)} in {rules.jurisdiction} (known: {', '.join(rules.rules.roles)})",
                field="roles",
            )
        roster = rules.rules.roster
        if rank is not None and roster is not None and roster.quotas and rank not in roster.quotas:
            raise InvalidInput(
                f"unknown rank {rank!r} (known: {', '.join(roster.quotas)})", field="rank"
            )

    def _active_person(self, jurisdiction: str, person_id: str) -> Person:
        return require_active(jurisdiction, self._person(jurisdiction, person_id), person_id)

    def _check_nothing_stranded(
        self,
        rules: CompiledRules,
        person: Person,
        roles: Sequence[str],
        rank: str | None,
        day: date,
    ) -> None:
        """Refuse a change that leaves enterprises, projects or grid places without a proper holder."""
        roster = rules.rules.roster
        if roster is None:
            return
        enterprises = person.load_from(day, ENTERPRISE)
        projects = person.load_from(day, PROJECT)
        carried = sorted(enterprises) + sorted(projects)
        if carried and roster.responsible_role not in roles:
            raise RefusedByRule(
                f"{person.person_id} is still responsible for {', '.join(carried)}; "
                f"release them first (only the role {roster.responsible_role!r} may answer for them)",
                rule=_rule(rules, "roster.responsible_role"),
                cite=roster.cite or roster.assumption,
            )
        if carried and roster.quotas and rank is not None:
            quota = roster.quotas[rank]
            breach = quota_breach(quota, len(enterprises), len(projects))
            if breach is not None:
                what, cap, count = breach
                raise QuotaExceeded(
                    f"{person.person_id} carries {count} {what}, more than the {cap} the rank "
                    f"{quota.name.zh} ({quota.name.en}) allows; release some first",
                    rule=_rule(rules, f"roster.quotas.{rank}.{what}"),
                    cite=quota.cite or quota.assumption,
                )
        places = [
            (grid.grid_id, stint.kind)
            for grid in self.view().grids(rules.jurisdiction).values()
            for stint in grid.team
            if stint.holder == person.person_id and (stint.end is None or stint.end > day)
        ]
        for grid_id, position in places:
            spec = roster.team.get(position or "")
            if spec is None and roles:
                continue
            if spec is None or spec.role not in roles:
                raise RefusedByRule(
                    f"{person.person_id} still holds the position {position!r} in grid {grid_id}; "
                    "remove them from the team first",
                    rule=_rule(rules, f"roster.team.{position}"),
                    cite=(spec.cite or spec.assumption) if spec else roster.cite,
                )

    def _move_posts(
        self,
        rules: CompiledRules,
        person_id: str,
        before: tuple[Sequence[str], Sequence[str]],
        after: tuple[Sequence[str], Sequence[str]],
        reason: str,
    ) -> list[Aggregate]:
        """The unit posts (``roster.one_per_unit``) a change of roles and units takes and vacates."""
        roster = rules.rules.roster
        if roster is None or not roster.one_per_unit:
            return []
        single = set(roster.one_per_unit)

        def posts(roles: Sequence[str], units: Sequence[str]) -> set[tuple[str, str]]:
            return {(r, u) for r in roles if r in single for u in units}

        held, wanted = posts(*before), posts(*after)
        changed: list[Aggregate] = []
        for role, unit in sorted(wanted - held):
            post = self._engine.get(UnitPost, unit_post_key(rules.jurisdiction, role, unit))
            if post is None:
                post = UnitPost(
                    jurisdiction=rules.jurisdiction, role=role, unit=unit, person_id=person_id
                )
            elif post.holder is None:
                post.retake(person_id=person_id)
            elif post.holder != person_id:
                name = rules.rules.roles[role].name
                raise RefusedByRule(
                    f"unit {unit} already has {post.holder} as its {name.en} ({name.zh}); "
                    f"{rules.jurisdiction} allows one at a time: change or deactivate {post.holder} first",
                    rule=_rule(rules, "roster.one_per_unit"),
                    cite=roster.cite or roster.assumption,
                )
            else:
                continue
            changed.append(post)
        for role, unit in sorted(held - wanted):
            post = self._engine.get(UnitPost, unit_post_key(rules.jurisdiction, role, unit))
            if post is not None and post.holder == person_id:
                post.vacate(reason=reason)
                changed.append(post)
        return changed

    # -- enterprises -----------------------------------------------------------------

    def register_enterprise(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        name: str,
        command_id: str,
        in_scope_from: date,
        organisation_type: OrganisationType | None = None,
        industry: str | None = None,
        location: str | None = None,
        tier: str | None = None,
        basis: ScopeEntry = ScopeEntry.LISTED,
        reason: str = "listed",
        at: datetime | None = None,
    ) -> CommandResult:
        """Add an enterprise to a jurisdiction's registry and its scope from a date.

        ``basis`` says why it entered (Qingdao's completion filing and start of
        production, a tenant's move-in, an incubator's start; or the yearly list).
        """
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        code = parse_credit_code(credit_code)
        rules = self._rules(jurisdiction, in_scope_from)
        org = check_organisation(rules, code, organisation_type)
        check_tier(rules, tier)
        if not name.strip():
            raise InvalidInput("an enterprise needs a name", field="name")
        key = enterprise_key(jurisdiction, code.value)

        def body() -> CommandResult:
            if self._engine.get(Enterprise, key) is not None:
                raise InvalidInput(
                    f"{code} is already registered in {jurisdiction}", field="credit_code"
                )
            ent = Enterprise(
                jurisdiction=jurisdiction,
                credit_code=code.value,
                name=name.strip(),
                organisation_type=org.value,
                industry=industry,
                location=location,
                tier=tier,
            )
            ent.enter_scope(on=in_scope_from, basis=ScopeEntry(basis).value, reason=reason)
            return self._save([ent], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def enter_scope(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        on: date,
        basis: ScopeEntry,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """A registered enterprise that had left the scope enters it again."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        rules = self._rules(jurisdiction, on)
        ent = self._enterprise(jurisdiction, credit_code)
        check_organisation(rules, parse_credit_code(ent.credit_code), ent.organisation_type)

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            if ent.in_scope_now:
                raise InvalidInput(
                    f"{ent.credit_code} is already in {jurisdiction}'s scope", field="credit_code"
                )
            _not_before(on, ent.last_scope_change, "entering the scope")
            ent.enter_scope(on=on, basis=ScopeEntry(basis).value, reason=reason)
            return self._save([ent], ent, command_id)

        return self._engine.run_once(command_id, ent.id, body, at=recorded)

    def leave_scope(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        on: date,
        basis: ScopeExit,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """The enterprise moved out, was deregistered or delisted: it is no longer served from ``on``.

        The people responsible for it are released on the same day (their quota frees
        up); its grid memberships stay, since they describe where it is, not whom it is
        served by.
        """
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        self._rules(jurisdiction, on)
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            if not ent.in_scope_now:
                raise InvalidInput(
                    f"{ent.credit_code} is not in {jurisdiction}'s scope", field="credit_code"
                )
            _not_before(on, ent.last_scope_change, "leaving the scope")
            people = self._release_all(ent, on, f"left the scope: {reason}")
            ent.leave_scope(on=on, basis=ScopeExit(basis).value, reason=reason)
            return self._save([ent, *people], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def _release_all(
        self, ent: Enterprise, on: date, reason: str, grids: Sequence[str] | None = None
    ) -> list[Person]:
        """Release the enterprise's responsible people (in ``grids``, or all) on both sides.

        One person may answer for the enterprise in two grids: they are loaded once, so
        both releases go into the same aggregate.
        """
        people: dict[str, Person] = {}
        for s in ent.open_responsibles():
            if grids is not None and s.grid not in grids:
                continue
            _not_before(on, s.start, f"releasing {s.holder}")
            ent.release_responsible(person_id=s.holder, grid=s.grid, on=on, reason=reason)
            person = people.get(s.holder) or self._person(ent.jurisdiction, s.holder)
            if person is not None:
                person.release(kind=ENTERPRISE, subject=ent.credit_code, grid=s.grid, on=on)
                people[s.holder] = person
        return list(people.values())

    def assign_map_number(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        number: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """Give the enterprise its number on the map (Yingkou: one number per enterprise)."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        self._engine.known_jurisdiction(jurisdiction)
        number = number.strip()
        if not number:
            raise InvalidInput("a map number cannot be empty", field="map_number")
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            if ent.map_number == number:
                raise InvalidInput(
                    f"{ent.credit_code} already has map number {number}", field="map_number"
                )
            claim = self._engine.get(MapNumberClaim, map_number_key(jurisdiction, number))
            if claim is not None and claim.holder is not None:
                raise InvalidInput(
                    f"map number {number} is already held by {claim.holder} in {jurisdiction}",
                    field="map_number",
                )
            changed: list[Aggregate] = [ent]
            if ent.map_number is not None:
                old = self._engine.get(MapNumberClaim, map_number_key(jurisdiction, ent.map_number))
                if old is not None and old.holder == ent.credit_code:
                    old.release(reason=f"{ent.credit_code} renumbered {number}")
                    changed.append(old)
            if claim is None:
                claim = MapNumberClaim(
                    jurisdiction=jurisdiction, number=number, credit_code=ent.credit_code
                )
            else:
                claim.reclaim(credit_code=ent.credit_code)
            ent.set_map_number(number=number)
            return self._save([*changed, claim], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    # -- enterprise liaisons -------------------------------------------------------

    def name_liaison(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        liaison_id: str,
        name: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """The enterprise names a liaison (企业联络员) who acts for it from now on.

        ``liaison_id`` is the portal's key for the person (never reused for the same
        enterprise); they act under ``<credit code>/<liaison id>``. Only a name is
        kept, in a field of its own: no phone number or other contact detail. Refused
        where the rules declare no liaisons, for an enterprise not registered or not in
        scope, and beyond ``roster.enterprise_liaisons.max`` active liaisons.
        """
        command_id = self._engine.check_command_id(command_id)
        moment = self._engine.stamp(at)
        rules = self._rules(jurisdiction, moment.date())
        declared = _liaison_rules(rules)
        liaison_id = liaison_id.strip() if isinstance(liaison_id, str) else ""
        if not LIAISON_ID.match(liaison_id):
            raise InvalidInput(
                f"a liaison id is 1-64 ASCII letters, digits, '_', '.' or '-', got {liaison_id!r}",
                field="liaison_id",
            )
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > 100:
            raise InvalidInput("a liaison needs a name of at most 100 characters", field="name")
        if _PHONE.search(name):
            raise InvalidInput(
                "a liaison's name must not carry a phone number: gridcase keeps no contact details",
                field="name",
            )
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            if not ent.in_scope_on(moment.date()):
                raise OutOfScope(
                    f"enterprise {ent.credit_code} is not in {jurisdiction}'s scope on "
                    f"{moment.date().isoformat()}",
                    rule=f"{jurisdiction} registry: scope of {ent.credit_code}",
                )
            taken = [x for x in ent.liaisons if x.liaison_id.casefold() == liaison_id.casefold()]
            if taken:
                state = "is" if taken[0].active else "was (withdrawn; ids are not reused)"
                raise InvalidInput(
                    f"{taken[0].liaison_id} {state} a liaison of {ent.credit_code}",
                    field="liaison_id",
                )
            active = ent.active_liaisons()
            if len(active) >= declared.max:
                held = ", ".join(x.liaison_id for x in active)
                raise RefusedByRule(
                    f"{ent.credit_code} already has {len(active)} liaison(s) ({held}); "
                    f"{jurisdiction} allows at most {declared.max}: withdraw one first",
                    rule=_rule(rules, "roster.enterprise_liaisons.max"),
                    cite=declared.cite or declared.assumption,
                )
            ent.name_liaison(liaison_id=liaison_id, name=name)
            return self._save([ent], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=moment)

    def withdraw_liaison(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        liaison_id: str,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """The enterprise's liaison no longer acts for it (left the company, replaced).

        Allowed whatever the rules now say, since it only takes a right away; the
        liaison's history stays, and their id is not given to anyone else.
        """
        command_id = self._engine.check_command_id(command_id)
        moment = self._engine.stamp(at)
        self._engine.known_jurisdiction(jurisdiction)
        reason = _reason(reason)
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            liaison = ent.liaison(liaison_id.strip())
            if liaison is None:
                raise NotFound(f"{ent.credit_code} has no liaison {liaison_id!r}")
            if not liaison.active:
                raise InvalidInput(
                    f"{liaison_id} was already withdrawn as a liaison of {ent.credit_code}",
                    field="liaison_id",
                )
            ent.withdraw_liaison(liaison_id=liaison.liaison_id, reason=reason)
            return self._save([ent], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=moment)

    # -- grids ---------------------------------------------------------------------

    def register_grid(
        self,
        *,
        jurisdiction: str,
        grid_id: str,
        kind: str,
        name: str,
        command_id: str,
        unit: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """Add a grid of one of the jurisdiction's grid kinds."""
        command_id = self._engine.check_command_id(command_id)
        moment = self._engine.stamp(at)
        rules = self._rules(jurisdiction, moment.date())
        roster = roster_rules(rules)
        if kind not in roster.grid_kinds:
            known = ", ".join(roster.grid_kinds) or "none"
            raise InvalidInput(
                f"unknown grid kind {kind!r} in {jurisdiction} (known: {known})", field="kind"
            )
        if not grid_id.strip() or not name.strip():
            raise InvalidInput("a grid needs an id and a name", field="grid_id")
        key = grid_key(jurisdiction, grid_id)

        def body() -> CommandResult:
            if self._engine.get(Grid, key) is not None:
                raise InvalidInput(
                    f"grid {grid_id} already exists in {jurisdiction}", field="grid_id"
                )
            grid = Grid(
                jurisdiction=jurisdiction, grid_id=grid_id, kind=kind, name=name.strip(), unit=unit
            )
            return self._save([grid], grid, command_id)

        return self._engine.run_once(command_id, key, body, at=moment)

    def add_grid_member(
        self,
        *,
        jurisdiction: str,
        grid_id: str,
        person_id: str,
        position: str,
        on: date,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """Put a person into a grid's team (grid chief, deputy, officer) from ``on``."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        rules = self._rules(jurisdiction, on)
        roster = roster_rules(rules)
        person = self._active_person(jurisdiction, person_id)
        spec = roster.team.get(position)
        if roster.team and spec is None:
            raise InvalidInput(
                f"unknown team position {position!r} (known: {', '.join(roster.team)})",
                field="position",
            )
        if spec is not None and spec.role not in person.roles:
            raise NotAuthorised(
                f"{person_id} does not hold the role {spec.role!r} that the position {position!r} needs",
                actor=person_id,
                role=spec.role,
            )
        key = self._grid(jurisdiction, grid_id).id

        def body() -> CommandResult:
            grid = self._grid(jurisdiction, grid_id)
            if any(s.holder == person_id for s in grid.open_members()):
                raise InvalidInput(
                    f"{person_id} is already in the team of grid {grid_id}", field="person_id"
                )
            if spec is not None and spec.max is not None:
                holders = [s for s in grid.members_on(on) if s.kind == position] + [
                    s for s in grid.open_members() if s.kind == position and s.start > on
                ]
                if len(holders) >= spec.max:
                    raise RefusedByRule(
                        f"grid {grid_id} already has {len(holders)} {spec.name.en} ({spec.name.zh}); at most {spec.max}",
                        rule=_rule(rules, f"roster.team.{position}.max"),
                        cite=spec.cite or spec.assumption,
                    )
            grid.add_member(person_id=person_id, position=position, on=on)
            return self._save([grid], grid, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def remove_grid_member(
        self,
        *,
        jurisdiction: str,
        grid_id: str,
        person_id: str,
        on: date,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """A person leaves a grid's team from ``on``."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        self._rules(jurisdiction, on)
        key = self._grid(jurisdiction, grid_id).id

        def body() -> CommandResult:
            grid = self._grid(jurisdiction, grid_id)
            stints = [s for s in grid.open_members() if s.holder == person_id]
            if not stints:
                raise InvalidInput(
                    f"{person_id} is not in the team of grid {grid_id}", field="person_id"
                )
            _not_before(on, stints[0].start, f"{person_id} leaving grid {grid_id}")
            grid.remove_member(person_id=person_id, on=on, reason=reason)
            return self._save([grid], grid, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def assign_grid(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        grid_id: str,
        on: date,
        command_id: str,
        reason: str = "assigned",
        at: datetime | None = None,
    ) -> CommandResult:
        """Put an enterprise into a grid from ``on``; it leaves its grid of the same kind.

        With ``grid_membership: one_grid`` it leaves whichever grid it was in. The people
        responsible for it in the grid it leaves are released that day.
        """
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        rules = self._rules(jurisdiction, on)
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            grid = self._grid(jurisdiction, grid_id)
            left = grids_replaced(roster_rules(rules), ent, grid)
            people = self._release_all(ent, on, f"moved to grid {grid_id}", grids=left)
            move_to_grid(rules, ent, grid, on, reason)
            return self._save([ent, *people], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def remove_from_grid(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        grid_id: str,
        on: date,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """Take an enterprise out of a grid from ``on`` (its responsibilities there end too)."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        self._rules(jurisdiction, on)
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            stints = [s for s in ent.open_grids() if s.holder == grid_id]
            if not stints:
                raise InvalidInput(f"{ent.credit_code} is not in grid {grid_id}", field="grid")
            _not_before(on, stints[0].start, f"leaving grid {grid_id}")
            people = self._release_all(ent, on, reason, grids=[grid_id])
            ent.leave_grid(grid=grid_id, on=on, reason=reason)
            return self._save([ent, *people], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    # -- responsibility ----------------------------------------------------------------

    def assign_responsible(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        person_id: str,
        on: date,
        command_id: str,
        grid: str | None = None,
        reason: str = "assigned",
        at: datetime | None = None,
    ) -> CommandResult:
        """Make a person responsible for an enterprise from ``on`` (in one of its grids, or overall).

        Refused when the person lacks ``roster.responsible_role``, or when it would exceed
        the quota of their rank (:class:`~gridcase.kernel.errors.QuotaExceeded`, naming it).
        With ``one_responsible_per_enterprise`` the previous person (in the same grid) is
        released that day.
        """
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        rules = self._rules(jurisdiction, on)
        roster = roster_rules(rules)
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            if not ent.in_scope_now:
                raise OutOfScope(
                    f"{ent.credit_code} is not in {jurisdiction}'s scope",
                    rule=f"{jurisdiction} registry: scope of {ent.credit_code}",
                )
            if grid is not None and not any(s.holder == grid for s in ent.open_grids()):
                raise InvalidInput(f"{ent.credit_code} is not in grid {grid}", field="grid")
            current = [s for s in ent.open_responsibles() if s.grid == grid]
            if any(s.holder == person_id for s in current):
                raise InvalidInput(
                    f"{person_id} is already responsible for {ent.credit_code}", field="person_id"
                )
            person = check_responsible(
                rules,
                self._person(jurisdiction, person_id),
                person_id,
                ENTERPRISE,
                ent.credit_code,
                on,
            )
            changed: list[Aggregate] = [ent]
            if roster.one_responsible_per_enterprise:
                for s in current:
                    _not_before(on, s.start, f"replacing {s.holder}")
                    ent.release_responsible(
                        person_id=s.holder, grid=grid, on=on, reason=f"replaced by {person_id}"
                    )
                    previous = self._person(jurisdiction, s.holder)
                    if previous is not None:
                        previous.release(kind=ENTERPRISE, subject=ent.credit_code, grid=grid, on=on)
                        changed.append(previous)
            ent.assign_responsible(person_id=person_id, grid=grid, on=on, reason=reason)
            person.take(kind=ENTERPRISE, subject=ent.credit_code, grid=grid, on=on)
            return self._save([*changed, person], ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def release_responsible(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        person_id: str,
        on: date,
        reason: str,
        command_id: str,
        grid: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """A person stops being responsible for an enterprise from ``on``."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        self._rules(jurisdiction, on)
        key = self._enterprise(jurisdiction, credit_code).id

        def body() -> CommandResult:
            ent = self._enterprise(jurisdiction, credit_code)
            stints = [
                s for s in ent.open_responsibles() if s.holder == person_id and s.grid == grid
            ]
            if not stints:
                raise InvalidInput(
                    f"{person_id} is not responsible for {ent.credit_code}", field="person_id"
                )
            _not_before(on, stints[0].start, f"releasing {person_id}")
            ent.release_responsible(person_id=person_id, grid=grid, on=on, reason=reason)
            changed: list[Aggregate] = [ent]
            person = self._person(jurisdiction, person_id)
            if person is not None:
                person.release(kind=ENTERPRISE, subject=ent.credit_code, grid=grid, on=on)
                changed.append(person)
            return self._save(changed, ent, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def responsible_on(
        self,
        *,
        jurisdiction: str,
        credit_code: str,
        day: date,
        grid: str | None = None,
        any_grid: bool = True,
    ) -> list[str]:
        """Who was responsible for the enterprise on ``day`` (in ``grid``, or in any grid)."""
        ent = self._enterprise(jurisdiction, credit_code)
        return ent.responsible_on(day, grid, any_grid=any_grid and grid is None)

    # -- projects ------------------------------------------------------------------

    def register_project(
        self,
        *,
        jurisdiction: str,
        project_id: str,
        name: str,
        command_id: str,
        location: str | None = None,
        enterprise: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """Add a major project (重大重点项目), served by commissioners like an enterprise."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        self._engine.known_jurisdiction(jurisdiction)
        if not project_id.strip() or not name.strip():
            raise InvalidInput("a project needs an id and a name", field="project_id")
        code = parse_credit_code(enterprise).value if enterprise else None
        key = project_key(jurisdiction, project_id)

        def body() -> CommandResult:
            if self._engine.get(Project, key) is not None:
                raise InvalidInput(
                    f"project {project_id} already exists in {jurisdiction}", field="project_id"
                )
            project = Project(
                jurisdiction=jurisdiction,
                project_id=project_id,
                name=name.strip(),
                location=location,
                enterprise=code,
            )
            return self._save([project], project, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def _project(self, jurisdiction: str, project_id: str) -> Project:
        project = self._engine.get(Project, project_key(jurisdiction, project_id))
        if project is None:
            raise NotFound(f"no project {project_id!r} in {jurisdiction}")
        return project

    def assign_project(
        self,
        *,
        jurisdiction: str,
        project_id: str,
        person_id: str,
        on: date,
        command_id: str,
        reason: str = "assigned",
        at: datetime | None = None,
    ) -> CommandResult:
        """Make a commissioner responsible for a project from ``on`` (the ``projects`` quota applies)."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        rules = self._rules(jurisdiction, on)
        key = self._project(jurisdiction, project_id).id

        def body() -> CommandResult:
            project = self._project(jurisdiction, project_id)
            if any(s.holder == person_id for s in project.open_responsibles()):
                raise InvalidInput(
                    f"{person_id} is already responsible for project {project_id}",
                    field="person_id",
                )
            person = check_responsible(
                rules, self._person(jurisdiction, person_id), person_id, PROJECT, project_id, on
            )
            project.assign_responsible(person_id=person_id, on=on, reason=reason)
            person.take(kind=PROJECT, subject=project_id, grid=None, on=on)
            return self._save([project, person], project, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def release_project(
        self,
        *,
        jurisdiction: str,
        project_id: str,
        person_id: str,
        on: date,
        reason: str,
        command_id: str,
        at: datetime | None = None,
    ) -> CommandResult:
        """A commissioner stops serving a project from ``on``."""
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        key = self._project(jurisdiction, project_id).id

        def body() -> CommandResult:
            project = self._project(jurisdiction, project_id)
            stints = [s for s in project.open_responsibles() if s.holder == person_id]
            if not stints:
                raise InvalidInput(
                    f"{person_id} is not responsible for project {project_id}", field="person_id"
                )
            _not_before(on, stints[0].start, f"releasing {person_id}")
            project.release_responsible(person_id=person_id, on=on, reason=reason)
            changed: list[Aggregate] = [project]
            person = self._person(jurisdiction, person_id)
            if person is not None:
                person.release(kind=PROJECT, subject=project_id, grid=None, on=on)
                changed.append(person)
            return self._save(changed, project, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    # -- visits --------------------------------------------------------------------

    def record_visit(
        self,
        *,
        jurisdiction: str,
        enterprise: str,
        visitor: str,
        visited_at: datetime,
        channel: VisitChannel | str,
        command_id: str,
        findings: VisitFindings | Mapping[str, Any] | None = None,
        evidence: Sequence[EvidenceRef | Mapping[str, Any]] = (),
        purpose: VisitPurpose | str = VisitPurpose.SERVICE,
        visit_id: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """Record a visit (走访) that took place at ``visited_at``.

        Refused, writing nothing, when the visitor is not an active person of the
        roster, the enterprise was not in scope on the visit's China date, the channel
        is not allowed, the visit is an inspection where ``visits.forbid_inspection``
        holds, or it carries no evidence where ``visits.require_evidence`` holds.
        ``visit_id`` (default: the command id) is how cases and ledgers refer to it.
        """
        command_id = self._engine.check_command_id(command_id)
        recorded = self._engine.stamp(at)
        moment = self._engine.stamp(visited_at, field="visited_at")
        day = moment.date()
        rules = self._rules(jurisdiction, day)
        try:
            channel = VisitChannel(channel)
        except ValueError:
            known = ", ".join(c.value for c in VisitChannel)
            raise InvalidInput(
                f"unknown visit channel {channel!r} (known: {known})", field="channel"
            ) from None
        try:
            purpose = VisitPurpose(purpose)
        except ValueError:
            known = ", ".join(p.value for p in VisitPurpose)
            raise InvalidInput(
                f"unknown visit purpose {purpose!r} (known: {known})", field="purpose"
            ) from None
        try:
            found = VisitFindings.model_validate(findings or {})
            refs = tuple(EvidenceRef.model_validate(e) for e in evidence)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(
                f"visit {where or 'findings'}: {first['msg']}", field=where or "findings"
            ) from None
        ent = self._enterprise(jurisdiction, enterprise)
        if not ent.in_scope_on(day):
            raise OutOfScope(
                f"enterprise {ent.credit_code} is not in {jurisdiction}'s scope on {day.isoformat()}",
                rule=f"{jurisdiction} registry: scope of {ent.credit_code}",
            )
        if visitor == SYSTEM_ACTOR:
            raise NotAuthorised(
                "gridcase itself does not visit enterprises", actor=visitor, role=SYSTEM_ROLE
            )
        person = self._person(jurisdiction, visitor)
        if person is None:
            raise UnknownActor(f"{visitor!r} is not in the {jurisdiction} roster", actor=visitor)
        if not person.active:
            raise NotAuthorised(f"{visitor} is no longer active in {jurisdiction}", actor=visitor)
        rules_v = rules.rules.visits
        if rules_v is not None:
            cite = rules_v.cite or rules_v.assumption
            if channel not in rules_v.channels:
                raise RefusedByRule(
                    f"{jurisdiction} does not record visits by {channel.value} "
                    f"(allowed: {', '.join(c.value for c in rules_v.channels)})",
                    rule=_rule(rules, "visits.channels"),
                    cite=cite,
                )
            if rules_v.forbid_inspection and purpose is VisitPurpose.INSPECTION:
                raise RefusedByRule(
                    f"{jurisdiction} forbids turning a visit into an inspection (严禁将上门服务变味为检查工作)",
                    rule=_rule(rules, "visits.forbid_inspection"),
                    cite=cite,
                )
            if rules_v.require_evidence and not refs:
                raise RefusedByRule(
                    f"{jurisdiction} requires evidence of every visit (记录、图片等相关印证资料)",
                    rule=_rule(rules, "visits.require_evidence"),
                    cite=cite,
                )
        vid = (visit_id or command_id).strip()
        key = visit_key(jurisdiction, vid)

        def body() -> CommandResult:
            if self._engine.get(Visit, key) is not None:
                raise InvalidInput(
                    f"visit {vid} is already recorded in {jurisdiction}", field="visit_id"
                )
            visit = Visit(
                jurisdiction=jurisdiction,
                visit_id=vid,
                enterprise=ent.credit_code,
                visitor=visitor,
                at=moment,
                channel=channel.value,
                purpose=purpose.value,
                findings=found.model_dump(exclude_none=True),
                evidence=[r.model_dump() for r in refs],
                command_id=command_id,
            )
            return self._save([visit], visit, command_id)

        return self._engine.run_once(command_id, key, body, at=recorded)

    def visit(self, jurisdiction: str, visit_id: str) -> Visit:
        found = self._engine.get(Visit, visit_key(jurisdiction, visit_id))
        if found is None:
            raise NotFound(f"no visit {visit_id!r} in {jurisdiction}")
        return found

    def raise_demand(
        self,
        *,
        jurisdiction: str,
        visit_id: str,
        category: str,
        title: str,
        actor: str,
        role: str,
        command_id: str,
        description: str | None = None,
        at: datetime | None = None,
    ) -> CommandResult:
        """Open a case from a visit: the case records the visit, and the visit the case.

        The case is submitted as usual (``channel=visit``, ``visit_id`` set); the engine
        checks the visit (this enterprise's, not later than the demand) and records the
        link on the visit in the same save as the case.
        """
        moment = self._engine.stamp(at)
        visit = self.visit(jurisdiction, visit_id)
        return self._engine.submit(
            SubmitDemand(
                jurisdiction=jurisdiction,
                enterprise=visit.enterprise,
                category=category,
                title=title,
                actor=actor,
                role=role,
                command_id=command_id,
                at=moment,
                description=description,
                channel=Channel.VISIT,
                visit_id=visit.visit_id,
            )
        )

    # -- coverage ------------------------------------------------------------------

    def coverage(
        self, jurisdiction: str, month: Month | str | tuple[int, int], grid: str | None = None
    ) -> AnyCoverageReport:
        """Which enterprises, or grids, (in ``grid``, or anywhere) were not visited as required.

        The cadence is the ``visits.cadence`` of the rules in force on the month's last
        day; the semantics are those of :mod:`gridcase.projections.coverage`. A cadence
        per enterprise answers a :class:`CoverageReport`, one per grid a
        :class:`GridCoverageReport` (``per`` tells them apart): the questions differ, so
        the answers do too.
        """
        period = Month.parse(month)
        rules = self._rules(jurisdiction, period.last)
        if rules.rules.visits is None:
            raise NotFound(
                f"{jurisdiction}@{rules.version} sets no visit cadence ('visits' section)"
            )
        cadence = rules.rules.visits.cadence
        view = self.view()
        the_grid = None
        if grid is not None:
            the_grid = view.grids(jurisdiction).get(grid)
            if the_grid is None:
                raise NotFound(f"no grid {grid!r} in {jurisdiction}")
        if cadence.per is CadencePer.GRID:
            roster = rules.rules.roster
            return compute_grid_coverage(
                jurisdiction=jurisdiction,
                month=period,
                cadence=cadence,
                grids=view.grids(jurisdiction).values(),
                enterprises=view.enterprises(jurisdiction).values(),
                visits_of=lambda code: view.visits(jurisdiction, code),
                grid=grid,
                positions=tuple(roster.team) if roster is not None else (),
            )
        return compute_coverage(
            jurisdiction=jurisdiction,
            month=period,
            cadence=cadence,
            enterprises=view.enterprises(jurisdiction).values(),
            visits_of=lambda code: view.visits(jurisdiction, code),
            grid=the_grid,
        )

    # -- actors --------------------------------------------------------------------

    def actor(self, rules: CompiledRules, actor_id: str) -> Actor:
        """Who ``actor_id`` is in ``rules``' jurisdiction; unknown actors are refused."""
        if actor_id == SYSTEM_ACTOR:
            raise NotAuthorised(
                "only gridcase itself acts as 'system'", actor=actor_id, role=SYSTEM_ROLE
            )
        liaison = split_liaison_actor(actor_id)
        if liaison is not None:
            return self._liaison_actor(rules, actor_id, *liaison)
        person = self._engine.read(Person, person_key(rules.jurisdiction, actor_id))
        if person is not None:
            if not person.active:
                raise NotAuthorised(
                    f"{actor_id} is no longer active in {rules.jurisdiction}", actor=actor_id
                )
            return Actor(actor_id, frozenset(person.roles), frozenset(person.units))
        ent = self._engine.read(
            Enterprise, enterprise_key(rules.jurisdiction, actor_id.strip().upper())
        )
        if ent is not None:
            return Actor(ent.credit_code, _enterprise_roles(rules), enterprise=ent.credit_code)
        raise UnknownActor(
            f"{actor_id!r} is not in the {rules.jurisdiction} roster (neither a person nor an enterprise)",
            actor=actor_id,
        )

    def _liaison_actor(
        self, rules: CompiledRules, actor_id: str, credit_code: str, liaison_id: str
    ) -> Actor:
        """An enterprise's liaison: its roles of kind ``enterprise``, for that enterprise only."""
        roster = rules.rules.roster
        if roster is None or roster.enterprise_liaisons is None:
            raise NotAuthorised(
                f"{actor_id} would act as an enterprise liaison, but {rules.jurisdiction}@"
                f"{rules.version} declares none (roster.enterprise_liaisons)",
                actor=actor_id,
            )
        ent = self._engine.read(Enterprise, enterprise_key(rules.jurisdiction, credit_code))
        named = ent.liaison(liaison_id) if ent is not None else None
        if ent is None or named is None:
            raise UnknownActor(
                f"{actor_id!r} is not a liaison of an enterprise in {rules.jurisdiction}",
                actor=actor_id,
            )
        if not named.active:
            raise NotAuthorised(
                f"{actor_id} was withdrawn as a liaison of {credit_code}", actor=actor_id
            )
        return Actor(
            liaison_actor_id(credit_code, liaison_id),
            _enterprise_roles(rules),
            enterprise=credit_code,
        )
