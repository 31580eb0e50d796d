"""The engine: expressions, rule kinds and scoring evaluated over declared frameworks."""
