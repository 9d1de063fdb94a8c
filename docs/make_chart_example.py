"""Draw docs/chart-example.png, the chart the README shows, from a made-up job search.

Run from the repository root: `python docs/make_chart_example.py`. No database needed.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.outputs.charts import (  # noqa: E402
    CLOSED,
    DECISION,
    FOLLOW_UP_PLANNED,
    FOLLOW_UP_SENT,
    INTERVIEW,
    NEXT_INTERVIEW,
    OFFER_DEADLINE,
    ChartData,
    Lane,
    Mark,
    render_chart,
)

TODAY = date(2026, 11, 23)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


EXAMPLE = ChartData(
    today=TODAY,
    funnel=(("Applications", 6), ("Interviews", 6), ("Later rounds", 3), ("Offers", 1)),
    lanes=(
        Lane("Acme · Data Analyst", "interviewing", True,
             (Mark(day(-1), INTERVIEW), Mark(day(4), DECISION),
              Mark(day(7), FOLLOW_UP_PLANNED))),
        Lane("Globex · BI Developer", "later rounds", True,
             (Mark(day(-12), INTERVIEW), Mark(day(-3), INTERVIEW), Mark(day(3), NEXT_INTERVIEW))),
        Lane("Initech · Analytics Engineer", "interviewing", True,
             (Mark(day(-20), INTERVIEW), Mark(day(-13), DECISION), Mark(day(-10), FOLLOW_UP_SENT),
              Mark(day(-3), FOLLOW_UP_SENT), Mark(day(4), FOLLOW_UP_PLANNED))),
        Lane("Umbrella · Data Scientist", "offer received", True,
             (Mark(day(-30), INTERVIEW), Mark(day(-18), INTERVIEW), Mark(day(2), OFFER_DEADLINE))),
        Lane("Hooli · Analyst", "not selected", False,
             (Mark(day(-34), INTERVIEW), Mark(day(-27), DECISION), Mark(day(-25), CLOSED))),
        Lane("Vandelay · Data Analyst", "no answer — closed", False,
             (Mark(day(-40), INTERVIEW), Mark(day(-33), DECISION), Mark(day(-30), FOLLOW_UP_SENT),
              Mark(day(-23), FOLLOW_UP_SENT), Mark(day(-16), FOLLOW_UP_SENT),
              Mark(day(-14), CLOSED))),
    ),
)


def main() -> None:
    target = Path(__file__).resolve().parent / "chart-example.png"
    target.write_bytes(render_chart(EXAMPLE))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
