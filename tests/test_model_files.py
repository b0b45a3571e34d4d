"""Model files are checked against the network they must hold before Keras reads them:
their parts and sizes, the layers their configuration names, and the shape and kind of each
array of weights. A file that is anything else is refused with a clear message, within
bounded memory, leaving nothing behind; the course's own files (lesson 4's, lesson 7's and
lesson 8's networks) still load."""

from __future__ import annotations

import ast
import io
import json
import re
import struct
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from course_utils import models
from course_utils.project import PROJECT_ROOT

import h5py
import keras
import numpy as np
import pytest

#: What loading a refused file may allocate (tracemalloc's peak); the bad files declare
#: 100 MB to 2 GiB.
MEMORY_BOUND = 32 * 2**20


# ---- the course's networks, as the lessons themselves build them --------------------------


def lesson_functions(lesson: str, names: set[str], namespace: dict) -> dict:
    """The functions ``names`` defined in the code cells of ``notebooks/<lesson>.md``."""
    text = (PROJECT_ROOT / "notebooks" / f"{lesson}.md").read_text()
    found = []
    for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.DOTALL):
        if cell.startswith("---\n"):
            cell = cell.split("---\n", 2)[2]
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        found += [node for node in tree.body if getattr(node, "name", None) in names]
    assert {node.name for node in found} == names, f"{lesson} no longer defines {names}"
    exec(compile(ast.Module(found, type_ignores=[]), lesson, "exec"), namespace)  # noqa: S102
    return namespace


def lesson_7_network() -> keras.Sequential:
    """Lesson 7's stronger network, built by lesson 7's own ``build_network()``."""
    names = {"conv_block", "build_network"}
    namespace = {"keras": keras, "layers": keras.layers}
    return lesson_functions("07_going_further", names, namespace)["build_network"]()


def lesson_8_cousin() -> keras.Sequential:
    """Lesson 8's quicker cousin, built by lesson 8's own ``augmented_seed_network()``."""
    namespace = {"keras": keras, "layers": keras.layers, "models": models, "seed": 7}
    return lesson_functions("08_your_handwriting", {"augmented_seed_network"}, namespace)[
        "augmented_seed_network"
    ]()


def saved(model: keras.Model, path: Path, compiled: bool = True) -> Path:
    """``model`` saved at ``path`` as a lesson leaves it: compiled, with the optimizer's
    arrays (built, not trained: the tests train nothing)."""
    if compiled:
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.optimizer.build(model.trainable_variables)
    model.save(path)
    return path


# ---- making bad files ----------------------------------------------------------------------


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def with_weights(source: Path, target: Path, change: Callable[[h5py.File], None]) -> Path:
    """A copy of the .keras file ``source`` whose model.weights.h5 ``change`` edits."""
    parts = parts_of(source)
    buffer = io.BytesIO(parts["model.weights.h5"])
    with h5py.File(buffer, "r+") as weights:
        change(weights)
    parts["model.weights.h5"] = buffer.getvalue()
    return write_parts(target, parts)


def with_config(source: Path, target: Path, change: Callable[[dict], None]) -> Path:
    """A copy of the .keras file ``source`` whose config.json ``change`` edits."""
    parts = parts_of(source)
    config = json.loads(parts["config.json"])
    change(config)
    parts["config.json"] = json.dumps(config).encode()
    return write_parts(target, parts)


DENSE_KERNEL = "layers/dense/vars/0"  # the seed network's 800 x 128 kernel


def declare_a_huge_array(weights: h5py.File) -> None:
    """1 GiB declared, nothing stored (chunked, never written): reading it makes 1 GiB."""
    del weights[DENSE_KERNEL]
    weights.create_dataset(DENSE_KERNEL, shape=(16_384, 16_384), dtype="f4", chunks=(512, 512))


def virtual_kernel(source: Path) -> Callable[[h5py.File], None]:
    """The kernel as a virtual dataset: its values read from the HDF5 file ``source``."""

    def change(weights: h5py.File) -> None:
        with h5py.File(source, "w") as other:
            other["data"] = np.full((800, 128), 7, "f4")
        layout = h5py.VirtualLayout(shape=(800, 128), dtype="f4")
        layout[:] = h5py.VirtualSource(str(source), "data", shape=(800, 128))
        del weights[DENSE_KERNEL]
        weights.create_virtual_dataset(DENSE_KERNEL, layout)

    return change


def external_kernel(source: Path) -> Callable[[h5py.File], None]:
    """The kernel stored outside the HDF5 file, in the raw file ``source``."""

    def change(weights: h5py.File) -> None:
        source.write_bytes(np.full((800, 128), 7, "f4").tobytes())
        del weights[DENSE_KERNEL]
        weights.create_dataset(
            DENSE_KERNEL, shape=(800, 128), dtype="f4", external=[(str(source), 0, 800 * 128 * 4)]
        )

    return change


def many_assets(source: Path, target: Path, count: int = 120) -> Path:
    """``count`` asset members of 1 MB of zeros each (a kilobyte each, packed), which
    Keras unpacks into the temporary folder."""
    parts = parts_of(source)
    parts |= {f"assets/{index:04d}.bin": bytes(2**20) for index in range(count)}
    return write_parts(target, parts, zipfile.ZIP_DEFLATED)


def padded_config(
    source: Path, target: Path, size: int, compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    """config.json padded with ``size`` spaces (still valid JSON), packed to almost nothing
    unless told otherwise."""
    parts = parts_of(source)
    parts["config.json"] += b" " * size
    return write_parts(target, parts, compression)


def understated(path: Path, member: str, size: int) -> Path:
    """The .keras file at ``path`` with the central directory's record of ``member``
    claiming it unpacks to ``size`` bytes (a zip that lies about its sizes)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    start = 0
    while True:  # the central directory's records, each "PK\1\2", its name at byte 46
        start = data.index(b"PK\x01\x02", start)
        length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + length] == name:
            struct.pack_into("<I", data, start + 24, size)  # the uncompressed size
            break
        start += 4
    path.write_bytes(bytes(data))
    return path


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return saved(models.build_seed_cnn(), tmp_path_factory.mktemp("seed") / "seed.keras")


@pytest.fixture
def tmpdir_watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh temporary folder for everything this test (Keras included) writes there;
    it must be empty again at the end."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert sorted(folder.rglob("*")) == [], "loading left files in the temporary folder"


def refused(path: Path, match: str, **expected: object) -> models.ModelFileError:
    """Load ``path``; it must be refused with a message matching ``match``, with a peak of
    traced memory under MEMORY_BOUND."""
    tracemalloc.start()
    try:
        with pytest.raises(models.ModelFileError, match=match) as caught:
            models.load_saved_model(path, **expected)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"refusing {path.name} took {peak / 2**20:.0f} MiB"
    return caught.value


# ---- the course's files load -------------------------------------------------------------------


def test_the_courses_own_files_load(tmp_path: Path, tmpdir_watched: Path) -> None:
    """Lesson 4's network (compiled or not), lesson 7's and lesson 8's cousin (built by the
    lessons' own code) load, and leave nothing in the temporary folder; each is refused
    where the others are expected."""
    seed = saved(models.build_seed_cnn(), tmp_path / "seed.keras")
    assert models.load_saved_model(seed).count_params() == models.SEED_PARAMETER_COUNT
    untrained = saved(models.build_seed_cnn(), tmp_path / "untrained.keras", compiled=False)
    assert models.load_saved_model(untrained).count_params() == models.SEED_PARAMETER_COUNT
    stronger = saved(lesson_7_network(), tmp_path / "stronger.keras")
    cousin = saved(lesson_8_cousin(), tmp_path / "cousin.keras")
    for path in (stronger, cousin):
        loaded = models.load_saved_model(path, expected=models.STRONGER_NETWORKS)
        assert loaded.output_shape == (None, 10)
    assert models.load_saved_model(stronger, expected=models.STRONGER_NETWORK).count_params() == (
        lesson_7_network().count_params()
    )
    with pytest.raises(models.ModelFileError, match="does not hold lesson 4's seed network"):
        models.load_saved_model(stronger)
    with pytest.raises(models.ModelFileError, match="does not hold lesson 7's stronger network"):
        models.load_saved_model(seed, expected=models.STRONGER_NETWORKS)


def test_the_reference_networks_are_the_lessons(tmp_path: Path) -> None:
    """models.build_stronger_network and build_augmented_seed_network repeat lessons 7 and
    8: a file saved from the lesson's function is accepted as the course's, and the other way
    round (so a change to a lesson's network that is not made here fails this test)."""
    for build, network in [
        (lesson_7_network, models.STRONGER_NETWORK),
        (lesson_8_cousin, models.AUGMENTED_SEED_NETWORK),
    ]:
        from_lesson = saved(build(), tmp_path / "lesson.keras", compiled=False)
        models.load_saved_model(from_lesson, expected=network)
        mirrored = models.Network("the lesson's network", build)
        from_course = saved(network.build(), tmp_path / "course.keras", compiled=False)
        models.load_saved_model(from_course, expected=mirrored)


def test_a_loaded_file_is_what_was_checked(tmp_path: Path, seed_file: Path) -> None:
    """Keras reads a copy of exactly the checked parts; with no temporary folder to write it
    in, the file itself (checked a moment before)."""
    reference = keras.models.load_model(seed_file)
    loaded = models.load_saved_model(seed_file)
    for mine, theirs in zip(loaded.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
        assert models.load_saved_model(seed_file).count_params() == models.SEED_PARAMETER_COUNT


# ---- the architecture, not only the shapes ------------------------------------------------------


def test_a_network_of_other_layers_with_the_right_shapes_is_refused(
    tmp_path: Path, tmpdir_watched: Path
) -> None:
    """A Flatten-Dense network takes 28 x 28 x 1 images and gives 10 outputs, but it is not
    lesson 4's network: lesson 6 would break on it."""
    flat = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")]
    )
    path = saved(flat, tmp_path / "flat.keras")
    refused(
        path,
        r"does not hold lesson 4's seed network: its layers are InputLayer, Flatten, Dense, "
        r"where lesson 4's seed network's are InputLayer, Conv2D, MaxPooling2D, ",
    )


def test_a_layer_with_other_settings_is_refused(tmp_path: Path, seed_file: Path) -> None:
    def wider(config: dict) -> None:
        config["config"]["layers"][1]["config"]["kernel_size"] = [5, 5]

    def stranger(config: dict) -> None:
        config["config"]["layers"][7]["config"]["lora_rank"] = 4096

    def bigger(config: dict) -> None:  # Keras would build a 2 GiB kernel before any weight
        config["config"]["layers"][7]["build_config"] = {"input_shape": [None, 4_000_000]}

    seed = "lesson 4's seed network"
    for change, message in [
        (wider, rf"layer 2 \(Conv2D\) has kernel_size=\[5, 5\] where {seed} has \[3, 3\]"),
        (stranger, rf"layer 8 \(Dense\) has a setting 'lora_rank' that {seed} does not have"),
        (bigger, r"layer 8 \(Dense\) has build_config=\{\"input_shape\": \[null, 4000000\]\}"),
    ]:  # fmt: skip
        refused(with_config(seed_file, tmp_path / "changed.keras", change), message)


# ---- bounded before read ----------------------------------------------------------------------


def test_a_weights_file_declaring_a_huge_array_is_refused_unread(
    tmp_path: Path, seed_file: Path, tmpdir_watched: Path
) -> None:
    path = with_weights(seed_file, tmp_path / "huge.keras", declare_a_huge_array)
    assert path.stat().st_size < 2 * 2**20  # 1 GiB declared in under 2 MB
    refused(
        path,
        r"weights do not fit lesson 4's seed network: they hold an array of shape "
        r"\(16384, 16384\) that the network has no place for",
    )


def replaced(name: str, data: np.ndarray) -> Callable[[h5py.File], None]:
    def change(weights: h5py.File) -> None:
        del weights[name]
        weights[name] = data

    return change


def added(name: str, **dataset: object) -> Callable[[h5py.File], None]:
    def change(weights: h5py.File) -> None:
        weights.create_dataset(name, **dataset)

    return change


def linked(name: str, link: object) -> Callable[[h5py.File], None]:
    def change(weights: h5py.File) -> None:
        weights[name] = link

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (replaced(DENSE_KERNEL, np.zeros((800, 128), "f8")), None),
        (added("layers/dense/vars/2", shape=(800, 128), dtype="S100000"),
         r"'layers/dense/vars/2', which is not an array of numbers \(\|S100000\)"),
        (added("optimizer/vars/99", shape=(4096, 4096), dtype="f4"),
         r"an array 'optimizer/vars/99' of shape \(4096, 4096\), which fits none of"),
        (added("layers/dense/vars/3", data=np.zeros(10, "f4"), compression="gzip"),
         r"'layers/dense/vars/3', a compressed or filtered array"),
        (linked("layers/dense/vars/4", h5py.SoftLink("/layers/dense/vars/1")),
         r"link 'layers/dense/vars/4' to another place \(SoftLink\)"),
        (linked("layers/dense/vars/4", h5py.ExternalLink("/etc/hosts", "/x")),
         r"link 'layers/dense/vars/4' to another place \(ExternalLink\)"),
    ],
    ids=["float64 kernel", "text", "optimizer array", "compressed",
         "soft link", "external link"],
)  # fmt: skip
def test_weights_of_another_kind_are_refused(
    tmp_path: Path, seed_file: Path, change: Callable, message: str | None
) -> None:
    """Arrays must be plain numbers, in the file itself, of the network's shapes (an array of
    8-byte floats of the right shape is fine: Keras converts it)."""
    path = with_weights(seed_file, tmp_path / "changed.keras", change)
    if message is None:
        assert models.load_saved_model(path).count_params() == models.SEED_PARAMETER_COUNT
    else:
        refused(path, message)


def test_a_virtual_or_external_array_is_refused(
    tmp_path: Path, seed_file: Path, tmpdir_watched: Path
) -> None:
    """CVE-2026-12480: Keras 3.12.1, 3.13.2 and 3.14.0 follow a virtual dataset into another
    file; the course's loader refuses one, and one stored outside the file, on every Keras."""
    virtual = with_weights(seed_file, tmp_path / "v.keras", virtual_kernel(tmp_path / "s.h5"))
    refused(virtual, r"'layers/dense/vars/0', a virtual array, which reads its values from other")
    external = with_weights(seed_file, tmp_path / "e.keras", external_kernel(tmp_path / "s.bin"))
    refused(external, r"'layers/dense/vars/0', an array stored in another file")


def test_a_huge_config_is_refused_unread(
    tmp_path: Path, seed_file: Path, tmpdir_watched: Path
) -> None:
    path = padded_config(seed_file, tmp_path / "padded.keras", 100 * 2**20)
    assert path.stat().st_size < 2 * 2**20  # 100 MB of config.json packed in under 2 MB
    refused(path, r"its config.json declares 104,\d{3},\d{3} bytes, more than a saved lesson 4's")
    lying = understated(path, "config.json", 7_000)  # it claims 7 kB: reading stops there
    refused(lying, r"could not be read: it is damaged \(BadZipFile: Bad CRC-32")
    fat = padded_config(seed_file, tmp_path / "fat.keras", 4 * 2**20, zipfile.ZIP_STORED)
    refused(fat, r"is 5,\d{3},\d{3} bytes, more than a saved lesson 4's seed network can be")


def test_a_packed_bomb_in_the_weights_is_refused_unread(
    tmp_path: Path, seed_file: Path, tmpdir_watched: Path
) -> None:
    parts = parts_of(seed_file)
    parts["model.weights.h5"] += bytes(100 * 2**20)  # 100 MB of zeros after the HDF5 file
    path = write_parts(tmp_path / "bomb.keras", parts, zipfile.ZIP_DEFLATED)
    refused(path, r"its model.weights.h5 declares 106,\d{3},\d{3} bytes, more than a saved")
    refused(understated(path, "model.weights.h5", 1_000_000), r"it is damaged \(BadZipFile")


def test_a_file_with_asset_members_is_refused_before_anything_is_unpacked(
    tmp_path: Path, seed_file: Path, tmpdir_watched: Path
) -> None:
    path = many_assets(seed_file, tmp_path / "assets.keras")
    refused(
        path,
        r"holds 120 part\(s\) that no model the course saves has \(such as 'assets/0000.bin'\)",
    )


def test_a_file_of_other_parts_is_refused(tmp_path: Path, seed_file: Path) -> None:
    parts = parts_of(seed_file)
    del parts["model.weights.h5"]
    refused(write_parts(tmp_path / "a.keras", parts), "has no model.weights.h5")
    parts = parts_of(seed_file)
    with zipfile.ZipFile(tmp_path / "twice.keras", "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("config.json", parts["config.json"])
    refused(tmp_path / "twice.keras", "holds a part twice")
    parts["config.json"] = b"[" * 30_000 + b"]" * 30_000
    refused(
        write_parts(tmp_path / "deep.keras", parts), r"config.json is not a network's description"
    )
