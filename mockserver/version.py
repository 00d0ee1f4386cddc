"""The package's one version: pyproject.toml reads it (a dynamic version), and so do
`presence-mock --version`, serve's first lines and `mockserver.__version__`."""

__version__ = "0.1.0"
