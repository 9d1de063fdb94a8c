"""The reminders: the rules (pure functions of facts and now), planning them as rows, the
scheduler that claims and delivers due rows, and the texts they are sent with."""
