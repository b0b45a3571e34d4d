"""course_utils.models: the seed CNN, safe saving, and loading or retraining."""

from __future__ import annotations

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
    with pytest.raises(OSError):
        models.save_model(models.build_seed_cnn(), path)
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
    assert ("No trained model" if existing is None else "Could not load") in said
    assert "training" in said and model.count_params() == 113_386
    reloaded = keras.models.load_model(path)
    assert reloaded.count_params() == 113_386


def test_default_path_follows_the_build_folder(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    assert models.trained_model_path() == tmp_path / "models" / "mnist_cnn.keras"
