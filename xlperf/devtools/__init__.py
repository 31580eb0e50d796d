"""Developer tools used by the tests and the benchmark (not needed by the product)."""
