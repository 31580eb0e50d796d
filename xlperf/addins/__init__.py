"""The desktop add-ins' Python side (Excel via xlwings)."""
