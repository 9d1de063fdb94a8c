"""How well the bot understands people: every line of the labelled table
(tests/data/understanding_table.yaml, written the way job seekers type) is asked of the
understanding; at least 95% must be read right, and not one of the lines that are only hopes,
plans, questions or someone else's news may change anything."""

from __future__ import annotations

from collections import Counter

from tests.understanding_table import changes_something, load, wrong

TABLE = load()


def test_the_table_is_big_enough_to_mean_something() -> None:
    assert len(TABLE.messages) >= 400
    assert len(TABLE.negatives) >= 60
    intents = Counter(row["i"] for row in TABLE.messages)
    for intent in ("rejection", "offer", "later_round", "no_news", "delay", "thanks_sent",
                   "accepted", "declined", "withdrew", "references", "snooze", "stop_reminders",
                   "question_next", "question_status", "question_followup", "debrief",
                   "greeting", "thanks", "bye", "menu", "command", "unknown"):
        assert intents[intent] >= 5, f"only {intents[intent]} lines for {intent}"


def test_at_least_95_percent_of_the_messages_are_understood() -> None:
    misses = [(row, problem) for row in TABLE.messages if (problem := wrong(TABLE, row))]
    share = 1 - len(misses) / len(TABLE.messages)
    confusion = Counter(f"{row['i']} -> {problem}" for row, problem in misses)
    report = "\n".join(f"  {row['t']!r}: expected {row['i']}"
                       f"{' at ' + str(row['c']) if 'c' in row else ''}, got {problem}"
                       for row, problem in misses)
    summary = "\n".join(f"  {count} × {what}" for what, count in confusion.most_common())
    print(f"\n{len(TABLE.messages) - len(misses)} of {len(TABLE.messages)} understood "
          f"({share:.1%}).\n{summary}\n{report}")
    assert share >= 0.95, f"only {share:.1%} understood; confusion:\n{summary}\n{report}"


def test_no_hope_plan_question_or_someone_elses_news_changes_anything() -> None:
    changing = [(row["t"], intent) for row in TABLE.negatives
                if (intent := changes_something(TABLE, row["t"]))]
    assert not changing, "these would change stored facts:\n" + "\n".join(
        f"  {text!r} read as {intent}" for text, intent in changing)
