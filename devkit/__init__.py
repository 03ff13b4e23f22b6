"""Local-only tools: the embedded AWS, the demo and the benchmark. Never deployed,
never imported by chalicelib."""
