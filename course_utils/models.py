"""The seed CNN, and saving/loading the model that lesson 4 trains for later lessons.

Lesson 4 writes the model building, compiling and training out in full; the functions here
repeat that same recipe so that a later lesson can train its own copy when it runs alone.
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from course_utils import startup  # noqa: F401 - before Keras, it quietens TensorFlow
from course_utils.paths import trained_model_path
from course_utils.project import atomic_write

import h5py
import keras
import numpy as np
from keras import layers

SEED_PARAMETER_COUNT = 113_386
#: Batch size the course trains with (see lesson 4 for why it is not Keras's default of 32).
BATCH_SIZE = 64
VALIDATION_SPLIT = 0.1


def build_seed_cnn() -> keras.Sequential:
    """The seed notebook's network: two conv/pool blocks, dropout, a dense layer, softmax."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="seed_cnn",
    )


def build_stronger_network() -> keras.Sequential:
    """Lesson 7's stronger network, as its ``build_network()`` builds it: three convolution
    blocks with batch normalisation, then dropout and softmax. The course checks a saved copy
    against it (the tests check that it matches lesson 7's)."""

    def block(filters: int, size: int, pool: bool) -> list:
        return [
            layers.Conv2D(filters, (size, size), use_bias=False),
            *([layers.MaxPooling2D(pool_size=(2, 2))] if pool else []),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
        ]

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            *block(16, 5, pool=True),
            *block(48, 3, pool=True),
            *block(96, 3, pool=False),
            layers.Flatten(),
            layers.Dropout(0.1),
            layers.Dense(10, activation="softmax"),
        ]
    )


def build_augmented_seed_network(seed: int = 42) -> keras.Sequential:
    """Lesson 8's quicker cousin of the stronger network, as its ``augmented_seed_network()``
    builds it: the seed network with random rotation, shift and zoom in front. The course
    checks a saved copy against it (the tests check that it matches lesson 8's)."""
    empty = {"fill_mode": "constant"}
    augment = keras.Sequential(
        [
            layers.RandomRotation(0.08, seed=seed, **empty),
            layers.RandomTranslation(0.15, 0.15, seed=seed + 1, **empty),
            layers.RandomZoom(0.15, seed=seed + 2, **empty),
        ],
        name="augmentation",
    )
    return keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), augment, *build_seed_cnn().layers],
        name="augmented_seed_cnn",
    )


@dataclass(frozen=True)
class Network:
    """A network the course saves and loads again: what to call it, and the function that
    builds it. A saved file must hold exactly its layers, their settings and its weights."""

    description: str
    build: Callable[[], keras.Model]


SEED_NETWORK = Network("lesson 4's seed network", build_seed_cnn)
STRONGER_NETWORK = Network("lesson 7's stronger network", build_stronger_network)
AUGMENTED_SEED_NETWORK = Network("lesson 8's augmented seed network", build_augmented_seed_network)
#: What lesson 8 accepts at ``stronger_model_path()``: lesson 7's network, or its own cousin.
STRONGER_NETWORKS = (STRONGER_NETWORK, AUGMENTED_SEED_NETWORK)

#: The parts of a .keras file (Keras writes these three and, for layers with files of their
#: own, an assets/ folder, which none of the course's networks has), and the bounds on their
#: size once unpacked; the weights' bound comes from the network (see ``_Reference``).
CONFIG_MEMBER, METADATA_MEMBER, WEIGHTS_MEMBER = "config.json", "metadata.json", "model.weights.h5"
CONFIG_LIMIT = 64 * 1024  # the course's networks: 6 to 11 kB
METADATA_LIMIT = 4 * 1024  # the Keras version and the date: 64 bytes
ARCHIVE_OVERHEAD = 64 * 1024  # the zip's own headers
#: The most arrays and groups a weights file may hold (the course's: under 100).
H5_OBJECT_LIMIT = 2_000
#: The settings of a layer that differ between two saves of one network.
PER_SAVE_SETTINGS = frozenset({"name", "trainable", "seed"})


@dataclass(frozen=True)
class _Reference:
    """What a saved copy of a network must hold: its serialized configuration, the shapes of
    its weights (how many of each), and the largest its weights file can be."""

    config: dict
    shapes: Counter
    weights_limit: int


@cache
def _reference(network: Network) -> _Reference:
    """A freshly built ``network``, described (built once a session)."""
    model = network.build()
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    shapes = Counter(tuple(int(size) for size in weight.shape) for weight in model.weights)
    weight_bytes = sum(
        int(np.prod(weight.shape)) * np.dtype(weight.dtype).itemsize for weight in model.weights
    )
    # the layers' weights, up to four arrays of each for the optimizer (Adam keeps two; with
    # amsgrad and a moving average, four), a fifth for room, and the HDF5 file's own headers
    return _Reference(config, shapes, 6 * weight_bytes + 256 * 1024)


def train_seed_cnn(
    x_train: np.ndarray, y_train: np.ndarray, epochs: int = 4, seed: int = 42, verbose: int = 2
) -> tuple[keras.Sequential, dict[str, list[float]]]:
    """Build, compile and train the seed CNN as lesson 4 does; return it and its history.

    ``x_train`` holds images of shape (n, 28, 28, 1) in [0, 1]; ``y_train`` one-hot labels.
    """
    if x_train.ndim != 4 or x_train.shape[1:] != (28, 28, 1):
        raise ValueError(f"x_train must have shape (n, 28, 28, 1), got {x_train.shape}.")
    if y_train.shape != (len(x_train), 10):
        raise ValueError(
            f"y_train must be one-hot with shape ({len(x_train)}, 10), got {y_train.shape}."
        )
    keras.utils.set_random_seed(seed)
    model = build_seed_cnn()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        validation_split=VALIDATION_SPLIT,
        verbose=verbose,
    )
    return model, history.history


class ModelFileError(Exception):
    """A saved model that cannot be used: missing, unreadable, unsafe, of the wrong shape, or
    with weights that are not numbers."""


#: What to do about a network whose weights are not finite numbers.
DIVERGED_ADVICE = (
    "its weights are not all finite numbers (NaN or infinity): the training that made it "
    "diverged. Train it again; if that happens again, lower the learning rate (for example "
    "keras.optimizers.Adam(learning_rate=0.0001)) and check that the images are rescaled to [0, 1]"
)


def non_finite_weights(model: keras.Model) -> int:
    """How many of ``model``'s weight arrays hold a NaN or an infinity (0 for a sound model)."""
    return sum(not np.isfinite(weights).all() for weights in model.get_weights())


def save_model(model: keras.Model, path: Path | None = None) -> Path | None:
    """Save ``model`` to ``path`` (default :func:`trained_model_path`) without ever leaving a
    half-written file: it is written beside the target, then moved into place. Return the
    path; if it cannot be saved (a read-only disk, a folder in the way, a full disk), warn
    once, saying where and why, and return None: the trained model itself is not lost.

    A model whose weights are not finite (a diverged training) is never saved: it warns what
    happened and what to do, and returns None, so that no later lesson loads it."""
    path = Path(path or trained_model_path())
    if non_finite_weights(model):
        warnings.warn(
            f"The model was not saved to {path}: {DIVERGED_ADVICE}.", RuntimeWarning, stacklevel=2
        )
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder")
        with atomic_write(path, suffix=".partial.keras") as temporary:  # Keras wants .keras
            model.save(temporary)
    except OSError as error:
        warnings.warn(
            f"The trained model could not be saved to {path} ({error.strerror or error}). It "
            "is kept for this session; to keep it for later lessons, set COURSE_BUILD_DIR to "
            "a folder you can write to and run the lesson again.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return path


def load_saved_model(
    path: Path | None = None,
    input_shape: tuple[int, ...] = (28, 28, 1),
    classes: int = 10,
    expected: Network | Sequence[Network] = SEED_NETWORK,
) -> keras.Model:
    """Load a model the course saved, and check it, saying what is wrong with the file
    (:class:`ModelFileError`) otherwise.

    Before Keras reads anything, the file is checked against the network it must hold
    (``expected``: lesson 4's seed network unless told otherwise): its members and their
    sizes, the layers its configuration names and their settings, and the shape and type of
    every array in its weights. Only then does Keras load it, in safe mode, from a copy of
    exactly the checked parts (removed afterwards). The network must take ``input_shape``
    images, give ``classes`` outputs, and have finite weights."""
    path = Path(path or trained_model_path())
    networks = (expected,) if isinstance(expected, Network) else tuple(expected)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelFileError(f"there is no model file at {path}")
    parts = _checked_parts(path, networks)
    try:
        network = _checked_network(path, parts[CONFIG_MEMBER], networks, input_shape, classes)
    except ModelFileError as problem:
        raise ModelFileError(f"{problem}{_another_keras(parts.get(METADATA_MEMBER))}") from None
    _check_weights(path, parts[WEIGHTS_MEMBER], network)
    model = _load_checked_parts(path, parts)
    found_input = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    found_output = model.output_shape[-1] if hasattr(model, "output_shape") else None
    if found_input != tuple(input_shape) or found_output != classes:
        raise ModelFileError(_shape_problem(path, found_input, found_output, input_shape, classes))
    if non_finite_weights(model):
        raise ModelFileError(f"{path} cannot be used: {DIVERGED_ADVICE}")
    return model


def _shape_problem(
    path: Path, found_input: object, found_output: object, input_shape: tuple, classes: int
) -> str:
    return (
        f"{path} holds a network for inputs of shape {found_input} with {found_output} "
        f"outputs; this lesson needs inputs of shape {tuple(input_shape)} and {classes} outputs"
    )


def _another_keras(metadata: bytes | None) -> str:
    """A note that the file was saved by another Keras than this one, if its metadata says so
    (a newer Keras writes settings that an older one does not know)."""
    try:
        version = json.loads(metadata or b"{}").get("keras_version")
    except (ValueError, AttributeError, RecursionError):
        return ""
    if not isinstance(version, str) or version == keras.__version__:
        return ""
    return f" (it was saved by Keras {version[:20]}, and this is Keras {keras.__version__})"


def _names(networks: Sequence[Network]) -> str:
    return " or ".join(network.description for network in networks)


def _checked_parts(path: Path, networks: Sequence[Network]) -> dict[str, bytes]:
    """The members of the .keras file at ``path``, read after checking that they are the
    ones Keras writes for these networks, each no larger than they can be."""
    limits = {
        CONFIG_MEMBER: CONFIG_LIMIT,
        METADATA_MEMBER: METADATA_LIMIT,
        WEIGHTS_MEMBER: max(_reference(network).weights_limit for network in networks),
    }
    file_limit = sum(limits.values()) + ARCHIVE_OVERHEAD
    size = path.stat().st_size
    if size > file_limit:
        raise ModelFileError(
            f"{path} is {size:,} bytes, more than a saved {_names(networks)} can be "
            f"({file_limit:,} at most): it is not a file the course saved"
        )
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path} is not a complete .keras file (cut short, or another format)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            others = [name for name in names if name not in limits]
            if others:
                raise ModelFileError(
                    f"{path} holds {len(others):,} part(s) that no model the course saves has "
                    f"(such as {others[0][:80]!r}); Keras would unpack them on the disk"
                )
            if len(set(names)) != len(names):
                raise ModelFileError(f"{path} holds a part twice: it is not a file Keras wrote")
            for needed in (CONFIG_MEMBER, WEIGHTS_MEMBER):
                if needed not in names:
                    raise ModelFileError(f"{path} has no {needed}: it is not a complete model file")
            for info in infos:
                if info.file_size > limits[info.filename]:
                    raise ModelFileError(
                        f"{path}: its {info.filename} declares {info.file_size:,} bytes, more "
                        f"than a saved {_names(networks)} needs ({limits[info.filename]:,} at "
                        "most)"
                    )
            return {info.filename: _read_at_most(archive, info, limits[info.filename], path)
                    for info in infos}  # fmt: skip
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - zipfile and zlib raise many kinds
        raise ModelFileError(
            f"{path} could not be read: it is damaged ({type(error).__name__}: {str(error)[:120]})"
        ) from None


def _read_at_most(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, path: Path) -> bytes:
    """A member's bytes, never more than ``limit`` of them, whatever its header claims."""
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ModelFileError(f"{path}: its {info.filename} unpacks to more than {limit:,} bytes")
    return data


def _checked_network(
    path: Path,
    config_json: bytes,
    networks: Sequence[Network],
    input_shape: tuple[int, ...],
    classes: int,
) -> Network:
    """Which of ``networks`` the configuration ``config_json`` describes, layer by layer;
    raise :class:`ModelFileError`, saying how it differs, if none."""
    try:
        config = json.loads(config_json)
        if _names_code(config):
            raise ModelFileError(
                f"{path} asks to run code when it is loaded, which Keras's safe mode refuses "
                "(the course never saves such a file)"
            )
        found_input, found_output = _input_and_output(config)
        if found_input is not None and (found_input, found_output) != (tuple(input_shape), classes):
            raise ModelFileError(
                _shape_problem(path, found_input, found_output, input_shape, classes)
            )
        problems = []
        for network in networks:
            problem = _difference(config, _reference(network).config, network.description)
            if problem is None:
                return network
            problems.append(problem)
    except (ValueError, RecursionError) as error:  # not JSON, or nested past all reason
        raise ModelFileError(
            f"{path}: its config.json is not a network's description ({type(error).__name__})"
        ) from None
    if _layers_of(config) is None:  # another kind of model, or one from another Keras
        kind = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        raise ModelFileError(
            f"{path} could not be read (it describes a {str(kind)[:60]!r}, not the Sequential "
            f"network of {_names(networks)})"
        )
    settings = [problem for problem in problems if not problem.startswith("its layers are")]
    raise ModelFileError(f"{path} does not hold {_names(networks)}: {(settings or problems)[0]}")


def _names_code(config: object) -> bool:
    """Whether a serialized Keras object names code to run: a Lambda layer, or a function or
    class from a module outside Keras (what Keras's safe mode refuses)."""
    waiting = [config]
    while waiting:
        item = waiting.pop()
        if isinstance(item, dict):
            module = item.get("module")
            outside = (
                module is not None and module != "keras" and not str(module).startswith("keras.")
            )
            if outside or item.get("class_name") in ("Lambda", "__lambda__"):
                return True
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return False


def _input_and_output(config: object) -> tuple[tuple | None, object]:
    """The input shape and the number of outputs that a serialized Sequential network
    declares (its input layer's shape, its last layer's units), or None where it does not."""
    layers_ = config.get("config", {}).get("layers") if isinstance(config, dict) else None
    if not isinstance(layers_, list) or not layers_ or not isinstance(layers_[0], dict):
        return None, None
    first, last = layers_[0].get("config"), layers_[-1].get("config")
    shape = first.get("batch_shape") if isinstance(first, dict) else None
    if layers_[0].get("class_name") != "InputLayer" or not isinstance(shape, list):
        return None, None
    return tuple(shape[1:]), last.get("units") if isinstance(last, dict) else None


def _layers_of(entry: object) -> list | None:
    """The layers of a serialized Sequential network, or None if ``entry`` is not one."""
    if not isinstance(entry, dict) or entry.get("class_name") != "Sequential":
        return None
    config = entry.get("config")
    layers_ = config.get("layers") if isinstance(config, dict) else None
    return (
        layers_
        if isinstance(layers_, list) and all(isinstance(layer, dict) for layer in layers_)
        else None
    )


def _outline(entry: dict) -> str:
    """A serialized layer's class name; a nested network's with its layers in brackets."""
    inner = _layers_of(entry)
    name = str(entry.get("class_name"))[:40]
    return name if inner is None else f"{name}({', '.join(_outline(layer) for layer in inner)})"


def _without_ids(value: object) -> object:
    """``value`` without the ids that Keras numbers shared objects with in each save."""
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key != "shared_object_id"}
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    return value


def _difference(found: object, reference: dict, description: str) -> str | None:
    """How the serialized network ``found`` differs from ``reference`` (None if it does not):
    other layers, or a layer with a setting that the reference does not have or sets
    otherwise.

    Settings that the reference has and ``found`` lacks are allowed (an older Keras writes
    fewer, and Keras fills in its defaults), and so are the names, seeds and trainable flags,
    which differ between two saves of one network, and the top level's compile_config (the
    optimizer and loss it was trained with)."""
    found_layers, reference_layers = _layers_of(found), _layers_of(reference)
    wanted = ", ".join(_outline(layer) for layer in reference_layers)
    if found_layers is None:
        return f"it holds no Sequential network ({description}'s layers: {wanted})"
    if [_outline(layer) for layer in found_layers] != [_outline(each) for each in reference_layers]:
        outline = ", ".join(_outline(layer) for layer in found_layers[:12])
        outline += ", ..." if len(found_layers) > 12 else ""
        return f"its layers are {outline or 'none'}, where {description}'s are {wanted}"
    problem = _entry_problem(found, reference, "the network", description, top=True)
    return problem or _layers_problem(found_layers, reference_layers, description, "")


def _layers_problem(found: list, reference: list, description: str, prefix: str) -> str | None:
    """The first layer of ``found`` whose settings differ from its counterpart's."""
    for number, (layer, wanted) in enumerate(zip(found, reference, strict=True), start=1):
        label = f"layer {prefix}{number} ({layer.get('class_name')})"
        problem = _entry_problem(layer, wanted, label, description)
        inner = _layers_of(layer)
        if not problem and inner is not None:  # a network inside: its layers in turn
            problem = _layers_problem(inner, _layers_of(wanted), description, f"{prefix}{number}.")
        if problem:
            return problem
    return None


def _entry_problem(
    entry: dict, wanted: dict, label: str, description: str, top: bool = False
) -> str | None:
    """The first setting of one serialized layer (or network) that differs from ``wanted``."""
    for key, value in entry.items():
        if key != "config" and not (top and key == "compile_config"):
            problem = _setting_problem(key, value, wanted, label, description)
            if problem:
                return problem
    config = entry.get("config")
    if not isinstance(config, dict):
        return f"{label} has no settings"
    for key, value in config.items():
        if key not in PER_SAVE_SETTINGS and key != "layers":
            problem = _setting_problem(key, value, wanted.get("config", {}), label, description)
            if problem:
                return problem
    return None


def _setting_problem(
    key: str, value: object, wanted: dict, label: str, description: str
) -> str | None:
    if key not in wanted:
        return f"{label} has a setting {key[:40]!r} that {description} does not have"
    found, expected = _without_ids(value), _without_ids(wanted[key])
    if found != expected:
        shown = json.dumps(found)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        wanted_shown = json.dumps(expected)
        wanted_shown = wanted_shown if len(wanted_shown) <= 60 else wanted_shown[:57] + "..."
        return f"{label} has {key}={shown} where {description} has {wanted_shown}"
    return None


def _check_weights(path: Path, weights: bytes, network: Network) -> None:
    """Check the weights file ``weights`` (model.weights.h5) of the file at ``path`` without
    reading its arrays: only plain arrays of numbers stored in the file itself, those of the
    layers exactly the shapes of ``network``'s weights, the others (the optimizer's) each of
    one of those shapes or a single number."""
    reference = _reference(network)
    try:
        with h5py.File(io.BytesIO(weights), "r") as store:
            arrays = _arrays_in(path, store)
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - h5py raises many kinds for a damaged file
        raise ModelFileError(
            f"{path}: its weights ({WEIGHTS_MEMBER}) could not be read ({type(error).__name__})"
        ) from None
    layer_shapes = Counter(shape for where, shape in arrays if where.startswith("layers/"))
    extra, missing = layer_shapes - reference.shapes, reference.shapes - layer_shapes
    if extra or missing:
        shape, what = (next(iter(extra)), "an array of shape {} that") if extra else (
            next(iter(missing)), "no array of shape {}, which")  # fmt: skip
        raise ModelFileError(
            f"{path}: its weights do not fit {network.description}: they hold "
            f"{what.format(shape)} the network {'has no place for' if extra else 'needs'}"
        )
    others = [(where, shape) for where, shape in arrays if not where.startswith("layers/")]
    allowed = set(reference.shapes) | {()}
    for where, shape in others:
        if shape not in allowed:
            raise ModelFileError(
                f"{path}: its weights hold an array {where[:80]!r} of shape {shape}, which "
                f"fits none of {network.description}'s weights"
            )
    if len(others) > 5 * reference.shapes.total() + 8:
        raise ModelFileError(f"{path}: its weights hold {len(others):,} arrays beside the layers'")


def _arrays_in(path: Path, store: h5py.File) -> list[tuple[str, tuple[int, ...]]]:
    """Where each array in ``store`` is and its shape, after checking that each is a plain
    array of numbers (no links, no data kept elsewhere, no filters), reading none of them."""
    arrays, waiting, seen = [], [("", store)], 0
    while waiting:
        prefix, group = waiting.pop()
        for name in group:
            seen += 1
            if seen > H5_OBJECT_LIMIT:
                raise ModelFileError(
                    f"{path}: its weights hold more than {H5_OBJECT_LIMIT:,} arrays and groups"
                )
            where = f"{prefix}{name}"
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ModelFileError(
                    f"{path}: its weights link {where[:80]!r} to another place "
                    f"({type(link).__name__}), which Keras never writes"
                )
            item = group[name]
            if isinstance(item, h5py.Group):
                waiting.append((f"{where}/", item))
            elif isinstance(item, h5py.Dataset):
                _check_array(path, where, item)
                arrays.append((where, tuple(item.shape)))
            else:
                raise ModelFileError(f"{path}: its weights hold {where[:80]!r}, not an array")
    return arrays


def _check_array(path: Path, where: str, array: h5py.Dataset) -> None:
    """Refuse an array whose values live elsewhere, that is not plain numbers, or filtered."""
    label = f"{path}: its weights hold {where[:80]!r},"
    if array.is_virtual:
        raise ModelFileError(
            f"{label} a virtual array, which reads its values from other files; Keras never "
            "writes one (some Keras releases would follow it: CVE-2026-12480)"
        )
    if array.external:
        raise ModelFileError(f"{label} an array stored in another file, which Keras never writes")
    dtype = array.dtype
    if array.shape is None or dtype.kind not in "biuf" or dtype.itemsize > 8 or dtype.shape:
        raise ModelFileError(f"{label} which is not an array of numbers ({dtype})")
    if array.id.get_create_plist().get_nfilters():
        raise ModelFileError(f"{label} a compressed or filtered array, which Keras never writes")


def _load_checked_parts(path: Path, parts: dict[str, bytes]) -> keras.Model:
    """Load, with Keras in safe mode, a .keras file made of exactly the checked ``parts``
    (in a temporary folder, removed afterwards); if no temporary file can be written, the
    file at ``path`` itself, checked a moment ago."""
    try:
        folder = tempfile.TemporaryDirectory(prefix="course-model-", ignore_cleanup_errors=True)
    except OSError:
        return _keras_load(path, path)
    with folder as name:
        copy = Path(name) / "model.keras"
        try:
            with zipfile.ZipFile(copy, "w") as archive:
                for member, data in parts.items():
                    archive.writestr(member, data)
        except OSError:  # a full or read-only temporary folder
            return _keras_load(path, path)
        return _keras_load(path, copy)


def _keras_load(path: Path, source: Path) -> keras.Model:
    """``keras.models.load_model`` in safe mode, each of its errors a :class:`ModelFileError`
    about ``path``."""
    try:
        return keras.models.load_model(source, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - Keras raises many kinds; each means "unusable"
        reason = " ".join(str(error).replace(str(source), str(path)).split())
        reason = reason.split("Exception encountered: ")[-1]
        if "safe_mode" in reason or "unsafe" in reason.lower():
            raise ModelFileError(
                f"{path} asks to run code when it is loaded, which Keras's safe mode refuses "
                "(the course never saves such a file)"
            ) from None
        raise ModelFileError(
            f"{path} could not be read ({type(error).__name__}: {reason[:160]})"
        ) from None


def load_or_train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    path: Path | None = None,
    epochs: int = 4,
    seed: int = 42,
) -> keras.Model:
    """Load the model lesson 4 saved (:func:`load_saved_model`); if it is missing or unusable,
    train one and save it (if it cannot be saved, it is still returned, with a warning)."""
    path = Path(path or trained_model_path())
    try:
        model = load_saved_model(path)
        print(f"Loaded the trained model from {path}")
        return model
    except ModelFileError as problem:
        if path.exists():
            print(f"Could not use the saved model: {problem}; training a new one.")
        else:
            print(f"No trained model at {path} (run lesson 4 to make one); training one now.")
    model, _ = train_seed_cnn(x_train, y_train, epochs=epochs, seed=seed)
    if save_model(model, path) is not None:
        print(f"Saved the trained model to {path}")
    return model
