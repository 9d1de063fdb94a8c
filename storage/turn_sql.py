"""The statements of a turn, built once (building one costs more than running it): the user,
their conversation, whether they have applications and whether a letter awaits its pasted
replacement, read in one statement — on PostgreSQL with the platform update recorded by the same
statement — and the conversation saved by the statement that reads the buttons' tokens."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql

from storage.models import (
    Application,
    ButtonToken,
    ConversationState,
    Letter,
    ProcessedUpdate,
    User,
    table_of,
)

CONVERSATIONS = table_of(ConversationState)
PROCESSED = table_of(ProcessedUpdate)
CONVERSATION_COLUMNS = (CONVERSATIONS.c.flow, CONVERSATIONS.c.step, CONVERSATIONS.c.slots,
                         CONVERSATIONS.c.history, CONVERSATIONS.c.updated_at)
USERS = table_of(User)
USER_KEYS = tuple(column.key for column in USERS.c)  # a User's attributes are its columns
THE_USER = and_(USERS.c.platform == bindparam("platform"),
                 USERS.c.workspace == bindparam("workspace"),
                 USERS.c.external_id == bindparam("external_id"))
HAS_APPLICATIONS = exists().where(table_of(Application).c.user_id == USERS.c.id)
LETTERS = table_of(Letter)
AWAITS_LETTER = exists().where(LETTERS.c.user_id == USERS.c.id, LETTERS.c.awaiting != "")
USER_AND_CONVERSATION = (
    select(*USERS.c, *CONVERSATION_COLUMNS, HAS_APPLICATIONS, AWAITS_LETTER)
    .outerjoin(CONVERSATIONS, CONVERSATIONS.c.user_id == USERS.c.id)
    .where(THE_USER)
)
# PostgreSQL: the platform update recorded by the statement that reads the user (one row:
# `first` is 1 when the update is new, then the user and conversation, or NULLs for a new user)
FRESH_UPDATE = (
    postgresql.insert(PROCESSED)
    .values(platform=bindparam("update_platform"), key=bindparam("update_key"),
            at=bindparam("update_at", type_=PROCESSED.c.at.type))
    .on_conflict_do_nothing()
    .returning(PROCESSED.c.key)
    .cte("fresh_update")
)
OUTCOME = select(func.count().label("first")).select_from(FRESH_UPDATE).subquery("outcome")
FIRST_DELIVERY_USER_AND_CONVERSATION = (
    select(OUTCOME.c.first, *USERS.c, *CONVERSATION_COLUMNS, HAS_APPLICATIONS,
           AWAITS_LETTER)
    .select_from(OUTCOME)
    .outerjoin(USERS, THE_USER)
    .outerjoin(CONVERSATIONS, CONVERSATIONS.c.user_id == USERS.c.id)
)
CONVERSATION = select(*CONVERSATION_COLUMNS).where(
    CONVERSATIONS.c.user_id == bindparam("owner"))
TOKENS = table_of(ButtonToken)
TOKENS_OF_VALUES = and_(TOKENS.c.user_id == bindparam("owner"),
                         TOKENS.c.value.in_(bindparam("values", expanding=True)))
KNOWN_TOKENS = select(TOKENS.c.value, TOKENS.c.token).where(TOKENS_OF_VALUES)
NEW_TOKENS = insert(TOKENS)
# PostgreSQL: the conversation saved by the statement that reads the buttons' tokens (at least
# one row: `saved` is 1 when the row was there to update, then a known token a row, if any)
SAVED = (
    update(CONVERSATIONS)
    .where(CONVERSATIONS.c.user_id == bindparam("owner"))
    .values({column: bindparam(f"new_{column.key}", type_=column.type)
             for column in CONVERSATION_COLUMNS})
    .returning(CONVERSATIONS.c.user_id)
    .cte("saved")
)
SAVE_OUTCOME = select(func.count().label("saved")).select_from(SAVED).subquery("outcome")
SAVE_CONVERSATION_READ_TOKENS = (
    select(SAVE_OUTCOME.c.saved, TOKENS.c.value, TOKENS.c.token)
    .select_from(SAVE_OUTCOME)
    .outerjoin(TOKENS, TOKENS_OF_VALUES)
)
UPDATE_CONVERSATION = update(CONVERSATIONS).where(
    CONVERSATIONS.c.user_id == bindparam("owner"))
UPDATE_CONVERSATION_READ_TOKENS = UPDATE_CONVERSATION.returning(select(
    func.json_group_object(TOKENS.c.value, TOKENS.c.token)).where(TOKENS_OF_VALUES)
    .scalar_subquery())
INSERT_CONVERSATION = insert(CONVERSATIONS)
DELETE_CONVERSATION = delete(CONVERSATIONS).where(
    CONVERSATIONS.c.user_id == bindparam("owner"))
