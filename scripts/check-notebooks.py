#!/usr/bin/env python3
"""Execute every notebook in Notebooks/ headless (nbclient) against a given obligor binary; fail on any cell error.

    python3 scripts/check-notebooks.py [path/to/obligor]

Skips with a visible message, and exit status 0, when the packages of Notebooks/requirements.txt are missing or a
Jupyter kernel cannot start; once a trivial notebook runs, any cell error in a real one fails.
"""
import glob, importlib.util, os, sys, time

root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
binary = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(root, ".build/debug/obligor")
missing = [m for m in ["nbclient", "nbformat", "ipykernel", "numpy", "pandas", "matplotlib"] if importlib.util.find_spec(m) is None]
if missing:
    print(f"notebooks: SKIPPED (python packages missing: {', '.join(missing)}; pip install -r Notebooks/requirements.txt)")
    sys.exit(0)
if not os.access(binary, os.X_OK):
    print(f"notebooks: FAILED: no obligor binary at {binary}")
    sys.exit(1)
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

# A Jupyter kernel that cannot start here says nothing about the notebooks: skip visibly. Once a trivial
# notebook runs, every real notebook must run without an error.
try:
    NotebookClient(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), timeout=120,
                   kernel_name="python3").execute()
except Exception as e:  # noqa: BLE001 (kernel start-up failures come in many types)
    print(f"notebooks: SKIPPED (a python3 Jupyter kernel does not start here: {type(e).__name__}: {str(e)[:200]})")
    sys.exit(0)

os.environ["OBLIGOR"] = binary
failed = []
for path in sorted(glob.glob(os.path.join(root, "Notebooks", "*.ipynb"))):
    nb = nbformat.read(path, as_version=4)
    start = time.time()
    try:
        NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": os.path.dirname(path)}}).execute()
        print(f"notebooks: {os.path.basename(path)} ran in {time.time() - start:.0f} s")
    except CellExecutionError as e:
        failed.append(os.path.basename(path))
        print(f"notebooks: {os.path.basename(path)} FAILED:\n{str(e)[:3000]}")
sys.exit(1 if failed else 0)
