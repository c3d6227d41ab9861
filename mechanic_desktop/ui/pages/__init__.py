"""One page per area of the main window: a searchable, lazily paged table."""
