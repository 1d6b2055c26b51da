"""nbguard: pre-commit hooks that keep Jupyter notebooks clean, reproducible and safe."""

__version__ = "0.2.0"
