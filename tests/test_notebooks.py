"""The walkthroughs in ``notebooks/``: stored without outputs, and executed.

Each notebook runs top to bottom in a real Jupyter kernel (``ipykernel``) with
small sizes: a cell with the overrides below is inserted right after the cell
tagged ``parameters`` (the papermill convention). The notebooks assert their own
claims, so a broken claim fails here like any other error.

The kernel is the interpreter running pytest: a kernel spec pointing at
``sys.executable`` is written to a temporary directory, so a fresh virtual
environment needs no ``ipykernel install`` step and can never pick up another
environment's ``python3`` kernel.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

#: Small sizes for the test run (each notebook in well under a minute); the
#: defaults in the notebooks are the laptop-sized walkthrough.
TEST_PARAMETERS: dict[str, dict[str, Any]] = {
    "01_bounds_tour": {"n_grid": 20, "max_tau": 16},
    "02_convex_verification": {"n_pairs": 40, "n_steps": 400, "taus": [0, 4, 16]},
    "03_nonconvex_and_delay": {
        "n_pairs": 60,
        "n_steps": 1000,
        "taus": [0, 3, 15],
        "mlp_pairs": 6,
        "mlp_steps": 150,
    },
    "04_adaptive_step_size": {"n_pairs": 40, "n_steps": 500, "taus": [0, 4, 16]},
    "05_property_testing": {"max_examples": 60},
    "06_compare_bounds": {"n_grid": 12, "max_tau": 32, "diameters": [0.5, 1.0, 4.0]},
    "07_delay_question": {"n_pairs": 4, "epochs": 2, "taus": [0, 8]},
    "08_your_model": {"n_samples": 1000, "n_pairs": 4, "n_steps": 80},
}

#: Seconds any one cell may run in the test (the slowest is a simulation sweep).
CELL_TIMEOUT = 300


def _notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _parameters_index(nb: Any) -> int | None:
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return k
    return None


def test_every_notebook_has_test_parameters() -> None:
    names = {p.stem for p in _notebook_paths()}
    assert names == set(TEST_PARAMETERS), names ^ set(TEST_PARAMETERS)


@pytest.mark.parametrize("path", _notebook_paths(), ids=lambda p: p.stem)
def test_stored_without_outputs_and_has_parameters(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs", []) == [], f"{path.name} cell {k} has outputs"
        assert cell.get("execution_count") is None, f"{path.name} cell {k} was run"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    tags = code[0].get("metadata", {}).get("tags", [])
    assert "parameters" in tags, (
        f"{path.name}: first code cell is not tagged 'parameters'"
    )
    params = TEST_PARAMETERS[path.stem]
    source = "".join(code[0]["source"])
    for name in params:
        assert f"{name} =" in source, f"{path.name}: parameter {name!r} not defined"


def _kernel_manager(tmp_path: Path) -> Any:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec_dir = tmp_path / "kernels" / "asyncstab-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "asyncstab test kernel",
        "language": "python",
        "env": {"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    ksm = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    return KernelManager(kernel_name="asyncstab-test", kernel_spec_manager=ksm)


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("path", _notebook_paths(), ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    nb = nbformat.read(path, as_version=4)
    k = _parameters_index(nb)
    assert k is not None, f"{path.name} has no cell tagged 'parameters'"
    lines = [
        f"{name} = {value!r}" for name, value in TEST_PARAMETERS[path.stem].items()
    ]
    injected = nbformat.v4.new_code_cell("\n".join(["# test parameters", *lines]))
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(k + 1, injected)

    error = _execute(nbclient, nb, tmp_path)
    # The kernel client's zmq sockets are closed when garbage-collected: collect
    # them now, inside this test's warning filters, not in a later test.
    gc.collect()
    if error is not None:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)


def _execute(nbclient: Any, nb: Any, tmp_path: Path) -> str | None:
    client = nbclient.NotebookClient(
        nb,
        km=_kernel_manager(tmp_path),
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        return str(err)
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        client.km.cleanup_resources()
    return None
