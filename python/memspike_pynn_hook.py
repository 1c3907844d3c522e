"""
memspike_pynn_hook: makes `import pyNN.memspike` find the pynn_memspike
package installed beside this file.  Debian's pyNN is a regular package
in /usr/lib/python3/dist-packages, so a backend installed elsewhere
cannot be a directory inside it; this finder, installed into sys.meta_path
by memspike_pynn.pth at start-up (a few microseconds: it imports nothing
heavy), answers for "pyNN.memspike" only and leaves every other import
alone.  Source tree: `import memspike_pynn_hook` with python/ on sys.path.
"""
import importlib.abc
import importlib.util
import os
import sys

_PKG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pynn_memspike")


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pyNN.memspike":
            return None
        return importlib.util.spec_from_file_location(
            fullname, os.path.join(_PKG, "__init__.py"), submodule_search_locations=[_PKG])


def install():
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


install()
