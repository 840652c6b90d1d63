"""Old topics of stored event classes that moved, and where those classes live now.

A stored event names its class by topic, ``module:Class.Event`` (for example
``gridcase.domain.case:Case.Dispatched``), and eventsourcing imports that path to decode
it. So the module path and qualified name of every stored event class are part of the
contract with the past: a class that moves, or an aggregate that is renamed, no longer
decodes the events already stored under its old topic, unless the old topic is
registered here.

Each entry maps an old topic to the topic of the object that now answers for it (the
paths below are made up):

* an aggregate class, ``"gridcase.domain.old:Enterprise" -> "gridcase.domain.new:Enterprise"``,
  covers every event class nested in it (``…old:Enterprise.Registered`` resolves to
  ``…new:Enterprise.Registered``);
* one event class, ``"gridcase.domain.case:Case.Replanned" -> "gridcase.domain.case:Case.PlanSet"``;
* a whole module, ``"gridcase.domain.old" -> "gridcase.domain.new"`` (no colon).

Nothing has moved yet: the domain modules keep the paths the first release stored.
:mod:`gridcase.storage.application` registers the entries when it is imported, so every
engine has them before it decodes an event. See ``docs/events.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from eventsourcing.utils import register_topic, resolve_topic

__all__ = ["MOVED_TOPICS", "register_moved_topics"]

MOVED_TOPICS: Mapping[str, str] = MappingProxyType({})
"""Old topic -> the topic the class (or aggregate, or module) has now. Only ever add to it."""


def register_moved_topics(moved: Mapping[str, str] = MOVED_TOPICS) -> None:
    """Make each old topic in ``moved`` resolve to what its new topic names.

    Idempotent. Raises eventsourcing's ``TopicError`` when a new topic does not resolve,
    or when an old topic already resolves to something else (an old path that still
    exists must not be taken over).
    """
    for old, new in moved.items():
        register_topic(old, resolve_topic(new))
