"""Editor dialogs. Each saves through the DB worker and keeps what was typed on errors."""
