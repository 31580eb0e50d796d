"""Reading submitted (hostile) xlsx files: pre-check, zip+XML reader, typed cell values."""
