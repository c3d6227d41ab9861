"""What one committed write changed: entity → ids, the value every view refreshes from.

The unit of work builds it from everything a transaction flushed or executed (ORM rows
and Core statements alike) and hands it over after COMMIT; on PostgreSQL the same
object, as ``payload()``, is what NOTIFY sends to the other desks, which rebuild it with
``from_payload``. So this desk and every other desk refresh from one description of the
write, never from a caller's guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Every entity a view may show; a reconnect re-queries them all (``Changes.everything``).
ALL_ENTITIES = ("customer", "vehicle", "mechanic", "part", "ticket", "staff", "settings",
                "audit", "canned_job")

#: Beyond this many ids an entity is sent as "any row" (NOTIFY payloads stay < 8000 bytes).
MAX_IDS = 200

#: A NOTIFY payload's ``changed``: entity → sorted ids, or None for "any row".
Payload = dict[str, list[int] | None]


@dataclass(frozen=True)
class Changes:
    """What a write changed, so open views refresh only that: entity → ids.

    An entity in ``all_of`` may have changed in any row (a bulk write that names no ids,
    a reconnect); an editor of one record then counts itself touched too. Changes that
    came from another workstation carry ``by`` (who) and ``remote``.
    """

    entities: dict[str, frozenset[int]] = field(default_factory=dict)
    by: str | None = None
    remote: bool = False
    all_of: frozenset[str] = frozenset()

    @classmethod
    def everything(cls) -> Changes:
        """After a reconnect: notifications missed meanwhile are not replayed."""
        return cls({e: frozenset() for e in ALL_ENTITIES}, remote=True,
                   all_of=frozenset(ALL_ENTITIES))

    @classmethod
    def build(cls, ids: Mapping[str, Iterable[int]], all_of: Iterable[str] = (),
              by: str | None = None) -> Changes:
        everywhere = frozenset(all_of)
        entities = {entity: frozenset(found) for entity, found in ids.items()}
        for entity in everywhere:
            entities.setdefault(entity, frozenset())
        return cls(entities, by=by, all_of=everywhere)

    def __bool__(self) -> bool:
        return bool(self.entities)

    def touches_record(self, entity: str, record_id: int) -> bool:
        """Whether this change may be about one record (an open editor's)."""
        return record_id in self.ids(entity) or entity in self.all_of

    def touches(self, entity: str) -> bool:
        return entity in self.entities

    def ids(self, entity: str) -> frozenset[int]:
        return self.entities.get(entity, frozenset())

    def payload(self) -> Payload:
        """As NOTIFY sends it: ids sorted, None for "any row" (or too many to list)."""
        return {
            entity: (None if entity in self.all_of or len(ids) > MAX_IDS else sorted(ids))
            for entity, ids in self.entities.items()
        }

    @classmethod
    def from_payload(cls, changed: Mapping[str, Any], by: str | None) -> Changes:
        """Another desk's notification, as the same object (it came from elsewhere)."""
        entities: dict[str, frozenset[int]] = {}
        everywhere: set[str] = set()
        for entity, ids in changed.items():
            if ids is None:
                everywhere.add(entity)
                entities[entity] = frozenset()
            else:
                entities[entity] = frozenset(int(i) for i in ids)
        return cls(entities, by=by, remote=True, all_of=frozenset(everywhere))
