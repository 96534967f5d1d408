"""Demo data that ``dondoc dev`` loads on first start (a package so wheels carry it)."""
