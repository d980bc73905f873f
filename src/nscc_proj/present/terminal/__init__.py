"""The terminal's views: rich tables laid out for the terminal's width (``render``), the
analysis views (``analysis``) and the uncertainty views (``uncertainty``)."""
