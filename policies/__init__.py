"""Policy as validated, frozen data (YAML → pydantic) and the pure rules that read it."""
