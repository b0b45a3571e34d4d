"""The lessons: pairs in sync, committed clean, and a fast papermill run of the whole course
with assertions on what each lesson produced. (nbval runs them as committed, at full size,
from the notebooks/ folder in the same pytest session.)"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from course_admin import course
from course_admin.pairs import pair_problem
from course_utils import project
from course_utils.backend import DEFAULT_BACKEND_MARK
from course_utils.project import NOTEBOOK_DIR

import jupytext
import nbformat
import papermill
import pytest
from helpers import BACKENDS

pytestmark = pytest.mark.lessons

LESSONS = project.lessons(suffix=".ipynb")
FAST = course.FAST_PARAMETERS


def test_the_lessons_are_numbered_from_01_without_gaps_each_with_a_myst_source() -> None:
    numbers = [int(path.stem[:2]) for path in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1)) and len(LESSONS) >= 9, numbers
    sources = {path.stem for path in NOTEBOOK_DIR.glob("*.md")}
    assert sources == {path.stem for path in NOTEBOOK_DIR.glob("*.ipynb")}


@pytest.mark.parametrize("ipynb", LESSONS, ids=lambda path: path.stem)
def test_pair_is_in_sync(ipynb: Path) -> None:
    assert pair_problem(ipynb.with_suffix(".md")) is None
    assert jupytext.read(ipynb).metadata["jupytext"]["formats"] == "ipynb,md:myst"


@pytest.mark.parametrize("ipynb", LESSONS, ids=lambda path: path.stem)
def test_committed_notebook_is_clean(ipynb: Path) -> None:
    notebook = nbformat.read(ipynb, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{ipynb.name} cell {index} has outputs: clear them"
            assert cell.execution_count is None, f"{ipynb.name} cell {index} has a count"
    assert "!pip" not in ipynb.read_text()


@pytest.mark.parametrize("stem", ["04_train", "05_evaluate", "06_look_inside"])
def test_training_lessons_default_to_the_real_course(stem: str) -> None:
    declared = papermill.inspect_notebook(str(NOTEBOOK_DIR / f"{stem}.ipynb"))
    defaults = {name: declared[name]["default"] for name in ("train_size", "epochs", "seed")}
    assert defaults == {"train_size": "60_000", "epochs": "4", "seed": "42"}


@pytest.fixture(scope="module", params=BACKENDS)
def fast_course(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run every lesson once with small parameters, in a build folder of its own, on one
    Keras backend (the kernels inherit KERAS_BACKEND); every test below runs per backend."""
    backend = request.param
    build = tmp_path_factory.mktemp(f"fast-course-{backend}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_BUILD_DIR", str(build))
        patch.setenv("KERAS_BACKEND", backend)
        patch.delenv(DEFAULT_BACKEND_MARK, raising=False)  # a backend chosen, not defaulted
        print(f"\nThe fast course on Keras's {backend} backend:")
        results = course.run_course(overrides=FAST)
    results["build"] = build
    results["backend"] = backend
    return results


def _lesson(results: dict, stem: str) -> dict:
    (run,) = [run for run in results["lessons"] if run["lesson"] == stem]
    return run


def test_fast_course_runs_every_lesson(fast_course: dict) -> None:
    assert fast_course["passed"], fast_course["lessons"][-1]["error"]
    assert [run["lesson"] for run in fast_course["lessons"]] == [path.stem for path in LESSONS]
    written = json.loads((fast_course["build"] / "course-results.json").read_text())
    assert written["lessons"] == fast_course["lessons"]
    assert written["environment"]["backend"] == fast_course["backend"]
    first = (fast_course["build"] / "course" / LESSONS[0].name).read_text()
    assert f"backend {fast_course['backend']}" in first  # the versions line the lesson printed
    # parameters go only to the lessons that declare them
    assert _lesson(fast_course, "02_prepare_data")["parameters"] == {}
    assert _lesson(fast_course, "04_train")["parameters"] == {"train_size": 2000, "epochs": 1}
    assert _lesson(fast_course, "07_going_further")["parameters"] == {"fast": True}


def test_every_answer_cell_says_not_yet_before_its_solution(fast_course: dict) -> None:
    """Each exercise's answer cell runs its self-check on the placeholder before the solution
    runs: it says "Not yet.", as it does in the student edition, whose cells are the same
    ones in the same order without the solutions (tests/test_lessons.py checks that no later
    cell takes anything from a solution)."""
    checked = 0
    for lesson in LESSONS:
        executed = nbformat.read(fast_course["build"] / "course" / lesson.name, as_version=4)
        for cell in executed.cells:
            if "checks.check_" not in cell.source or "solution" in cell.metadata.get("tags", []):
                continue
            said = [out["data"]["text/plain"] for out in cell.outputs if "data" in out]
            assert len(said) == 1 and said[0].startswith("Not yet."), (lesson.stem, said)
            checked += 1
    assert checked >= 2 * len(LESSONS), checked


def test_no_lesson_kernel_outgrows_the_memory_budget(fast_course: dict) -> None:
    """Each lesson's kernel stays within the budget a hub gives a student (course_admin.
    project.FAST_COURSE_MEMORY_BUDGET_MIB, read from these runs' peaks with room to spare): a
    change that doubles a lesson's memory fails here. Its CPU seconds are measured too."""
    for run in fast_course["lessons"]:
        assert run["peak_memory_mib"] is not None and run["cpu_seconds"] > 0, run
        # what a container's limit charges: part of the resident peak, never all of it
        assert 100 < run["peak_anonymous_mib"] < run["peak_memory_mib"], run
        assert run["peak_memory_mib"] <= project.FAST_COURSE_MEMORY_BUDGET_MIB, (
            f"lesson {run['lesson']}'s kernel peaked at {run['peak_memory_mib']:.0f} MiB, over "
            f"the budget of {project.FAST_COURSE_MEMORY_BUDGET_MIB} MiB"
        )


def test_what_a_student_writes_fits_the_hubs_disk_guarantee(fast_course: dict) -> None:
    """What the course writes (the saved networks and executed lessons, in the build
    folder), with MNIST and the repository a student's copy holds, stays within
    project.STUDENT_WRITES_MIB, the hub's ephemeral-storage guarantee (tests/test_hub.py)."""
    written = sum(path.stat().st_size for path in fast_course["build"].rglob("*") if path.is_file())
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=project.PROJECT_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    repository = sum(
        (project.PROJECT_ROOT / name.decode()).stat().st_size
        for name in tracked
        if name and (project.PROJECT_ROOT / name.decode()).is_file()
    )
    from course_utils.data import FILE_SIZE as mnist  # mnist.npz, byte-exact

    total_mib = (written + repository + mnist) / 2**20
    assert written > 0 and total_mib <= project.STUDENT_WRITES_MIB, total_mib


def test_lessons_1_to_3_report_data_and_model_figures(fast_course: dict) -> None:
    assert _lesson(fast_course, "01_load_mnist")["figures"] == {
        "training_images": 60000,
        "test_images": 10000,
    }
    assert _lesson(fast_course, "02_prepare_data")["figures"] == {
        "x_train_shape": "(60000, 28, 28, 1)",
        "y_train_shape": "(60000, 10)",
        "largest_pixel": 1.0,
    }
    assert _lesson(fast_course, "03_build_cnn")["figures"] == {"parameters": 113_386}


def test_lesson_4_trains_well_above_chance_and_saves_the_model(fast_course: dict) -> None:
    figures = _lesson(fast_course, "04_train")["figures"]
    assert figures["test_accuracy"] > 0.6  # chance is 0.1; 2,000 images, 1 epoch give ~0.8
    assert 0 < figures["test_loss"] < 2.3
    assert (fast_course["build"] / "models" / "mnist_cnn.keras").is_file()


def test_lesson_5_evaluates_the_model_lesson_4_saved(fast_course: dict) -> None:
    trained = _lesson(fast_course, "04_train")["figures"]
    evaluated = _lesson(fast_course, "05_evaluate")["figures"]
    assert evaluated["test_accuracy"] == pytest.approx(trained["test_accuracy"], abs=1e-6)
    notebook = nbformat.read(fast_course["build"] / "course" / "05_evaluate.ipynb", 4)
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert "Loaded the trained model" in printed


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_every_figure_cell_shows_its_figure_once(fast_course: dict, lesson: Path) -> None:
    notebook = nbformat.read(fast_course["build"] / "course" / lesson.name, 4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        images = [output for output in cell.outputs if "image/png" in output.get("data", {})]
        assert len(images) == cell.source.count("plotting.plot_"), cell.source
        errors = [output for output in cell.outputs if output.output_type == "error"]
        assert errors == []


def test_no_tensorflow_start_up_noise_in_any_output(fast_course: dict) -> None:
    for path in sorted((fast_course["build"] / "course").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        outputs = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
        for noise in ("cudart_stub", "oneDNN", "absl::InitializeLog", "cpu_feature_guard"):
            assert noise not in outputs, f"{path.name} shows TensorFlow log noise: {noise}"


def test_a_failing_lesson_stops_the_course_and_names_the_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "01_broken.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(notebook, broken)
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path / "build"))
    results = course.run_course(notebooks=[broken, broken.with_name("02_never.ipynb")])
    assert not results["passed"] and len(results["lessons"]) == 1
    error = results["lessons"][0]["error"]
    assert error == "cell 1 (In [2]) raised ZeroDivisionError: division by zero"
    assert course.main(["--output", str(tmp_path / "again"), "--lessons", str(tmp_path)]) == 1
    assert os.path.exists(tmp_path / "again" / "01_broken.ipynb")


def test_lesson_6_follows_the_first_test_digit(fast_course: dict) -> None:
    figures = _lesson(fast_course, "06_look_inside")["figures"]
    assert figures["followed_digit"] == 7  # the first test image is a 7
    assert figures["predicted_digit"] in range(10) and 0.1 <= figures["confidence"] <= 1


@pytest.mark.newest  # the seeding is the course's code, proven on the newest of each backend
@pytest.mark.parametrize("lesson", ["04_train", "07_going_further"])
def test_same_seed_and_parameters_give_the_same_figures(
    lesson: str, fast_course: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reproducibility within the tolerance CONTRIBUTING.md states: 0.005 in accuracy. Lesson 7
    also draws random numbers for its augmentation, which must follow the seed too."""
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_BACKEND", fast_course["backend"])
    again = course.run_lesson(NOTEBOOK_DIR / f"{lesson}.ipynb", tmp_path, FAST)
    first = _lesson(fast_course, lesson)["figures"]
    assert again.error is None
    assert again.figures["test_accuracy"] == pytest.approx(first["test_accuracy"], abs=0.005)
    assert again.figures["test_loss"] == pytest.approx(first["test_loss"], rel=0.05)
    print(f"two runs of {lesson}:", first["test_accuracy"], again.figures["test_accuracy"])


@pytest.mark.parametrize(
    "parameters, expected",
    [({}, (60_000, 12, 2)), (FAST, (2_000, 1, 1))],
    ids=["real course", "fast for the tests"],
)
def test_lesson_7_runs_fast_only_when_the_tests_ask(parameters: dict, expected: tuple) -> None:
    """Lesson 7's parameters cell, then what papermill writes in, then the cell that sizes
    the lesson's runs from ``fast``: the real lesson unless the fast parameters came in."""
    notebook = nbformat.read(NOTEBOOK_DIR / "07_going_further.ipynb", 4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    (index,) = [i for i, cell in enumerate(code) if "parameters" in cell.metadata.get("tags", [])]
    namespace: dict = {}
    exec(code[index].source, namespace)  # the lesson's own cells, nothing else
    namespace.update(parameters)
    exec(code[index + 1].source, namespace)
    assert (namespace["train_size"], namespace["epochs"], namespace["step_epochs"]) == expected


def test_lesson_7_beats_chance_and_reports_its_figures(fast_course: dict) -> None:
    figures = _lesson(fast_course, "07_going_further")["figures"]
    assert figures["parameters"] == 58_074
    assert figures["test_accuracy"] > 0.3 and figures["training_seconds"] > 0


def test_lesson_8_reads_drawings_and_compares_two_networks(fast_course: dict) -> None:
    run = _lesson(fast_course, "08_your_handwriting")
    figures = run["figures"]
    assert figures["predicted_digit"] == 7  # the pad read test digit 0, a 7, headless
    assert figures["seed_test_accuracy"] > 0.6 and figures["stronger_test_accuracy"] > 0.3
    assert figures["tricky_inputs"] == 8
    assert 0 <= figures["seed_fooled"] <= 8 and 0 <= figures["stronger_fooled"] <= 8


def test_lesson_9_splits_each_batch_over_four_devices_on_jax(fast_course: dict) -> None:
    """On JAX, the appendix trains on 4 virtual CPU devices, each given 16 rows of a batch of
    64, and the model learns; on the other backends it says why it cannot and how to run it,
    and its NumPy half (the gradients averaged by hand) still runs."""
    run = _lesson(fast_course, "09_several_devices")
    figures = run["figures"]
    assert figures["gradient_difference"] < 1e-12
    printed = json.dumps(
        nbformat.read(fast_course["build"] / "course" / "09_several_devices.ipynb", 4).cells
    )
    if fast_course["backend"] != "jax":
        assert figures["ran_distributed"] is False
        assert "distributed cells below are skipped" in printed
        return
    assert figures["ran_distributed"] is True and figures["devices"] == 4
    assert figures["rows_per_device"] == "16 16 16 16"
    assert figures["dense_columns_per_device"] == 64  # model parallelism: 128 columns, 2 ways
    assert figures["test_accuracy"] > 0.5
    assert figures["distributed_step_ms"] > 0 and figures["one_device_step_ms"] > 0
