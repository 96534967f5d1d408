"""The ``dondoc`` command line: typer commands and what they print; no rule of its own."""
