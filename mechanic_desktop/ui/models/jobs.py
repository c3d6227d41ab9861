"""The ticket editor's jobs as a two-level tree: each job (title, total, status) with
its labour, parts and fee lines beneath it (a line sales tax does not apply to says so).

A top-level index carries internal id 0; a line's index carries its job's row + 1, so
``parent()`` needs no lookup and indexes stay valid between resets. A new detail resets
the model (a ticket has a handful of lines; the view keeps the selection by key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from mechanic_desktop.domain.discounts import Discount
from mechanic_desktop.domain.jobs import JobStatus
from mechanic_desktop.domain.records import JobRecord, PartLineRecord
from mechanic_desktop.domain.totals import hours_text
from mechanic_desktop.ui.models.columns import money

HEADERS = ("Job and its lines", "Qty / h", "Rate / price", "Amount", "Status")
#: What a row is ("job", "labour", "part", "fee" or "empty"), its id, and its job's id.
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
JOB_ROLE = Qt.ItemDataRole.UserRole + 2
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
MUTED = QColor("#6b7280")

Index = QModelIndex | QPersistentModelIndex


def part_state(line: PartLineRecord, job: JobRecord) -> str:
    """Where a parts line's units are: taken for the job, on special order (what the
    shelf could not cover when the job was approved), or still on the shelf (an
    estimate's, or a declined job's)."""
    if line.taken:
        return "Taken"
    return "To order" if line.ordered else "On shelf"


@dataclass(frozen=True, slots=True)
class Row:
    kind: str
    id: int
    job_id: int
    cells: tuple[str, str, str, str, str]
    tooltip: str = ""


def job_row(job: JobRecord) -> Row:
    return Row("job", job.id, job.id,
               (f"{job.position}. {job.title}", "", "", money(job.totals.total),
                JobStatus(job.status).label), job.concern or job.title)


#: After a line's name when sales tax does not apply to it.
UNTAXED = " (no tax)"


def _taxed(text: str, taxable: bool, discount: Discount | None = None) -> str:
    """A line's name, with its discount and whether it is taxed."""
    if discount is not None:
        text += f" · {discount.text} off"
    return text if taxable else text + UNTAXED


def line_rows(job: JobRecord) -> list[Row]:
    rows = [
        Row("labour", m.line_id, job.id,
            (_taxed(f"{m.operation or 'Labour'} — {m.name or 'unassigned'}", m.taxable,
                    m.discount),
             hours_text(m.minutes), money(m.hourly_rate), money(m.line_total), ""))
        for m in job.mechanics
    ]
    rows += [
        Row("part", p.id, job.id,
            (_taxed(f"{p.sku} · {p.name}", p.taxable, p.discount), f"{p.quantity:,}",
             money(p.unit_price),
             money(p.line_total), part_state(p, job)), p.name)
        for p in job.parts
    ]
    rows += [
        Row("fee", f.id, job.id,
            (_taxed(f"Fee: {f.description}", f.taxable, f.discount), "", "", money(f.amount),
             ""),
            f.description)
        for f in job.fees
    ]
    if not rows:
        rows.append(Row("empty", 0, job.id, ("No labour or parts yet", "", "", "", "")))
    return rows


class JobsModel(QAbstractItemModel):
    """Read-only tree of a ticket's jobs and lines."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[tuple[Row, list[Row], bool]] = []

    def set_jobs(self, jobs: tuple[JobRecord, ...]) -> None:
        self.beginResetModel()
        self.jobs = [
            (job_row(j), line_rows(j),
             JobStatus(j.status) in (JobStatus.DECLINED, JobStatus.DEFERRED))
            for j in jobs
        ]
        self.endResetModel()

    # -- structure ---------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.jobs)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self.jobs[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def row_of(self, index: Index) -> Row | None:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self.jobs[index.row()][0]
        return self.jobs[index.internalId() - 1][1][index.row()]

    def find(self, kind: str, id_: int) -> QModelIndex:
        """The index of the row ``(kind, id)`` (invalid when it is gone)."""
        for j, (top, lines, _) in enumerate(self.jobs):
            if (top.kind, top.id) == (kind, id_):
                return self.index(j, 0)
            for i, line in enumerate(lines):
                if (line.kind, line.id) == (kind, id_):
                    return self.index(i, 0, self.index(j, 0))
        return QModelIndex()

    # -- content -----------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_of(index)
        if row is None:
            return None
        column = index.column()
        muted = self.jobs[index.row() if index.internalId() == 0
                          else index.internalId() - 1][2]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column in (1, 2, 3) else LEFT
        if role == Qt.ItemDataRole.FontRole and row.kind == "job":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and (muted or row.kind == "empty"):
            return QBrush(MUTED)
        if role == KIND_ROLE:
            return row.kind
        if role == ID_ROLE:
            return row.id
        if role == JOB_ROLE:
            return row.job_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and \
                role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if section in (1, 2, 3) else LEFT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
