"""The nudge rules as pure functions of (facts, preferences, now): when each reminder is due.

Times are read back in the user's own clock ("Mon 23 Nov 18:00"), the way the job seeker sees
them. 23 Nov 2026 is a Monday; London is on UTC in November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.nudges.rules import (
    CHECK_IN,
    DIGEST,
    FOLLOW_UP,
    GHOST_CHECK,
    OFFER_DEADLINE,
    PREP,
    THANK_YOU,
    ApplicationFacts,
    InterviewFacts,
    Prefs,
    at_nudge_hour,
    deferred_for_quiet_or_cap,
    in_quiet_hours,
    local_day_bounds,
    out_of_quiet,
    plan_application,
    plan_digest,
    still_relevant,
    thank_you_times,
)

LONDON = ZoneInfo("Europe/London")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
KOLKATA = ZoneInfo("Asia/Kolkata")


def prefs(tz: ZoneInfo = LONDON, nudge_hour: int = 9, quiet: tuple[int, int] | None = (21, 8),
          ghost_after: int = 3) -> Prefs:
    return Prefs(tz=tz, nudge_hour=nudge_hour, quiet=quiet, ghost_after=ghost_after)


def at(day: str, hour: int, minute: int = 0, tz: ZoneInfo = LONDON) -> datetime:
    """A wall-clock moment in `tz`: at("2026-11-23", 11) is Monday 11:00."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(
        hour=hour, minute=minute, tzinfo=tz)


def seen(moment: datetime, tz: ZoneInfo = LONDON) -> str:
    """How the user reads a moment on their own clock."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def thank_yous(held: datetime, recorded: datetime, p: Prefs) -> list[str]:
    return [seen(t, p.tz) for t in thank_you_times(held, recorded, p)]  # type: ignore[arg-type]


def application(**facts) -> ApplicationFacts:  # type: ignore[no-untyped-def]
    """An application whose thank-yous are all sent (so only the rule under test speaks)."""
    interview = InterviewFacts(1, at("2026-11-23", 11), at("2026-11-23", 12), thanks_pending=False)
    facts.setdefault("interviews", (interview,))
    return ApplicationFacts(id=7, **facts)


def due(planned, kind: str, tz: ZoneInfo = LONDON) -> list[str]:  # type: ignore[no-untyped-def]
    return [seen(p.due_at, tz) for p in planned if p.kind == kind]


MONDAY_NOON = at("2026-11-23", 12)


# ---- thank-you letters ----------------------------------------------------------------------

def test_an_interview_that_ended_before_3pm_gets_its_thank_you_nudge_at_6pm_the_same_day():
    assert thank_yous(at("2026-11-23", 11), at("2026-11-23", 11, 30), prefs())[0] == \
        "Mon 23 Nov 18:00"


def test_an_afternoon_interview_gets_its_thank_you_nudge_the_same_evening():
    # issue 16: a 15:30 interview debriefed at 17:00 — 18:00 the same day, not the next morning
    assert thank_yous(at("2026-11-23", 15, 30), at("2026-11-23", 17), prefs(nudge_hour=8)) == [
        "Mon 23 Nov 18:00", "Tue 24 Nov 08:00", "Wed 25 Nov 08:00"]


def test_a_debrief_after_5pm_brings_the_evening_nudge_an_hour_after_it():
    assert thank_yous(at("2026-11-23", 16), at("2026-11-23", 18, 20), prefs())[0] == \
        "Mon 23 Nov 19:20"


def test_an_evening_out_of_reach_before_quiet_hours_leaves_the_next_morning_as_the_last_day():
    # debrief at 20:30, quiet from 21:00: 21:30 is quiet — the next morning, then one late one
    assert thank_yous(at("2026-11-23", 19), at("2026-11-23", 20, 30), prefs()) == [
        "Tue 24 Nov 09:00", "Wed 25 Nov 09:00"]


def test_an_interview_counts_as_ended_when_the_debrief_starts_if_that_is_sooner_than_an_hour():
    # 14:00 interview, debrief at 14:40: it ended before 15:00, so the same evening
    assert thank_yous(at("2026-11-23", 14), at("2026-11-23", 14, 40), prefs())[0] == \
        "Mon 23 Nov 18:00"
    # 14:30 interview, debrief at 16:00: the same evening too (issue 16)
    assert thank_yous(at("2026-11-23", 14, 30), at("2026-11-23", 16), prefs())[0] == \
        "Mon 23 Nov 18:00"


def test_unsent_letters_are_reminded_again_the_next_day_then_once_late_is_better_than_never():
    planned = plan_application(application(interviews=(
        InterviewFacts(3, at("2026-11-23", 11), at("2026-11-23", 11, 30), thanks_pending=True),
    )), prefs(), MONDAY_NOON)
    assert [(p.key, p.payload["number"], seen(p.due_at)) for p in planned] == [
        ("thank_you:3:1", 1, "Mon 23 Nov 18:00"),
        ("thank_you:3:2", 2, "Tue 24 Nov 09:00"),
        ("thank_you:3:3", 3, "Wed 25 Nov 09:00"),
    ]


def test_no_thank_you_nudge_once_every_interviewer_is_marked_sent():
    assert due(plan_application(application(), prefs(), MONDAY_NOON), THANK_YOU) == []


def test_a_6pm_reminder_in_quiet_hours_waits_for_the_morning_and_the_repeat_waits_a_day_too():
    # quiet from 17:00: no evening reminder — the next morning at the nudge hour is the last
    # day, then one "late is better than never" (issue 16: SPEC §3)
    assert thank_yous(at("2026-11-23", 11), at("2026-11-23", 11, 30), prefs(quiet=(17, 8))) == [
        "Tue 24 Nov 09:00", "Wed 25 Nov 09:00"]


def test_a_debrief_recorded_late_at_night_gets_its_first_reminder_in_the_morning_and_one_a_day():
    # interview at 11:00, debrief only at 22:30 (quiet hours): the next morning is the last
    # day, then one late reminder (issue 16: SPEC §3)
    assert thank_yous(at("2026-11-23", 11), at("2026-11-23", 22, 30), prefs()) == [
        "Tue 24 Nov 09:00", "Wed 25 Nov 09:00"]


def test_a_debrief_recorded_days_later_keeps_the_reminders_of_the_interview_day():
    # both are past: the scheduler sends only the newest still-relevant one, once (issue 16:
    # the evening an hour after a debrief two days later is no evening of the interview day)
    assert thank_yous(at("2026-11-23", 11), at("2026-11-25", 10), prefs()) == [
        "Tue 24 Nov 09:00", "Wed 25 Nov 09:00"]


def test_a_user_in_los_angeles_gets_the_evening_reminder_at_6pm_pacific():
    p = prefs(tz=LOS_ANGELES)
    times = thank_you_times(at("2026-11-23", 10, tz=LOS_ANGELES),
                            at("2026-11-23", 10, 45, tz=LOS_ANGELES), p)
    assert times[0] == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Mon 18:00 PST
    assert times[1] == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # Tue 09:00 PST


def test_a_user_in_kolkata_gets_the_evening_reminder_at_6pm_india_time_on_the_half_hour():
    p = prefs(tz=KOLKATA)
    times = thank_you_times(at("2026-11-23", 11, tz=KOLKATA), at("2026-11-23", 11, 30, tz=KOLKATA),
                            p)
    assert times[0] == datetime(2026, 11, 23, 12, 30, tzinfo=UTC)  # Mon 18:00 IST
    assert times[1] == datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # Tue 09:00 IST


def test_thank_you_reminders_stay_at_9_local_across_the_night_the_clocks_go_forward():
    # London springs forward on Sunday 29 March 2026
    # (issue 16: an afternoon interview's first reminder is the same evening)
    times = thank_you_times(at("2026-03-28", 16), at("2026-03-28", 17, 30), prefs())
    assert [seen(t) for t in times] == ["Sat 28 Mar 18:30", "Sun 29 Mar 09:00", "Mon 30 Mar 09:00"]
    assert [t.hour for t in times] == [18, 8, 8]  # in UTC: GMT, then BST


# ---- quiet hours ----------------------------------------------------------------------------

def test_quiet_hours_across_midnight_cover_the_late_evening_and_the_early_morning():
    p = prefs(quiet=(22, 7))
    quiet = {hour: in_quiet_hours(at("2026-11-23", hour, 30), p)
             for hour in (21, 22, 23, 0, 3, 6, 7)}
    assert quiet == {21: False, 22: True, 23: True, 0: True, 3: True, 6: True, 7: False}


def test_a_nudge_falling_in_night_quiet_hours_moves_to_the_end_of_them():
    p = prefs(quiet=(22, 7))
    assert seen(out_of_quiet(at("2026-11-23", 23, 30), p)) == "Tue 24 Nov 07:00"
    assert seen(out_of_quiet(at("2026-11-24", 3), p)) == "Tue 24 Nov 07:00"
    assert seen(out_of_quiet(at("2026-11-24", 12), p)) == "Tue 24 Nov 12:00"


def test_quiet_hours_inside_one_day_shift_to_their_end_the_same_day():
    p = prefs(quiet=(13, 15))  # "no nudges over lunch"
    assert seen(out_of_quiet(at("2026-11-23", 14, 10), p)) == "Mon 23 Nov 15:00"
    assert not in_quiet_hours(at("2026-11-23", 15), p)


def test_without_quiet_hours_nothing_is_shifted():
    p = prefs(quiet=None)
    assert seen(out_of_quiet(at("2026-11-23", 3), p)) == "Mon 23 Nov 03:00"


def test_a_nudge_hour_inside_quiet_hours_comes_when_the_quiet_ends():
    assert seen(at_nudge_hour(date(2026, 11, 24), prefs(nudge_hour=7, quiet=(21, 8)))) == \
        "Tue 24 Nov 08:00"


def test_quiet_hours_are_read_on_the_users_own_clock_in_los_angeles_and_kolkata():
    los_angeles = prefs(tz=LOS_ANGELES, quiet=(21, 8))
    # 06:00 UTC is 22:00 in Los Angeles: quiet until 08:00 Pacific = 16:00 UTC
    late = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    assert in_quiet_hours(late, los_angeles)
    assert out_of_quiet(late, los_angeles) == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    kolkata = prefs(tz=KOLKATA, quiet=(22, 7))
    # 01:00 UTC is 06:30 in Kolkata: quiet until 07:00 IST = 01:30 UTC
    early = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert in_quiet_hours(early, kolkata)
    assert out_of_quiet(early, kolkata) == datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    assert not in_quiet_hours(datetime(2026, 11, 24, 1, 30, tzinfo=UTC), kolkata)


def test_quiet_hours_ending_in_the_hour_the_clocks_skip_end_once_the_clocks_have_jumped():
    # quiet until 01:00, but 29 March 2026 has no 01:00 in London: it ends at 02:00 BST
    p = prefs(quiet=(22, 1))
    moved = out_of_quiet(at("2026-03-29", 0, 30), p)
    assert moved == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert seen(moved) == "Sun 29 Mar 02:00"
    assert not in_quiet_hours(moved, p)


def test_the_nudge_hour_stays_9_local_in_the_week_the_clocks_go_back_in_los_angeles():
    p = prefs(tz=LOS_ANGELES)
    assert at_nudge_hour(date(2026, 10, 31), p) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert at_nudge_hour(date(2026, 11, 2), p) == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)


# ---- follow-up after the decision date --------------------------------------------------------

def _follow_up_after(decision: str) -> list[str]:
    planned = plan_application(application(decision_expected=date.fromisoformat(decision)),
                               prefs(), MONDAY_NOON)
    return due(planned, FOLLOW_UP)


def test_a_decision_expected_on_friday_is_followed_up_on_monday_at_the_nudge_hour():
    assert _follow_up_after("2026-11-27") == ["Mon 30 Nov 09:00"]


def test_a_decision_expected_on_saturday_or_sunday_is_followed_up_on_monday():
    assert _follow_up_after("2026-11-28") == ["Mon 30 Nov 09:00"]
    assert _follow_up_after("2026-11-29") == ["Mon 30 Nov 09:00"]


def test_a_decision_expected_on_wednesday_is_followed_up_on_thursday():
    assert _follow_up_after("2026-11-25") == ["Thu 26 Nov 09:00"]


def test_the_follow_up_carries_the_decision_date_for_its_script():
    planned = plan_application(application(decision_expected=date(2026, 11, 27)), prefs(),
                               MONDAY_NOON)
    assert [(p.key, p.payload) for p in planned] == [
        ("follow_up:7:2026-11-27", {"decision": "2026-11-27"})]


# ---- never two employer contacts within 7 days ----------------------------------------------

def test_a_contact_the_user_logged_pushes_the_follow_up_a_full_week_later():
    # they phoned HR on Wednesday 15:00 on their own: no follow-up nudge on Thursday
    planned = plan_application(application(decision_expected=date(2026, 11, 25),
                                           last_contact_at=at("2026-11-25", 15)),
                               prefs(), at("2026-11-25", 16))
    assert due(planned, FOLLOW_UP) == ["Thu 3 Dec 09:00"]


def test_after_still_deciding_on_monday_morning_the_check_in_comes_a_week_later_not_sooner():
    planned = plan_application(application(decision_expected=date(2026, 11, 27),
                                           followed_up=True,
                                           last_contact_at=at("2026-11-30", 10)),
                               prefs(), at("2026-11-30", 10))
    assert due(planned, CHECK_IN) == ["Tue 8 Dec 09:00"]  # Mon 09:00 would be 23 hours short


def test_a_check_in_pushed_by_the_weekly_gap_skips_the_weekend():
    # "still deciding" on Friday 14:00: a week later at 09:00 is too soon, Saturday is no day
    # to write to an employer — Monday it is
    planned = plan_application(application(decision_expected=date(2026, 11, 20),
                                           followed_up=True,
                                           last_contact_at=at("2026-11-27", 14)),
                               prefs(), at("2026-11-27", 14))
    assert due(planned, CHECK_IN) == ["Mon 7 Dec 09:00"]


def test_the_week_the_clocks_go_forward_a_check_in_comes_a_week_later_on_the_wall_clock():
    # contact Monday 23 March 08:30 GMT; Monday 30 March 09:00 BST is a week later on the
    # user's clock (6 days 23½ hours): the day the check-in was announced for (issue 16)
    planned = plan_application(application(decision_expected=date(2026, 3, 13), followed_up=True,
                                           last_contact_at=at("2026-03-23", 8, 30)),
                               prefs(), at("2026-03-23", 9))
    [check_in] = [p for p in planned if p.kind == CHECK_IN]
    assert seen(check_in.due_at) == "Mon 30 Mar 09:00"
    assert check_in.due_at - at("2026-03-23", 8, 30) == timedelta(days=7, minutes=-30)


def test_a_check_in_delivered_a_little_after_9_is_followed_by_the_next_one_a_week_later():
    # the worker ticks each minute: last week's came at 09:00:40, this week's waits until
    # 09:00:40 — the same morning, not a day later (which, week after week, would drift)
    delivered = datetime(2026, 11, 24, 9, 0, 40, tzinfo=UTC)
    planned = plan_application(application(decision_expected=date(2026, 11, 16), followed_up=True,
                                           last_contact_at=delivered, unanswered_check_ins=1),
                               prefs(), delivered)
    assert [p.due_at for p in planned] == [delivered + timedelta(days=7)]


def test_a_contact_logged_mid_morning_moves_the_next_nudge_to_the_next_morning():
    planned = plan_application(application(decision_expected=date(2026, 11, 16), followed_up=True,
                                           last_contact_at=at("2026-11-24", 11)),
                               prefs(), at("2026-11-24", 11))
    assert due(planned, CHECK_IN) == ["Wed 2 Dec 09:00"]


def test_weekly_check_ins_are_numbered_by_the_unanswered_ones_before():
    planned = plan_application(application(decision_expected=date(2026, 11, 20), followed_up=True,
                                           last_contact_at=at("2026-11-30", 9),
                                           unanswered_check_ins=2),
                               prefs(), at("2026-11-30", 9))
    assert [(p.key, p.payload) for p in planned] == [("check_in:7:0.3", {"number": 3})]


def test_after_three_unanswered_check_ins_it_suggests_closing_as_ghosted_instead():
    planned = plan_application(application(decision_expected=date(2026, 11, 20), followed_up=True,
                                           last_contact_at=at("2026-11-30", 9),
                                           unanswered_check_ins=3),
                               prefs(), at("2026-11-30", 9))
    assert [(p.kind, p.payload, seen(p.due_at)) for p in planned] == [
        (GHOST_CHECK, {"unanswered": 3}, "Mon 7 Dec 09:00")]


def test_the_ghost_check_waits_for_the_number_of_unanswered_check_ins_the_user_chose():
    facts = application(decision_expected=date(2026, 11, 20), followed_up=True,
                        last_contact_at=at("2026-11-30", 9), unanswered_check_ins=3)
    assert [p.kind for p in plan_application(facts, prefs(ghost_after=5), at("2026-11-30", 9))] \
        == [CHECK_IN]


def test_keep_checking_after_a_ghost_check_starts_a_fresh_count():
    facts = application(decision_expected=date(2026, 11, 20), followed_up=True,
                        last_contact_at=at("2026-11-30", 9), unanswered_check_ins=0,
                        check_in_epoch=1)
    assert [p.key for p in plan_application(facts, prefs(), at("2026-11-30", 9))] == [
        "check_in:7:1.1"]


# ---- offers, second rounds, the weekly digest -----------------------------------------------

def test_an_offer_deadline_is_nudged_the_day_before_and_the_morning_of():
    planned = plan_application(application(status="offer", offer_deadline=date(2026, 11, 26),
                                           decision_expected=date(2026, 11, 20)),
                               prefs(), MONDAY_NOON)
    assert [(p.kind, p.payload["when"], seen(p.due_at)) for p in planned] == [
        (OFFER_DEADLINE, "tomorrow", "Wed 25 Nov 09:00"),
        (OFFER_DEADLINE, "today", "Thu 26 Nov 09:00"),
    ]  # and no follow-up or check-in once there is an offer


def test_a_second_round_is_prepared_the_day_before_at_the_nudge_hour():
    planned = plan_application(application(status="second_round",
                                           next_interview_at=at("2026-11-26", 14),
                                           next_round_number=2,
                                           decision_expected=date(2026, 11, 20)),
                               prefs(), MONDAY_NOON)
    assert [(p.kind, seen(p.due_at)) for p in planned] == [(PREP, "Wed 25 Nov 09:00")]


def test_no_prep_nudge_for_a_second_round_that_already_happened():
    planned = plan_application(application(status="second_round",
                                           next_interview_at=at("2026-11-23", 10),
                                           next_round_number=2),
                               prefs(), MONDAY_NOON)
    assert due(planned, PREP) == []


def test_the_pipeline_digest_comes_on_monday_at_the_nudge_hour():
    digest = plan_digest(True, prefs(), at("2026-11-25", 12))
    assert digest is not None and digest.kind == DIGEST
    assert (digest.key, seen(digest.due_at)) == ("digest:2026-11-30", "Mon 30 Nov 09:00")


def test_on_monday_before_the_nudge_hour_the_digest_is_that_morning_and_after_it_next_week():
    early = plan_digest(True, prefs(), at("2026-11-30", 8))
    late = plan_digest(True, prefs(), at("2026-11-30", 9))
    assert early is not None and seen(early.due_at) == "Mon 30 Nov 09:00"
    assert late is not None and seen(late.due_at) == "Mon 7 Dec 09:00"


def test_the_digest_follows_the_users_monday_in_los_angeles():
    digest = plan_digest(True, prefs(tz=LOS_ANGELES), datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert digest is not None  # 04:00 Monday in Los Angeles: the digest is this morning, 9 PST
    assert digest.due_at == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def test_no_digest_without_an_active_application():
    assert plan_digest(False, prefs(), MONDAY_NOON) is None


def test_a_closed_or_stopped_application_plans_nothing():
    pending = InterviewFacts(1, at("2026-11-23", 11), at("2026-11-23", 12), thanks_pending=True)
    for facts in (application(status="rejected", interviews=(pending,)),
                  application(status="ghosted", decision_expected=date(2026, 11, 20)),
                  application(nudges_stopped=True, interviews=(pending,),
                              decision_expected=date(2026, 11, 20))):
        assert plan_application(facts, prefs(), MONDAY_NOON) == []


# ---- late delivery, quiet hours and the daily cap at delivery time --------------------------

def test_a_missed_thank_you_nudge_is_still_worth_sending_for_three_days_then_dropped():
    sent_due = at("2026-11-23", 18)
    assert still_relevant(THANK_YOU, sent_due, sent_due + timedelta(days=3))
    assert not still_relevant(THANK_YOU, sent_due, sent_due + timedelta(days=3, minutes=1))
    assert not still_relevant(THANK_YOU, sent_due, sent_due + timedelta(days=14))


def test_a_missed_follow_up_or_check_in_is_sent_however_late():
    for kind in (FOLLOW_UP, CHECK_IN, GHOST_CHECK):
        assert still_relevant(kind, MONDAY_NOON, MONDAY_NOON + timedelta(days=30))


def test_a_digest_is_worth_two_days_an_offer_reminder_one_and_a_prep_nudge_until_dawn():
    assert still_relevant(DIGEST, MONDAY_NOON, MONDAY_NOON + timedelta(days=2))
    assert not still_relevant(DIGEST, MONDAY_NOON, MONDAY_NOON + timedelta(days=7))
    assert still_relevant(OFFER_DEADLINE, MONDAY_NOON, MONDAY_NOON + timedelta(hours=23))
    assert not still_relevant(OFFER_DEADLINE, MONDAY_NOON, MONDAY_NOON + timedelta(hours=25))
    prep_due = at("2026-11-25", 9)
    assert still_relevant(PREP, prep_due, at("2026-11-26", 5))
    assert not still_relevant(PREP, prep_due, at("2026-11-26", 6))


def test_a_nudge_due_in_quiet_hours_is_held_until_they_end():
    assert seen(deferred_for_quiet_or_cap(at("2026-11-23", 22, 30), prefs(), 0)) == \
        "Tue 24 Nov 08:00"  # type: ignore[arg-type]


def test_after_three_nudge_messages_today_the_next_waits_for_tomorrows_nudge_hour():
    assert deferred_for_quiet_or_cap(at("2026-11-23", 14), prefs(), 2) is None
    assert seen(deferred_for_quiet_or_cap(at("2026-11-23", 14), prefs(), 3)) == \
        "Tue 24 Nov 09:00"  # type: ignore[arg-type]


def test_the_day_of_the_daily_cap_is_the_users_own_day_in_kolkata():
    start, end = local_day_bounds(datetime(2026, 11, 23, 20, 0, tzinfo=UTC), prefs(tz=KOLKATA))
    # 20:00 UTC is already Tuesday 01:30 in Kolkata
    assert (start, end) == (datetime(2026, 11, 23, 18, 30, tzinfo=UTC),
                            datetime(2026, 11, 24, 18, 30, tzinfo=UTC))
