"""Writing workbooks: the template, cached results, annotated copies and safe cell values."""
