"""Qt widgets, dialogs and table models. Database work goes through ``operations``."""
