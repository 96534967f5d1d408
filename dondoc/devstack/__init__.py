"""The embedded stack of ``dondoc dev`` and ``dondoc simulate``: Temporal's dev and test
servers as child processes, an SMTP sink, demo data."""
