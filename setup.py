"""Build of the one compiled part: the CSV field extractor (frenchtech.sources._csvscan).

Everything else is declared in pyproject.toml. Without a C compiler the build goes on and the
audit reads CSV files with DuckDB's own reader instead (slower on national-scale files).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("frenchtech.sources._csvscan", ["src/frenchtech/sources/_csvscan.c"],
                             extra_compile_args=["-O3"], optional=True)])
