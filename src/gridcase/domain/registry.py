"""The registry's rules, pure: who may be registered, made responsible, put in a team, visited.

What ``workflow.decide`` is for cases, this module is for enterprises, grids, people
and visits: functions of the rule file's registry policy and of aggregates already
loaded, which either change those aggregates (recording events on them) or refuse
with a typed error naming the rule and its citation. No I/O and no clock: the command
handlers (``gridcase.application``) load, call these, and save; the importer calls the
same functions row by row, so a rule is written once.

What an aggregate can check on its own (a span ends after it starts, a grid is not
joined twice) it checks itself; what needs the rule file (quotas, scope exclusions,
team sizes, one liaison per unit, visit channels) is here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from gridcase.domain.actions import SYSTEM_ACTOR, SYSTEM_ROLE
from gridcase.domain.administration import ADMINISTRATOR
from gridcase.domain.credit_code import CreditCode, looks_like_credit_code
from gridcase.domain.enterprise import LIAISON_ID, Enterprise, split_liaison_actor
from gridcase.domain.grid import Grid
from gridcase.domain.organisation import OrganisationType
from gridcase.domain.payloads import EvidenceRef
from gridcase.domain.person import ENTERPRISE, PROJECT, Person
from gridcase.domain.policy import (
    EnterpriseLiaisons,
    GridMembership,
    Quota,
    RosterRules,
    Scope,
    TeamPosition,
    VisitChannel,
    VisitRules,
)
from gridcase.domain.sourced import Text
from gridcase.domain.unit_post import UnitPost
from gridcase.domain.visit import VisitPurpose
from gridcase.kernel.errors import (
    InvalidInput,
    NotAuthorised,
    NotFound,
    OutOfScope,
    QuotaExceeded,
    RefusedByRule,
    UnknownActor,
)

__all__ = [
    "RegistryPolicy",
    "check_liaison_cap",
    "check_liaison_form",
    "check_nothing_stranded",
    "check_organisation",
    "check_person_id",
    "check_responsible",
    "check_roles",
    "check_team_room",
    "check_tier",
    "check_visit",
    "claim_posts",
    "grids_replaced",
    "move_to_grid",
    "quota_breach",
    "require_active",
    "require_in_scope",
    "require_reason",
    "team_position",
]


@dataclass(frozen=True)
class RegistryPolicy:
    """The registry sections of one rule version, and how to name its rules in a refusal."""

    jurisdiction: str
    version: str
    roles: Mapping[str, Text]
    """Every role of the rule file and its name."""
    scope: Scope | None = None
    roster: RosterRules | None = None
    visits: VisitRules | None = None

    def rule(self, path: str) -> str:
        """A rule's name as refusals show it, e.g. ``weifang@2021.1 roster.quotas.x.enterprises``."""
        return f"{self.jurisdiction}@{self.version} {path}"

    def require_roster(self) -> RosterRules:
        if self.roster is None:
            raise NotFound(f"{self.jurisdiction}@{self.version} has no 'roster' section")
        return self.roster

    def liaisons(self) -> EnterpriseLiaisons:
        roster = self.roster
        if roster is None or roster.enterprise_liaisons is None:
            raise RefusedByRule(
                f"{self.jurisdiction}@{self.version} declares no enterprise liaisons, so none can be named",
                rule=self.rule("roster.enterprise_liaisons"),
            )
        return roster.enterprise_liaisons


_PHONE = re.compile(r"(?:\d[\s-]?){7,}")
"""Seven or more digits in a row (single spaces or dashes allowed between): a phone number."""


def require_reason(reason: str) -> str:
    """A change to who may act is recorded with why; a blank reason is refused."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required for this change", field="reason")
    return reason.strip()


# -- enterprises -----------------------------------------------------------------------------


def check_organisation(
    policy: RegistryPolicy, code: CreditCode, organisation_type: OrganisationType | str | None
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
    scope = policy.scope
    if scope is not None and org in scope.exclude_organisation_types:
        raise OutOfScope(
            f"{code} is registered as {org.value.replace('_', ' ')}, which "
            f"{policy.jurisdiction} excludes from its scope",
            rule=policy.rule("scope.exclude_organisation_types"),
            cite=scope.cite or scope.assumption,
        )
    return org


def check_tier(policy: RegistryPolicy, tier: str | None) -> None:
    scope = policy.scope
    if tier is not None and scope is not None and scope.tiers and tier not in scope.tiers:
        raise InvalidInput(f"unknown tier {tier!r} (known: {', '.join(scope.tiers)})", field="tier")


def require_in_scope(ent: Enterprise, day: date) -> None:
    """Refuse to serve an enterprise outside its jurisdiction's scope on ``day``."""
    if not ent.in_scope_on(day):
        raise OutOfScope(
            f"enterprise {ent.credit_code} is not in {ent.jurisdiction}'s scope on {day.isoformat()}",
            rule=f"{ent.jurisdiction} registry: scope of {ent.credit_code}",
        )


# -- people ----------------------------------------------------------------------------------


def check_person_id(person_id: str, name: str) -> None:
    """A person's id is theirs alone: not gridcase's own, not shaped like a liaison's."""
    if not person_id.strip() or not name.strip():
        raise InvalidInput("a person needs an id and a name", field="person_id")
    if person_id == SYSTEM_ACTOR:
        raise InvalidInput(f"{SYSTEM_ACTOR!r} is reserved", field="person_id")
    if split_liaison_actor(person_id) is not None:
        raise InvalidInput(
            f"{person_id!r} has the form of an enterprise liaison's id (credit code/liaison)",
            field="person_id",
        )
    if looks_like_credit_code(person_id):
        raise InvalidInput(
            f"{person_id!r} is a unified social credit code: an enterprise acts under its "
            "code, so a person may not take one as an id",
            field="person_id",
        )


def check_roles(policy: RegistryPolicy, roles: Sequence[str], rank: str | None) -> None:
    unknown = [r for r in roles if r not in policy.roles and r != ADMINISTRATOR]
    if unknown:
        raise InvalidInput(
            f"unknown role(s) {', '.join(unknown)} in {policy.jurisdiction} "
            f"(known: {', '.join(policy.roles)}, and {ADMINISTRATOR})",
            field="roles",
        )
    roster = policy.roster
    if rank is not None and roster is not None and roster.quotas and rank not in roster.quotas:
        raise InvalidInput(
            f"unknown rank {rank!r} (known: {', '.join(roster.quotas)})", field="rank"
        )


def require_active(jurisdiction: str, person: Person | None, person_id: str) -> Person:
    """Refuse a person who is not in the roster, or no longer active in it."""
    if person_id == SYSTEM_ACTOR:
        raise NotAuthorised(
            "gridcase itself is not a person of the roster", actor=person_id, role=SYSTEM_ROLE
        )
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
    policy: RegistryPolicy,
    person: Person | None,
    person_id: str,
    kind: str,
    subject: str,
    on: date,
) -> Person:
    """Refuse a responsible person who is unknown, inactive, lacks the role, or is at quota."""
    person = require_active(policy.jurisdiction, person, person_id)
    roster = policy.require_roster()
    if roster.responsible_role not in person.roles:
        raise NotAuthorised(
            f"{person_id} does not hold the role {roster.responsible_role!r}, which answers for "
            f"enterprises in {policy.jurisdiction}",
            actor=person_id,
            role=roster.responsible_role,
        )
    if not roster.quotas:
        return person
    if person.rank is None or person.rank not in roster.quotas:
        raise InvalidInput(
            f"{person_id} has rank {person.rank!r}, but {policy.jurisdiction} sets quotas by rank "
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
            rule=policy.rule(f"roster.quotas.{person.rank}.{what}"),
            cite=quota.cite or quota.assumption,
        )
    return person


def check_nothing_stranded(
    policy: RegistryPolicy,
    person: Person,
    roles: Sequence[str],
    rank: str | None,
    day: date,
    team_places: Iterable[tuple[str, str | None]],
) -> None:
    """Refuse a change that leaves enterprises, projects or grid places without a proper holder.

    ``team_places`` are the (grid, position) places the person holds on ``day`` or later.
    """
    roster = policy.roster
    if roster is None:
        return
    enterprises = person.load_from(day, ENTERPRISE)
    projects = person.load_from(day, PROJECT)
    carried = sorted(enterprises) + sorted(projects)
    if carried and roster.responsible_role not in roles:
        raise RefusedByRule(
            f"{person.person_id} is still responsible for {', '.join(carried)}; "
            f"release them first (only the role {roster.responsible_role!r} may answer for them)",
            rule=policy.rule("roster.responsible_role"),
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
                rule=policy.rule(f"roster.quotas.{rank}.{what}"),
                cite=quota.cite or quota.assumption,
            )
    for grid_id, position in team_places:
        spec = roster.team.get(position or "")
        if spec is None and roles:
            continue
        if spec is None or spec.role not in roles:
            raise RefusedByRule(
                f"{person.person_id} still holds the position {position!r} in grid {grid_id}; "
                "remove them from the team first",
                rule=policy.rule(f"roster.team.{position}"),
                cite=(spec.cite or spec.assumption) if spec else roster.cite,
            )


def posts_of(
    policy: RegistryPolicy, roles: Sequence[str], units: Sequence[str]
) -> set[tuple[str, str]]:
    """The unit posts (``roster.one_per_unit``) a person with these roles and units holds."""
    roster = policy.roster
    if roster is None or not roster.one_per_unit:
        return set()
    single = set(roster.one_per_unit)
    return {(r, u) for r in roles if r in single for u in units}


def claim_posts(
    policy: RegistryPolicy,
    person_id: str,
    wanted: Mapping[tuple[str, str], UnitPost | None],
    held: Mapping[tuple[str, str], UnitPost | None],
    reason: str,
) -> list[UnitPost]:
    """Take the posts in ``wanted`` (as loaded, None where never taken) and vacate ``held``.

    Returns the posts changed, new ones included. A post another person holds is refused
    naming them: one liaison per unit at a time.
    """
    changed: list[UnitPost] = []
    roster = policy.require_roster()
    for (role, unit), post in sorted(wanted.items()):
        if post is None:
            post = UnitPost(
                jurisdiction=policy.jurisdiction, role=role, unit=unit, person_id=person_id
            )
        elif post.holder is None:
            post.retake(person_id=person_id)
        elif post.holder != person_id:
            name = policy.roles[role]
            raise RefusedByRule(
                f"unit {unit} already has {post.holder} as its {name.en} ({name.zh}); "
                f"{policy.jurisdiction} allows one at a time: change or deactivate "
                f"{post.holder} first",
                rule=policy.rule("roster.one_per_unit"),
                cite=roster.cite or roster.assumption,
            )
        else:
            continue
        changed.append(post)
    for (_role, _unit), post in sorted(held.items()):
        if post is not None and post.holder == person_id:
            post.vacate(reason=reason)
            changed.append(post)
    return changed


# -- grids -----------------------------------------------------------------------------------


def grids_replaced(roster: RosterRules, ent: Enterprise, grid: Grid) -> list[str]:
    """The enterprise's open grids that joining ``grid`` makes it leave."""
    out = []
    for s in ent.open_grids():
        if s.holder == grid.grid_id:
            continue
        if roster.grid_membership is GridMembership.ONE_GRID or s.kind == grid.kind:
            out.append(s.holder)
    return out


def move_to_grid(
    policy: RegistryPolicy, ent: Enterprise, grid: Grid, on: date, reason: str
) -> list[str]:
    """Put ``ent`` into ``grid`` from ``on`` (leaving the grid of the same kind); returns the grids left.

    Responsibilities held in a grid the enterprise leaves end with the membership; the
    caller releases them on the people's side too.
    """
    roster = policy.require_roster()
    if grid.kind not in roster.grid_kinds:
        raise InvalidInput(
            f"grid {grid.grid_id} is of kind {grid.kind!r}, unknown to {policy.jurisdiction}",
            field="grid",
        )
    left = grids_replaced(roster, ent, grid)
    for g in left:
        ent.leave_grid(grid=g, on=on, reason=reason)
    ent.join_grid(grid=grid.grid_id, kind=grid.kind, on=on, reason=reason)
    return left


def team_position(policy: RegistryPolicy, person: Person, position: str) -> TeamPosition | None:
    """The team position asked for, refused if unknown or if the person lacks its role."""
    roster = policy.require_roster()
    spec: TeamPosition | None = roster.team.get(position)
    if roster.team and spec is None:
        raise InvalidInput(
            f"unknown team position {position!r} (known: {', '.join(roster.team)})",
            field="position",
        )
    if spec is not None and spec.role not in person.roles:
        raise NotAuthorised(
            f"{person.person_id} does not hold the role {spec.role!r} that the position "
            f"{position!r} needs",
            actor=person.person_id,
            role=spec.role,
        )
    return spec


def check_team_room(
    policy: RegistryPolicy, grid: Grid, position: str, spec: TeamPosition | None, on: date
) -> None:
    """Refuse a place in a grid's team that is full on ``on`` (or by a later joining)."""
    if spec is None or spec.max is None:
        return
    holders = [s for s in grid.members_on(on) if s.kind == position] + [
        s for s in grid.open_members() if s.kind == position and s.start > on
    ]
    if len(holders) >= spec.max:
        raise RefusedByRule(
            f"grid {grid.grid_id} already has {len(holders)} {spec.name.en} "
            f"({spec.name.zh}); at most {spec.max}",
            rule=policy.rule(f"roster.team.{position}.max"),
            cite=spec.cite or spec.assumption,
        )


# -- liaisons and visits -----------------------------------------------------------------------


def check_liaison_form(liaison_id: str, name: str) -> None:
    """Refuse a liaison id that is not an opaque key, or a name that is not just a name."""
    if not LIAISON_ID.match(liaison_id):
        raise InvalidInput(
            f"a liaison id is 1-64 ASCII letters, digits, '_', '.' or '-', got {liaison_id!r}",
            field="liaison_id",
        )
    if not name or len(name) > 100:
        raise InvalidInput("a liaison needs a name of at most 100 characters", field="name")
    if _PHONE.search(name):
        raise InvalidInput(
            "a liaison's name must not carry a phone number: gridcase keeps no contact details",
            field="name",
        )


def check_liaison_cap(policy: RegistryPolicy, ent: Enterprise) -> None:
    """Refuse one liaison more than the rules allow an enterprise at a time."""
    declared = policy.liaisons()
    active = ent.active_liaisons()
    if len(active) >= declared.max:
        held = ", ".join(x.liaison_id for x in active)
        raise RefusedByRule(
            f"{ent.credit_code} already has {len(active)} liaison(s) ({held}); "
            f"{policy.jurisdiction} allows at most {declared.max}: withdraw one first",
            rule=policy.rule("roster.enterprise_liaisons.max"),
            cite=declared.cite or declared.assumption,
        )


def check_visit(
    policy: RegistryPolicy,
    channel: VisitChannel,
    purpose: VisitPurpose,
    evidence: Sequence[EvidenceRef],
) -> None:
    """Refuse a visit by a channel the rules do not record, an inspection, or one without proof."""
    rules_v = policy.visits
    if rules_v is None:
        return
    cite = rules_v.cite or rules_v.assumption
    if channel not in rules_v.channels:
        raise RefusedByRule(
            f"{policy.jurisdiction} does not record visits by {channel.value} "
            f"(allowed: {', '.join(c.value for c in rules_v.channels)})",
            rule=policy.rule("visits.channels"),
            cite=cite,
        )
    if rules_v.forbid_inspection and purpose is VisitPurpose.INSPECTION:
        raise RefusedByRule(
            f"{policy.jurisdiction} forbids turning a visit into an inspection (严禁将上门服务变味为检查工作)",
            rule=policy.rule("visits.forbid_inspection"),
            cite=cite,
        )
    if rules_v.require_evidence and not evidence:
        raise RefusedByRule(
            f"{policy.jurisdiction} requires evidence of every visit (记录、图片等相关印证资料)",
            rule=policy.rule("visits.require_evidence"),
            cite=cite,
        )
