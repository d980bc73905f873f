"""Everything a reader sees: terminal tables, CSV/JSON, charts, the workbook and the report."""
