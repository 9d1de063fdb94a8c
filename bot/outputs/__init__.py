"""What the records become outside the chat: charts, a calendar (.ics), and export/import."""
