"""What a framework's workbook holds and where: named quantities, layout, the cell and formula of each name."""
