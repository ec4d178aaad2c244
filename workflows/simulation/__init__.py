"""A simulated year through the real use cases, its figures, and the demo kabupaten it starts from."""
