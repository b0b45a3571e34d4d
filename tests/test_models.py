"""course_utils.models: the seed CNN, safe saving, and loading or retraining."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from course_utils import models

import keras
import numpy as np
import pytest


@pytest.fixture(scope="module")
def tiny_training_set() -> tuple[np.ndarray, np.ndarray]:
    """256 random 'images' with one-hot labels: enough to exercise training quickly."""
    rng = np.random.default_rng(0)
    x = rng.random((256, 28, 28, 1), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, 256), 10)
    return x, y


def test_seed_cnn_matches_the_seed_notebook() -> None:
    model = models.build_seed_cnn()
    assert model.count_params() == models.SEED_PARAMETER_COUNT == 113_386
    assert [layer.count_params() for layer in model.layers] == [320, 0, 9248, 0, 0, 0, 102528, 1290]
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Dropout",
        "Flatten",
        "Dense",
        "Dense",
    ]
    assert model.output_shape == (None, 10)


def test_training_rejects_unprepared_data(tiny_training_set) -> None:
    x, y = tiny_training_set
    with pytest.raises(ValueError, match=r"x_train must have shape \(n, 28, 28, 1\)"):
        models.train_seed_cnn(x[..., 0], y, epochs=1)
    with pytest.raises(ValueError, match="y_train must be one-hot"):
        models.train_seed_cnn(x, y.argmax(axis=1), epochs=1)


def test_save_then_load_gives_the_same_predictions(tmp_path: Path, tiny_training_set) -> None:
    model = models.build_seed_cnn()
    path = models.save_model(model, tmp_path / "nested" / "model.keras")
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.keras"]
    loaded = models.load_or_train(*tiny_training_set, path=path)
    x = tiny_training_set[0][:8]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_failed_save_keeps_the_previous_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.keras"
    path.write_bytes(b"previous model")

    def broken_save(self: keras.Model, filepath: Path, **kwargs: object) -> None:
        Path(filepath).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", broken_save)
    with pytest.warns(RuntimeWarning, match="No space left on device"):
        assert models.save_model(models.build_seed_cnn(), path) is None
    assert path.read_bytes() == b"previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


@pytest.mark.parametrize("existing", [None, b"not a keras file"], ids=["missing", "corrupt"])
def test_missing_or_corrupt_model_is_retrained_and_saved(
    tmp_path: Path, tiny_training_set, capsys, existing: bytes | None
) -> None:
    path = tmp_path / "model.keras"
    if existing is not None:
        path.write_bytes(existing)
    model = models.load_or_train(*tiny_training_set, path=path, epochs=1)
    said = capsys.readouterr().out
    assert ("No trained model" if existing is None else "Could not use the saved model") in said
    assert "training" in said and model.count_params() == 113_386
    reloaded = keras.models.load_model(path)
    assert reloaded.count_params() == 113_386


def test_default_path_follows_the_build_folder(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    assert models.trained_model_path() == tmp_path / "models" / "mnist_cnn.keras"


def _rewritten(path: Path, change) -> Path:
    """A copy of the .keras file at ``path`` whose config.json ``change`` edits."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(parts["config.json"])
    change(config)
    parts["config.json"] = json.dumps(config).encode()
    changed = path.with_name("changed.keras")
    with zipfile.ZipFile(changed, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return changed


def _name_a_module_function(config: dict) -> None:  # as in CVE-2025-1550
    config["config"]["layers"][-1]["config"]["activation"] = {
        "module": "os", "class_name": "function", "config": "system", "registered_name": "system"
    }  # fmt: skip


def test_model_files_that_would_run_code_are_refused(tmp_path: Path) -> None:
    """On every Keras the course allows (CI runs the newest and the lowest declared)."""
    lambda_model = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Flatten()]
    )
    lambda_model.save(tmp_path / "lambda.keras")
    with pytest.raises(models.ModelFileError, match="asks to run code when it is loaded"):
        models.load_saved_model(tmp_path / "lambda.keras")
    models.build_seed_cnn().save(tmp_path / "plain.keras")
    assert models.load_saved_model(tmp_path / "plain.keras").output_shape == (None, 10)
    evil = _rewritten(tmp_path / "plain.keras", _name_a_module_function)
    with pytest.raises(models.ModelFileError, match="asks to run code when it is loaded"):
        models.load_saved_model(evil)  # refused before Keras reads it


def test_a_model_of_another_shape_or_a_cut_file_is_refused(tmp_path: Path) -> None:
    flat = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    flat.save(tmp_path / "flat.keras")
    with pytest.raises(models.ModelFileError, match=r"inputs of shape \(784,\) with 10 outputs"):
        models.load_saved_model(tmp_path / "flat.keras")
    whole = (tmp_path / "flat.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(models.ModelFileError, match="not a complete .keras file"):
        models.load_saved_model(tmp_path / "cut.keras")
    with pytest.raises(models.ModelFileError, match="is a folder, not a model file"):
        models.load_saved_model(tmp_path)


def test_a_trained_model_that_cannot_be_saved_is_kept(tmp_path: Path, tiny_training_set) -> None:
    in_the_way = tmp_path / "model.keras"
    in_the_way.mkdir()  # a folder where the file should be
    with pytest.warns(RuntimeWarning, match=r"could not be saved to .*model.keras.*It is kept"):
        model = models.load_or_train(*tiny_training_set, path=in_the_way, epochs=1)
    assert model.count_params() == models.SEED_PARAMETER_COUNT
    assert list(in_the_way.iterdir()) == [] and list(tmp_path.iterdir()) == [in_the_way]
    blocked = tmp_path / "a file" / "model.keras"  # its folder cannot be made
    (tmp_path / "a file").write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="could not be saved"):
        assert models.save_model(model, blocked) is None


def test_a_diverged_model_is_neither_saved_nor_loaded(tmp_path: Path, tiny_training_set) -> None:
    """A training that diverged leaves NaN weights: lesson 4 must not save them, and a later
    lesson must not use such a file (it trains a sound model instead)."""
    diverged = models.build_seed_cnn()
    diverged.set_weights([np.full_like(weights, np.nan) for weights in diverged.get_weights()])
    path = tmp_path / "model.keras"
    with pytest.warns(RuntimeWarning, match=r"not saved .*not all finite.*lower the learning rate"):
        assert models.save_model(diverged, path) is None
    assert list(tmp_path.iterdir()) == []
    diverged.save(path)  # as an older course, or another tool, might have left it
    with pytest.raises(models.ModelFileError, match="not all finite numbers .* diverged"):
        models.load_saved_model(path)
    retrained = models.load_or_train(*tiny_training_set, path=path, epochs=1)
    assert models.non_finite_weights(retrained) == 0
    assert models.non_finite_weights(models.load_saved_model(path)) == 0
