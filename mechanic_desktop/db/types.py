"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no exact decimal type (it would keep money as a float), so ``Money`` keeps
whole cents in an integer there and ``NUMERIC(12, 2)`` on PostgreSQL; Python always sees
``Decimal``; aggregates over these columns keep the column's type (wrap computed
expressions in ``type_coerce(expr, Money)``). ``UtcDateTime`` stores naive UTC and
always hands back an aware UTC time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

#: 0.01, 0.001...: each scale's step, made once (a row's money is rounded to it).
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(10)}


class ScaledDecimal(TypeDecorator[Decimal]):
    """Exact decimal with ``scale`` places: ``Decimal`` in Python on both backends.

    On SQLite the value is kept as a whole number of the smallest unit (cents for
    money). Database CHECKs on these columns may compare only with 0, since the stored
    number is scaled on SQLite; other bounds belong in the services.
    """

    scale = 2
    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(12, self.scale, asdecimal=True))

    def _quantize(self, value: Any) -> Decimal:
        return Decimal(value).quantize(_QUANTA[self.scale], rounding=ROUND_HALF_UP)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = self._quantize(value)
        if dialect.name == "sqlite":
            return int(amount.scaleb(self.scale))
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return self._quantize(Decimal(int(value)).scaleb(-self.scale))
        return self._quantize(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class Decimal2(ScaledDecimal):
    """Two places: money."""

    scale = 2
    impl = Numeric(12, 2)
    cache_ok = True


class Decimal3(ScaledDecimal):
    """Three places: percentages such as a tax rate of 8.875 %."""

    scale = 3
    impl = Numeric(12, 3)
    cache_ok = True


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps kept as naive UTC in the database, aware UTC in Python."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def server_now(session: Session) -> datetime:
    """The database server's time (aware UTC): the one clock every desk shares, so a
    workstation whose clock is wrong can neither shorten nor lengthen a lock."""
    if session.get_bind().dialect.name == "sqlite":
        # The "server" is this computer's SQLite library; millisecond precision.
        raw = session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
        return datetime.fromisoformat(str(raw)).replace(tzinfo=UTC)
    moment: datetime = session.scalar(text("SELECT statement_timestamp()"))
    return moment.astimezone(UTC)


#: Money columns.
Money = Decimal2


class IdArrayText(UserDefinedType[str]):
    """A PostgreSQL ``integer[]`` parameter given as its text, "{4,17,23}": sent as is
    and typed by the SQL's own cast, so the server parses it while the planner still
    sees every id (SQLAlchemy's ARRAY would have the driver write out each element)."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "INTEGER[]"

    def bind_processor(self, dialect: Dialect) -> None:
        return None
