"""Checking a submitted 绩效自评报告 against its workbook: pure functions over the report's text.

document (paragraphs and tables in order, with their section) → extract (every quoted figure with its
context) → lexicon (workbook names by subject and measure words, built once per framework) → analyze (ties
and typed notes). Only the XP5xx check classes turn notes into findings.
"""
