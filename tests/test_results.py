"""course_utils.results: figures a lesson reports can be read back from the notebook."""

from __future__ import annotations

from course_utils import results

import nbformat
from IPython.core.interactiveshell import InteractiveShell


def test_reported_figures_survive_a_round_trip_through_a_notebook(monkeypatch) -> None:
    shell = InteractiveShell.instance()
    captured = []
    monkeypatch.setattr(
        shell.display_pub, "publish", lambda data, metadata=None, **kw: captured.append(data)
    )
    try:
        results.report(test_accuracy=0.99123, parameters=113386)
    finally:
        InteractiveShell.clear_instance()
    (data,) = captured
    assert data == {
        "text/plain": "",
        results.MIME_TYPE: {"test_accuracy": 0.99123, "parameters": 113386},
    }

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("report(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
    notebook.cells = [nbformat.v4.new_code_cell("print(1)"), cell]
    nbformat.validate(notebook)
    reread = nbformat.reads(nbformat.writes(notebook), as_version=4)
    assert results.read_results(reread) == {"test_accuracy": 0.99123, "parameters": 113386}


def test_a_notebook_without_reports_has_no_figures() -> None:
    assert results.read_results(nbformat.v4.new_notebook()) == {}
