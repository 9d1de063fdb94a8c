"""Storage on SQLite and PostgreSQL: the schema appears on first use, upgrades are idempotent,
and every query is scoped by the user's key — two job seekers on one database never see or
change each other's interviews."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.conversation.buttons import ButtonVault, redeem
from bot.messages import Incoming, UserKey
from storage.db import MIGRATIONS, Database
from storage.models import (
    Application,
    Base,
    ConversationState,
    Event,
    Interview,
    Interviewer,
    Nudge,
    User,
)
from storage.repository import Repository, first_delivery
from storage.slack_tables import SLACK_METADATA
from tests.story import Seeker, debrief, make_engine, onboard

MONDAY_1130 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parent.parent
JANE = UserKey("console", "local", "jane")
BOB = UserKey("console", "local", "bob")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "afterview.db"
    Database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def database(any_db_url: str, migrated: Path) -> Iterator[Database]:
    """The database at `any_db_url`, migrated (on SQLite: a copy of a file migrated once)."""
    if any_db_url.startswith("sqlite:///"):
        shutil.copyfile(migrated, any_db_url[len("sqlite:///"):])
    db = Database(any_db_url)
    yield db
    db.dispose()


@contextmanager
def as_user(database: Database, key: UserKey) -> Iterator[Repository]:
    with database.session() as session:
        repo = Repository.for_key(session, key.platform, key.workspace, key.user_id)
        assert repo is not None
        yield repo


def record_interview(database: Database, key: UserKey, company: str = "Acme Corp",
                     people: tuple[str, ...] = ("Priya Raman",)) -> tuple[int, int, list[int]]:
    """Store an application, an interview and its interviewers directly; return their ids."""
    with as_user(database, key) as repo:
        app = repo.add_application(company, "Data Analyst", MONDAY_1130)
        interview = repo.add_interview(app, round="first", format="video",
                                       starts_at=MONDAY_1130 - timedelta(minutes=30),
                                       recorded_at=MONDAY_1130, rating=4)
        ids = [repo.add_interviewer(interview, n, name=name).id for n, name in enumerate(people)]
        repo.log("interview", MONDAY_1130, app, interview_id=interview.id)
        return app.id, interview.id, ids


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# ---- the schema ----------------------------------------------------------------------------------

def test_the_schema_is_created_on_first_use(any_db_url: str) -> None:
    database = Database(any_db_url)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert {"users", "applications", "interviews", "interviewers", "conversation_states",
                "events", "nudges", "alembic_version"} <= tables
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()


def test_without_upgrade_nothing_is_created(any_db_url: str) -> None:
    database = Database(any_db_url, upgrade=False)
    try:
        assert "users" not in inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def test_the_migrations_build_exactly_the_schema_of_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection),
                                       [Base.metadata, SLACK_METADATA])  # type: ignore[arg-type]

    assert differences == []


def test_opening_the_database_again_keeps_the_data_and_the_revision(any_db_url: str) -> None:
    first = Database(any_db_url)
    record_interview(first, JANE)
    first.dispose()

    second = Database(any_db_url)
    second.upgrade()
    try:
        with as_user(second, JANE) as repo:
            assert [a.company for a in repo.applications()] == ["Acme Corp"]
        assert current_revision(second) == head_revision()
    finally:
        second.dispose()


def _db_upgrade(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "afterview", "db", "upgrade", "--db", url],
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)


def test_afterview_db_upgrade_creates_the_schema(sqlite_url: str) -> None:
    done = _db_upgrade(sqlite_url)

    assert done.returncode == 0, done.stderr
    assert "database is up to date" in done.stdout
    database = Database(sqlite_url, upgrade=False)
    try:
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()


def test_afterview_db_upgrade_on_an_up_to_date_database_changes_nothing(
    database: Database, any_db_url: str,
) -> None:
    record_interview(database, JANE)

    done = _db_upgrade(any_db_url)

    assert done.returncode == 0, done.stderr
    assert current_revision(database) == head_revision()
    with as_user(database, JANE) as repo:
        assert len(repo.interviews()) == 1


# ---- two users, one database ---------------------------------------------------------------------

def test_two_job_seekers_on_one_database_never_see_each_others_pipeline(any_db_url: str) -> None:
    engine, _clock, database = make_engine(any_db_url, MONDAY_1130)
    jane, bob = Seeker(engine, user_id="jane"), Seeker(engine, user_id="bob")
    try:
        onboard(jane)
        debrief(jane, company="Acme Corp", people=("Priya Raman",))
        onboard(bob)
        bob.runs("status")
        assert "Your pipeline is empty." in bob.last

        debrief(bob, company="Acme Corp", people=("Tom O'Neil",))
        with as_user(database, JANE) as repo:
            (interview,) = repo.interviews()
            assert [p.name for p in repo.interviewers(interview)] == ["Priya Raman"]
        with as_user(database, BOB) as repo:
            (interview,) = repo.interviews()
            assert [p.name for p in repo.interviewers(interview)] == ["Tom O'Neil"]
    finally:
        database.dispose()


def test_one_users_debrief_in_progress_is_untouched_by_another_user(any_db_url: str) -> None:
    engine, _clock, database = make_engine(any_db_url, MONDAY_1130)
    jane, bob = Seeker(engine, user_id="jane"), Seeker(engine, user_id="bob")
    try:
        onboard(jane)
        onboard(bob)
        jane.runs("debrief")
        jane.answers("Acme Corp", "Data Analyst")
        bob.runs("debrief")
        bob.answers("Globex", "Engineer", "cancel")

        jane.says("today 11am")
        assert "Which round was it?" in jane.last
        with as_user(database, JANE) as repo:
            state = repo.conversation()
            assert state is not None and state.slots["company"] == "Acme Corp"
    finally:
        database.dispose()


def test_the_same_user_id_on_another_platform_or_workspace_is_another_person(
    database: Database,
) -> None:
    record_interview(database, UserKey("slack", "T1", "U42"))

    for other in (UserKey("telegram", "", "U42"), UserKey("slack", "T2", "U42"),
                  UserKey("console", "local", "U42")):
        with as_user(database, other) as repo:
            assert (repo.applications(), repo.interviews()) == ([], []), other


def test_repository_get_refuses_the_row_ids_of_another_user(database: Database) -> None:
    app_id, interview_id, (person_id,) = record_interview(database, JANE)
    with as_user(database, JANE) as repo:
        nudge = Nudge(user_id=repo.user.id, application_id=app_id, kind="thank_you", key="k",
                      due_at=MONDAY_1130)
        repo.session.add(nudge)
        repo.save_conversation("debrief", "role", {"company": "Acme"}, [], MONDAY_1130)
        repo.session.flush()
        ids: dict[type[Base], int] = {
            Application: app_id, Interview: interview_id, Interviewer: person_id,
            Event: repo.events()[0].id, Nudge: nudge.id, User: repo.user.id,
            ConversationState: repo.user.id,
        }
        assert [m.__name__ for m, i in ids.items() if repo.get(m, i) is None] == []  # her own

    with as_user(database, BOB) as repo:
        leaked = [model.__name__ for model, row_id in ids.items()
                  if repo.get(model, row_id) is not None]
    assert leaked == []


def test_repository_get_of_a_missing_or_empty_id_is_none(database: Database) -> None:
    with as_user(database, JANE) as repo:
        assert repo.get(Application, None) is None
        assert repo.get(Application, 987654) is None


def test_nobody_can_add_an_interview_to_another_users_application(database: Database) -> None:
    app_id, interview_id, _ = record_interview(database, JANE)

    with as_user(database, JANE) as jane_repo:
        app = jane_repo.application(app_id)
        interview = jane_repo.get(Interview, interview_id)
    assert app is not None and interview is not None
    with as_user(database, BOB) as bob_repo:
        with pytest.raises(PermissionError):
            bob_repo.add_interview(app, starts_at=MONDAY_1130)
        with pytest.raises(PermissionError):
            bob_repo.add_interviewer(interview, 5, name="Mallory")


def test_counts_and_event_logs_are_per_user(database: Database) -> None:
    record_interview(database, JANE, people=("Priya Raman", "Tom O'Neil"))
    record_interview(database, BOB, company="Globex", people=("Uma Ng",))

    with as_user(database, JANE) as repo:
        assert (repo.count(Application), repo.count(Interviewer), len(repo.events())) == (1, 2, 1)
    with as_user(database, BOB) as repo:
        assert (repo.count(Application), repo.count(Interviewer), len(repo.events())) == (1, 1, 1)


# ---- finding an application by company -----------------------------------------------------------

def test_find_application_tolerates_case_spacing_and_small_typos(database: Database) -> None:
    app_id, _, _ = record_interview(database, JANE, company="Acme Corp")
    record_interview(database, JANE, company="Globex")

    with as_user(database, JANE) as repo:
        missed = [typed for typed in ("Acme Corp", "acme corp", "ACME CORP", "  Acme   Corp ",
                                      "Acme Corp.", "Acme Crop", "Acme Cor", "acmecorp")
                  if getattr(repo.find_application(typed), "id", None) != app_id]
    assert missed == []


def test_find_application_does_not_guess_wildly(database: Database) -> None:
    record_interview(database, JANE, company="Acme Corp")

    with as_user(database, JANE) as repo:
        guessed = [typed for typed in ("Initech", "Acme Holdings International", "Acne Co",
                                       "", "   ", "!!!")
                   if repo.find_application(typed) is not None]
    assert guessed == []


def test_find_application_reads_ampersand_as_and(database: Database) -> None:
    app_id, _, _ = record_interview(database, JANE, company="Procter & Gamble")

    with as_user(database, JANE) as repo:
        found = repo.find_application("procter and gamble")
        assert found is not None and found.id == app_id


def test_find_application_never_finds_another_users_company(database: Database) -> None:
    record_interview(database, JANE, company="Acme Corp")

    with as_user(database, BOB) as repo:
        assert repo.find_application("Acme Corp") is None


def test_find_application_can_skip_closed_applications(database: Database) -> None:
    app_id, _, _ = record_interview(database, JANE, company="Acme Corp")
    with as_user(database, JANE) as repo:
        app = repo.application(app_id)
        assert app is not None
        app.status = "rejected"

    with as_user(database, JANE) as repo:
        assert repo.find_application("Acme Corp", active_only=True) is None
        assert repo.find_application("Acme Corp") is not None


# ---- values survive the round trip ---------------------------------------------------------------

def test_times_are_stored_in_utc_and_come_back_timezone_aware(database: Database) -> None:
    berlin_eleven = datetime(2026, 11, 23, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    with as_user(database, JANE) as repo:
        app = repo.add_application("Siemens", "Engineer", MONDAY_1130)
        repo.add_interview(app, starts_at=berlin_eleven, decision_expected=date(2026, 11, 27))

    with as_user(database, JANE) as repo:
        (interview,) = repo.interviews()
        assert interview.starts_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        assert interview.starts_at.tzinfo is not None
        assert interview.decision_expected == date(2026, 11, 27)


def test_a_naive_time_is_refused_rather_than_guessed(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetimes are not stored"), \
            as_user(database, JANE) as repo:
        app = repo.add_application("Siemens", "Engineer", MONDAY_1130)
        repo.add_interview(app, starts_at=datetime(2026, 11, 23, 11, 0))


def test_names_in_any_script_come_back_exactly(database: Database) -> None:
    names = ("Łukasz Żółć", "Zoë O'Brien-Smith", "محمد العلي", "王小明", "Renée 🚀")
    record_interview(database, JANE, company="Société Générale", people=names)

    with as_user(database, JANE) as repo:
        (interview,) = repo.interviews()
        assert tuple(p.name for p in repo.interviewers(interview)) == names
        assert repo.applications()[0].company == "Société Générale"


def test_conversation_state_round_trips_nested_slots(database: Database) -> None:
    slots = {"company": "Acme", "interviewers": [{"name": "Priya", "email": "p@acme.example"}],
             "current": {"name": "Tom"}, "rating": 4, "decision_assumed": False}
    history = [{"step": "company", "undo": {"company": "__missing__"}}]
    with as_user(database, JANE) as repo:
        repo.save_conversation("debrief", "interviewer_title", slots, history, MONDAY_1130)

    with as_user(database, JANE) as repo:
        state = repo.conversation()
        assert state is not None
        assert (state.flow, state.step, state.slots, state.history, state.updated_at) == (
            "debrief", "interviewer_title", slots, history, MONDAY_1130)


def test_a_conversation_read_in_the_same_transaction_shows_what_was_just_saved(
        database: Database) -> None:
    with as_user(database, JANE) as repo:
        repo.save_conversation("debrief", "company", {}, [], MONDAY_1130)
    with as_user(database, JANE) as repo:
        assert repo.conversation() is not None  # the ORM row, loaded before the save below
        repo.save_conversation("debrief", "role", {"company": "Acme"}, [], MONDAY_1130)
        state = repo.conversation()
        assert state is not None and (state.step, state.slots) == ("role", {"company": "Acme"})
        repo.clear_conversation()
        assert repo.conversation() is None and repo.stored_conversation() is None
        repo.save_conversation("thanks", "pick", {}, [], MONDAY_1130)
    with database.session() as session:
        repo = Repository.for_turn(session, JANE.platform, JANE.workspace, JANE.user_id)
        stored = repo.stored_conversation()
        assert stored is not None and (stored.flow, stored.step) == ("thanks", "pick")


# ---- platform retries and button tokens --------------------------------------------------------

def test_a_platform_update_is_recorded_once_and_its_redelivery_recognised(
        database: Database) -> None:
    with database.session() as session:
        assert first_delivery(session, "telegram", "update:1", MONDAY_1130)
        assert not first_delivery(session, "telegram", "update:1", MONDAY_1130)
        assert first_delivery(session, "slack", "update:1", MONDAY_1130)  # another platform's
    with database.session() as session:
        assert not first_delivery(session, "telegram", "update:1", MONDAY_1130)
        assert first_delivery(session, "telegram", "update:2", MONDAY_1130)


def test_an_update_delivered_twice_is_answered_once(any_db_url: str) -> None:
    engine, _, db = make_engine(any_db_url, MONDAY_1130)
    hello = Incoming.message(JANE, "hello", "Jane", dedup_key="update:7")
    assert engine.handle(hello)
    assert engine.handle(hello) == []
    db.dispose()


def test_button_tokens_issued_in_a_turn_are_the_vaults_and_redeem_to_their_values(
        any_db_url: str) -> None:
    engine, clock, db = make_engine(any_db_url, MONDAY_1130)
    vault = ButtonVault(db, clock)
    for text in ("hello", "Jane Doe", "Jane Doe"):  # a new conversation, then saved ones
        answer = engine.answer(Incoming.message(JANE, text, "Jane"), tokens=True)
        values = [b.value for reply in answer.replies for b in reply.buttons]
        assert answer.tokens is not None and len(answer.tokens) == len(values) > 0
        assert vault.issue(JANE, values) == answer.tokens  # a value keeps its token
        with as_user(database=db, key=JANE) as repo:
            assert [redeem(repo, token) for token in answer.tokens] == values
        with as_user(database=db, key=BOB) as repo:
            assert redeem(repo, answer.tokens[0]) is None  # only Jane's
    db.dispose()
