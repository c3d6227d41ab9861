"""``python -m mechanic_desktop`` starts the application."""

from mechanic_desktop.app import main

raise SystemExit(main())
