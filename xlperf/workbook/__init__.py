"""Workbook I/O: the only package that imports openpyxl."""
