"""Build step of the Python package (pyproject.toml holds the metadata).

The SQLite extension is not a Python extension module: it is built by the
project's Makefile, with the same flags as `make` (-O3, -lopenblas -lm
-lpthread), into build/ (RECSQL_BUILD_DIR), and copied into the package as recsql/recsql.so.
The wheel is marked platform-specific since it carries that binary.
"""
import os
import re
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(ROOT, "ext", "recsql.h"), encoding="utf-8") as f:
        return re.search(r'#define RECSQL_VERSION "([^"]+)"', f.read()).group(1)


class BuildWithMake(build_py):
    """build_py, then `make` the extension and put it next to the Python files."""

    def run(self):
        super().run()
        build = os.environ.get("RECSQL_BUILD_DIR", "build")
        jobs = os.environ.get("RECSQL_MAKE_JOBS", str(min(os.cpu_count() or 1, 8)))
        subprocess.check_call(["make", "-j" + jobs, "BUILD=" + build, build + "/recsql.so"], cwd=ROOT)
        target = os.path.join(self.build_lib, "recsql")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, build, "recsql.so"), os.path.join(target, "recsql.so"))


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(version=version(), cmdclass={"build_py": BuildWithMake}, distclass=BinaryDistribution)
