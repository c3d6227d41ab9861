"""Icons and style sheets, installed as ``mechanic_desktop.resources`` (see pyproject.toml)
and read with importlib.resources, so they load the same from source and frozen builds."""
