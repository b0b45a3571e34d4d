"""course_utils.checks: right answers pass, each kind of wrong answer gets its own hint,
and no input, however odd, raises."""

from __future__ import annotations

from course_utils import checks, models

import keras
import numpy as np
import pytest

RNG = np.random.default_rng(2)
LABELS = RNG.integers(0, 10, 500)
IMAGES = RNG.integers(0, 256, (500, 28, 28), dtype=np.uint8)
PREDICTED = np.where(RNG.random(500) < 0.9, LABELS, (LABELS + 1) % 10)
GARBAGE = [
    None, "seven", [1, 2], {"a": 1}, 3.5, True, float("nan"), float("inf"), -1,
    np.array([np.nan]), np.array([]), np.zeros((0, 28, 28, 1)), object(),
]  # fmt: skip


def passed(feedback: checks.Feedback) -> bool:
    assert isinstance(feedback, checks.Feedback)
    assert repr(feedback).startswith("Correct!" if feedback.passed else "Not yet.")
    assert feedback._repr_markdown_().startswith("✅" if feedback.passed else "❌")
    return feedback.passed


def test_unanswered_exercises_ask_for_an_answer() -> None:
    assert checks.check_digit_count(None, LABELS, 7) == checks.UNANSWERED
    assert "Replace the `None`" in checks.UNANSWERED.message


def test_digit_count() -> None:
    right = int(np.sum(LABELS == 7))
    assert passed(checks.check_digit_count(right, LABELS, 7))
    assert passed(checks.check_digit_count(np.int64(right), LABELS, 7))
    assert "all images" in checks.check_digit_count(500, LABELS, 7).message
    assert not passed(checks.check_digit_count(right + 1, LABELS, 7))


def test_digit_selection() -> None:
    right = IMAGES[LABELS == 3][:5]
    assert passed(checks.check_digit_selection(right, IMAGES, LABELS, 3, 5))
    assert (
        "shape (5, 28, 28)" in checks.check_digit_selection(right[:4], IMAGES, LABELS, 3, 5).message
    )
    assert not passed(checks.check_digit_selection(IMAGES[:5], IMAGES, LABELS, 3, 5))


def test_preprocessed_each_pitfall_named() -> None:
    ready = IMAGES.reshape(-1, 28, 28, 1).astype("float32") / 255
    one_hot = keras.utils.to_categorical(LABELS, 10)
    assert passed(checks.check_preprocessed(ready, one_hot))
    cases = {
        "channel axis is missing": (ready[..., 0], one_hot),
        "still uint8": (IMAGES.reshape(-1, 28, 28, 1), one_hot),
        "not rescaled": (ready * 255, one_hot),
        "still digits, not one-hot": (ready, LABELS),
        "one row per image": (ready, one_hot[:10]),
        "NaN": (np.full((2, 28, 28, 1), np.nan, dtype="float32"), one_hot[:2]),
        "single 1 and nine 0s": (ready, one_hot * 2),
        "should have shape (n, 28, 28, 1)": (ready.reshape(-1, 784), one_hot),
        "NumPy arrays": (ready.tolist(), one_hot),
    }
    for hint, (images, labels) in cases.items():
        feedback = checks.check_preprocessed(images, labels)
        assert not passed(feedback) and hint in feedback.message, (hint, feedback.message)


def test_conv_parameters() -> None:
    assert passed(checks.check_conv_parameters(1664, filters=64, kernel_size=5, channels=1))
    assert "bias" in checks.check_conv_parameters(1600, 64, 5, 1).message
    assert not passed(checks.check_conv_parameters(1665, 64, 5, 1))
    assert not passed(checks.check_conv_parameters(1664.5, 64, 5, 1))


def test_model_checks_shapes_softmax_and_the_prediction() -> None:
    seed = models.build_seed_cnn()
    assert passed(checks.check_model(seed))
    assert passed(checks.check_model(seed, parameters=113_386))
    assert "you predicted 100,000" in checks.check_model(seed, parameters=100_000).message
    assert "predict its parameter count" in checks.check_model(seed, parameters=None).message
    flat = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    assert "(None, 28, 28, 1)" in checks.check_model(flat).message
    five = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    assert "10 outputs" in checks.check_model(five).message
    linear = keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    assert "softmax" in checks.check_model(linear).message
    unbuilt = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
    assert "keras.Input" in checks.check_model(unbuilt).message


def test_loss_for_integer_labels() -> None:
    model = models.build_seed_cnn()
    assert "not compiled" in checks.check_loss_for_integer_labels(model).message
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    assert "one-hot" in checks.check_loss_for_integer_labels(model).message
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(), optimizer="adam")
    assert passed(checks.check_loss_for_integer_labels(model))
    model.compile(loss="mse", optimizer="adam")
    assert not passed(checks.check_loss_for_integer_labels(model))


def test_accuracy_percent_and_error_rate_are_told_apart() -> None:
    right = float(np.mean(PREDICTED == LABELS))
    assert passed(checks.check_accuracy(right, PREDICTED, LABELS))
    assert "percentage" in checks.check_accuracy(100 * right, PREDICTED, LABELS).message
    assert "error rate" in checks.check_accuracy(1 - right, PREDICTED, LABELS).message


def test_hardest_digit() -> None:
    recall = [np.mean(PREDICTED[LABELS == d] == d) for d in range(10)]
    hardest = int(np.argmin(recall))
    assert passed(checks.check_hardest_digit(hardest, PREDICTED, LABELS))
    assert not passed(checks.check_hardest_digit((hardest + 1) % 10, PREDICTED, LABELS))
    assert "from 0 to 9" in checks.check_hardest_digit(12, PREDICTED, LABELS).message


def test_first_index_of_accepts_one_hot_labels() -> None:
    first = int(np.flatnonzero(LABELS == 0)[0])
    one_hot = keras.utils.to_categorical(LABELS, 10)
    assert passed(checks.check_first_index_of(first, one_hot, 0))
    later = int(np.flatnonzero(LABELS == 0)[1])
    assert "not the first" in checks.check_first_index_of(later, LABELS, 0).message


def test_feature_maps() -> None:
    assert passed(checks.check_feature_maps(np.zeros((1, 13, 13, 32)), (13, 13, 32)))
    assert (
        "batch of one" in checks.check_feature_maps(np.zeros((5, 13, 13, 32)), (13, 13, 32)).message
    )
    assert (
        "which layer" in checks.check_feature_maps(np.zeros((1, 26, 26, 32)), (13, 13, 32)).message
    )


def test_experiment() -> None:
    assert passed(checks.check_experiment(rescaled=0.97, raw=np.float32(0.95)))
    assert "Fill in raw" in checks.check_experiment(rescaled=0.97, raw=None).message
    assert "between 0 and 1" in checks.check_experiment(rescaled=97).message
    assert not passed(checks.check_experiment())


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda value: type(value).__name__)
def test_garbage_never_raises(garbage: object) -> None:
    calls = [
        lambda: checks.check_digit_count(garbage, LABELS, 7),
        lambda: checks.check_digit_selection(garbage, IMAGES, LABELS, 3, 5),
        lambda: checks.check_preprocessed(garbage, garbage),
        lambda: checks.check_conv_parameters(garbage, 64, 5, 1),
        lambda: checks.check_model(garbage),
        lambda: checks.check_loss_for_integer_labels(garbage),
        lambda: checks.check_accuracy(garbage, PREDICTED, LABELS),
        lambda: checks.check_hardest_digit(garbage, PREDICTED, LABELS),
        lambda: checks.check_first_index_of(garbage, LABELS, 0),
        lambda: checks.check_feature_maps(garbage, (13, 13, 32)),
        lambda: checks.check_experiment(result=garbage),
    ]
    for call in calls:
        feedback = call()
        assert isinstance(feedback, checks.Feedback)
        assert not feedback.passed, feedback
        assert feedback.message
