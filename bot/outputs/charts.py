"""`status chart`: the search at a glance as a PNG — the pipeline funnel (applications →
interviews → later rounds → offers) over a timeline of each application's interviews,
follow-ups and decision dates. Drawn with matplotlib's Agg backend, phone-sized.

`chart_data` reads the user's rows; `render_chart` is a pure function of that data.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

import matplotlib

matplotlib.use("Agg")  # no display, thread-safe drawing on Figure objects (no pyplot state)

from matplotlib import dates as mdates  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.messages import Attachment, Reply  # noqa: E402
from bot.nudges.rules import CHECK_IN, FOLLOW_UP, GHOST_CHECK  # noqa: E402
from bot.records.pipeline import STAGES  # noqa: E402
from bot.turn import Turn  # noqa: E402
from storage.models import NUDGE_OPEN_STATES, Event, Nudge, Offer  # noqa: E402
from storage.repository import Repository  # noqa: E402

WIDTH_IN, DPI = 6.0, 180  # 1080 px wide: a phone screen's width
MAX_LANES = 25
OFFER_STATUSES = ("offer", "accepted", "declined")
CONTACT_NUDGES = (FOLLOW_UP, CHECK_IN, GHOST_CHECK)

INTERVIEW, NEXT_INTERVIEW = "interview", "next interview"
FOLLOW_UP_SENT, FOLLOW_UP_PLANNED = "follow-up sent", "follow-up planned"
DECISION, OFFER_DEADLINE, CLOSED = "decision date", "offer reply due", "closed"
# marker, colour, filled — in legend order
STYLE: dict[str, tuple[str, str, bool]] = {
    INTERVIEW: ("o", "#2b6cb0", True),
    NEXT_INTERVIEW: ("o", "#2b6cb0", False),
    FOLLOW_UP_SENT: ("^", "#dd6b20", True),
    FOLLOW_UP_PLANNED: ("^", "#dd6b20", False),
    DECISION: ("D", "#805ad5", True),
    OFFER_DEADLINE: ("s", "#2f855a", True),
    CLOSED: ("X", "#4a5568", True),
}
FUNNEL_COLOURS = ("#90cdf4", "#4299e1", "#2b6cb0", "#2f855a")


@dataclass(frozen=True)
class Mark:
    day: date
    kind: str


@dataclass(frozen=True)
class Lane:
    """One application on the timeline."""

    label: str
    stage: str
    active: bool
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class ChartData:
    today: date
    funnel: tuple[tuple[str, int], ...]
    lanes: tuple[Lane, ...] = ()
    hidden: int = 0  # applications left off the timeline (only the newest MAX_LANES show)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chart_data(repo: Repository, now: datetime, tz: tzinfo) -> ChartData:
    """The facts the chart shows, from this user's rows only."""
    user_id = repo.user.id
    apps = repo.applications()
    offers = {o.application_id for o in repo.session.scalars(
        select(Offer).where(Offer.user_id == user_id))}
    nudges = list(repo.session.scalars(select(Nudge).where(
        Nudge.user_id == user_id, Nudge.kind.in_(CONTACT_NUDGES))))
    contacts = list(repo.session.scalars(select(Event).where(
        Event.user_id == user_id, Event.kind == "contact")))

    def day(moment: datetime) -> date:
        return moment.astimezone(tz).date()

    interviewed = later = offered = 0
    lanes: list[tuple[date, Lane]] = []
    for app in apps:
        interviews = repo.interviews(app)
        interviewed += bool(interviews)
        later += bool(app.status == "second_round" or app.next_interview_at is not None
                      or any(i.round != "first" for i in interviews))
        offered += bool(app.status in OFFER_STATUSES or app.id in offers)
        marks = [Mark(day(i.starts_at), INTERVIEW) for i in interviews]
        if app.next_interview_at is not None and app.is_active:
            marks.append(Mark(day(app.next_interview_at), NEXT_INTERVIEW))
        for nudge in nudges:
            if nudge.application_id != app.id:
                continue
            if nudge.sent_at is not None:
                marks.append(Mark(day(nudge.sent_at), FOLLOW_UP_SENT))
            elif nudge.state in NUDGE_OPEN_STATES and app.is_active:
                marks.append(Mark(day(nudge.due_at), FOLLOW_UP_PLANNED))
        marks += [Mark(day(e.at), FOLLOW_UP_SENT) for e in contacts if e.application_id == app.id]
        if interviews and interviews[-1].decision_expected is not None:
            marks.append(Mark(interviews[-1].decision_expected, DECISION))
        if app.offer_deadline is not None and app.status == "offer":
            marks.append(Mark(app.offer_deadline, OFFER_DEADLINE))
        if app.closed_at is not None and not app.is_active:
            marks.append(Mark(day(app.closed_at), CLOSED))
        label = _short(app.company, 24) + (f" · {_short(app.role, 22)}" if app.role else "")
        lane = Lane(label, STAGES.get(app.status, app.status), app.is_active,
                    tuple(sorted(set(marks), key=lambda m: (m.day, m.kind))))
        lanes.append((day(app.created_at), lane))
    lanes.sort(key=lambda pair: pair[0], reverse=True)  # the newest on top
    funnel = (("Applications", len(apps)), ("Interviews", interviewed),
              ("Later rounds", later), ("Offers", offered))
    shown = tuple(lane for _, lane in lanes[:MAX_LANES])
    return ChartData(now.astimezone(tz).date(), funnel, shown, max(0, len(lanes) - MAX_LANES))


# ---- drawing ------------------------------------------------------------------------------------

def render_chart(data: ChartData) -> bytes:
    """The PNG: funnel on top, timeline below, legend at the bottom (pure).

    Every block has a fixed height in inches (the timeline grows by lane), so text stays the
    same size on the phone whatever the number of applications.
    """
    blocks = [  # (what, height in inches, gap above it for its title or the tick labels)
        ("funnel", 2.3, 0.95),
        ("timeline", (1.0 + 0.5 * len(data.lanes)) if data.lanes else 1.2, 0.55),
        ("legend", 0.8, 0.45),
    ]
    total = sum(height + gap for _, height, gap in blocks) + 0.1
    figure = Figure(figsize=(WIDTH_IN, total), dpi=DPI, facecolor="white")
    figure.text(0.04, 1 - 0.12 / total, "Your job search at a glance", fontsize=15,
                fontweight="bold", va="top")
    figure.text(0.04, 1 - 0.48 / total,
                f"as of {data.today:%a} {data.today.day} {data.today:%b %Y}",
                fontsize=10, color="#4a5568", va="top")
    axes = {}
    top = total
    for name, height, gap in blocks:
        top -= gap + height
        axes[name] = figure.add_axes((0.04, top / total, 0.92, height / total))
    with warnings.catch_warnings():  # a glyph missing from the font is not worth a log line
        warnings.simplefilter("ignore")
        _funnel(axes["funnel"], data)
        _timeline(axes["timeline"], data)
        _legend(axes["legend"])
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white",
                       metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return buffer.getvalue()


def _funnel(ax, data: ChartData) -> None:  # type: ignore[no-untyped-def]
    counts = [count for _, count in data.funnel]
    widest = max(max(counts), 1)
    total = counts[0]
    for row, ((label, count), colour) in enumerate(zip(data.funnel, FUNNEL_COLOURS,
                                                       strict=False)):
        width = count / widest
        if count:
            ax.barh(row, width, left=(1 - width) / 2, height=0.78, color=colour)
        else:  # nothing at this stage yet: an outline where the bar will be
            ax.barh(row, 1, height=0.78, color="none", edgecolor="#e2e8f0", linestyle="--")
        share = f"  ({round(100 * count / total)}%)" if total and row else ""
        ax.text(0.5, row, f"{label}: {count}{share}", ha="center", va="center", fontsize=12,
                fontweight="bold", color="#1a202c",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75})
    ax.set_xlim(0, 1)
    ax.set_ylim(len(data.funnel) - 0.5, -0.5)
    ax.set_axis_off()
    ax.set_title("Pipeline", loc="left", fontsize=13, fontweight="bold")


def _timeline(ax, data: ChartData) -> None:  # type: ignore[no-untyped-def]
    ax.set_title("Timeline" + (f" (newest {len(data.lanes)}; {data.hidden} older not shown)"
                               if data.hidden else ""),
                 loc="left", fontsize=13, fontweight="bold")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    if not data.lanes:
        ax.text(0.5, 0.5, "No applications yet.\nAfter your next interview, type “debrief”.",
                ha="center", va="center", fontsize=12, color="#4a5568", transform=ax.transAxes)
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        return
    days = [m.day for lane in data.lanes for m in lane.marks] + [data.today]
    start, end = min(days) - timedelta(days=3), max(days) + timedelta(days=3)
    if (end - start).days < 21:
        middle = start + (end - start) / 2
        start, end = middle - timedelta(days=10), middle + timedelta(days=11)
    spans: list[tuple[tuple[date, float], tuple[date, float]]] = []
    by_kind: dict[str, tuple[list[date], list[int]]] = {kind: ([], []) for kind in STYLE}
    for row, lane in enumerate(data.lanes):
        colour = "#1a202c" if lane.active else "#718096"
        ax.text(start, row - 0.3, f"{lane.label} — {lane.stage}", fontsize=10.5, color=colour,
                va="bottom", ha="left", clip_on=False)
        if lane.marks:
            first, last = lane.marks[0].day, lane.marks[-1].day
            if lane.active:
                last = max(last, data.today)
            spans.append(((first, row), (last, row)))
        for mark in lane.marks:
            days_of_kind, rows_of_kind = by_kind[mark.kind]
            days_of_kind.append(mark.day)
            rows_of_kind.append(row)
    # one artist per kind of mark, not one per mark: drawing 20 lanes stays well under a second
    ax.add_collection(LineCollection(
        [[(mdates.date2num(a), ra), (mdates.date2num(b), rb)] for (a, ra), (b, rb) in spans],
        colors="#cbd5e0", linewidths=3, zorder=1, capstyle="round"))
    for kind, (days_of_kind, rows_of_kind) in by_kind.items():
        if not days_of_kind:
            continue
        marker, mark_colour, filled = STYLE[kind]
        ax.plot(days_of_kind, rows_of_kind, marker=marker, markersize=10, zorder=3,
                markerfacecolor=mark_colour if filled else "white",
                markeredgecolor=mark_colour, markeredgewidth=2, linestyle="none")
    ax.axvline(data.today, color="#e53e3e", linestyle="--", linewidth=1.2, zorder=2)
    ax.text(data.today, -0.95, " today", color="#e53e3e", fontsize=9.5, va="bottom",
            ha="left")
    ax.set_xlim(start, end)
    ax.set_ylim(len(data.lanes) - 0.5, -1)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator)
    formatter.offset_formats = ["", "%Y", "%Y", "%Y", "%Y", "%Y"]
    ax.xaxis.set_major_formatter(formatter)
    ax.tick_params(axis="x", labelsize=10)
    ax.grid(axis="x", color="#edf2f7", zorder=0)


def _legend(ax) -> None:  # type: ignore[no-untyped-def]
    handles = [Line2D([], [], marker=marker, linestyle="none", markersize=9,
                      markerfacecolor=colour if filled else "white", markeredgecolor=colour,
                      markeredgewidth=2, label=kind)
               for kind, (marker, colour, filled) in STYLE.items()]
    ax.legend(handles=handles, loc="center", ncol=3, frameon=False, fontsize=10,
              handletextpad=0.3, columnspacing=1.2)
    ax.set_axis_off()


# ---- the command --------------------------------------------------------------------------------

def caption(data: ChartData) -> str:
    counts = dict(data.funnel)
    apps = counts["Applications"]
    if not apps:
        return "Your pipeline is empty so far — after your next interview, type “debrief”."
    return (f"Your search at a glance: {apps} application{'s' if apps != 1 else ''}, "
            f"{counts['Interviews']} with interviews, {counts['Later rounds']} in later rounds, "
            f"{counts['Offers']} with an offer.")


def status_chart(turn: Turn) -> None:
    data = chart_data(turn.repo, turn.now, turn.tz)
    text = caption(data)
    png = render_chart(data)
    turn.replies.append(Reply(text, attachment=Attachment(
        f"afterview-pipeline-{data.today.isoformat()}.png", png, "image/png", text)))
