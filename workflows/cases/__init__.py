"""The use cases, one module (or package) per family, named like its API router."""
