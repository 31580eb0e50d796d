"""Excel add-in: the UDF logic and the 一键校验 button (xlwings)."""
