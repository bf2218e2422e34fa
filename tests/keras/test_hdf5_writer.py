"""The pure-Python HDF5 writer (``saving/hdf5_writer.py``) that saves ``.keras`` / ``.weights.h5`` without h5py.

Its files are read back with h5py (every dtype and shape, groups of every kind, attributes), loaded by
gradplay and by real Keras 3 (JAX backend; skipped when Keras is not installed, `make test` installs it)
with the same predictions, and ``model.save`` is checked to work with h5py made unimportable.
"""

from __future__ import annotations

import importlib
import io
import sys
import zipfile

import numpy as np
import pytest

import gradplay.engine.keras as gk
from gradplay.engine.keras.saving import weights_h5
from gradplay.engine.keras.saving.hdf5_writer import Group, lookup3, write_hdf5
from tests.keras.test_keras_format import BUILDERS, _data, _gp_model
from tests.keras.test_weights_h5 import ARCHS, _randomize

h5py = pytest.importorskip("h5py", reason="h5py (to read the files back) is installed by `make test`")


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras", reason="real Keras is installed by `make test` (pip extra 'compare')")


@pytest.fixture
def pure(monkeypatch):
    """Make gradplay write HDF5 with the pure-Python writer although h5py is installed."""
    monkeypatch.setenv(weights_h5.PURE_HDF5_ENV, "1")


def _superblock_version(data: bytes) -> int:
    assert data[:8] == b"\x89HDF\r\n\x1a\n"
    return data[8]


def _read(data: bytes):
    return h5py.File(io.BytesIO(data), "r")


# -- the lookup3 checksum -------------------------------------------------------------------------


def test_lookup3_known_values():
    # The test vectors printed by the driver in Bob Jenkins' lookup3.c.
    assert lookup3(b"") == 0xDEADBEEF
    assert lookup3(b"", 0xDEADBEEF) == 0xBD5B7DDE
    assert lookup3(b"Four score and seven years ago") == 0x17770551
    assert lookup3(b"Four score and seven years ago", 1) == 0xCD628161


def test_lookup3_matches_the_hdf5_library(tmp_path):
    """The HDF5 library's own superblock checksum (superblock version >= 2: bytes 44-47 over bytes 0-43)."""
    path = tmp_path / "ref.h5"
    with h5py.File(path, "w", libver="latest") as f:
        f.create_group("g")
    data = path.read_bytes()
    assert _superblock_version(data) >= 2
    assert lookup3(data[:44]) == int.from_bytes(data[44:48], "little")


def test_lookup3_matches_hdf5_object_headers(tmp_path):
    """Every object header the HDF5 library writes ("OHDR" ... checksum) checks out: inputs of many lengths."""
    path = tmp_path / "ref.h5"
    with h5py.File(path, "w", libver="latest") as f:
        for i in range(12):
            f.create_group("g" * (i + 1)).attrs["name"] = "n" * i
            f.create_dataset(f"d{i}", data=np.zeros(i))
    data = path.read_bytes()
    checked = 0
    start = data.find(b"OHDR")
    while start >= 0:
        flags = data[start + 5]
        width = 1 << (flags & 3)
        size_at = start + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        end = size_at + width + int.from_bytes(data[size_at : size_at + width], "little")
        assert lookup3(data[start:end]) == int.from_bytes(data[end : end + 4], "little")
        checked += 1
        start = data.find(b"OHDR", end)
    assert checked == 25  # the root group, 12 groups, 12 datasets


# -- datasets read back by h5py -------------------------------------------------------------------

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"]
DTYPES += ["uint64", "bool"]
SHAPES = [(), (0,), (3, 0), (1,), (7,), (2, 3, 4)]


def _values(dtype, shape, rng):
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return rng.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_and_shape(dtype):
    rng = np.random.default_rng(0)
    arrays = {f"d{i}": _values(dtype, shape, rng) for i, shape in enumerate(SHAPES)}
    with _read(write_hdf5(arrays)) as f:
        assert sorted(f) == sorted(arrays)
        for name, want in arrays.items():
            got = f[name]
            assert isinstance(got, h5py.Dataset)
            assert got.shape == want.shape and got.dtype == want.dtype
            np.testing.assert_array_equal(got[()], want)


def test_float_special_values_and_integer_limits():
    floats = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, np.finfo("float32").max], "float32")
    ints = np.array([np.iinfo("int64").min, -1, 0, np.iinfo("int64").max], "int64")
    halves = np.array([np.finfo("float16").tiny, 65504, -2.5, np.nan], "float16")
    with _read(write_hdf5({"f": floats, "i": ints, "h": halves, "u": np.array([2**64 - 1], "uint64")})) as f:
        np.testing.assert_array_equal(f["f"][()], floats)
        assert np.signbit(f["f"][()][1])
        np.testing.assert_array_equal(f["i"][()], ints)
        np.testing.assert_array_equal(f["h"][()], halves)
        assert f["u"][0] == 2**64 - 1


def test_big_endian_and_non_contiguous_input():
    big = np.arange(12, dtype=">f8").reshape(3, 4)
    with _read(write_hdf5({"big": big, "transposed": big.T, "strided": big[:, ::2]})) as f:
        assert f["big"].dtype == np.dtype("<f8")
        np.testing.assert_array_equal(f["big"][()], big)
        np.testing.assert_array_equal(f["transposed"][()], big.T)
        np.testing.assert_array_equal(f["strided"][()], big[:, ::2])


def test_scalar_dataset_stays_scalar():
    with _read(write_hdf5({"s": np.float32(1.5), "i": np.int64(-3)})) as f:
        assert f["s"].shape == () and f["s"][()] == np.float32(1.5)
        assert f["i"].shape == () and f["i"][()] == -3


# -- groups and attributes ------------------------------------------------------------------------


def test_nested_empty_and_large_groups():
    root = Group()
    root.require_group("empty")
    deep = root.require_group("/".join(f"level{i}" for i in range(20)))
    deep.create_dataset("x", data=np.arange(3))
    large = root.require_group("large")
    for i in range(300):
        large.create_dataset(str(i), data=np.full(i % 5, i, "float32"))
    many_groups = root.require_group("many_groups")
    for i in range(60):
        many_groups.require_group(f"g{i}").attrs["name"] = f"group {i}"
    root.children["plain"] = {"a": {"b": np.ones(2)}, "c": {}}  # plain dicts are groups too
    with _read(write_hdf5(root)) as f:
        assert isinstance(f["empty"], h5py.Group) and len(f["empty"]) == 0
        np.testing.assert_array_equal(f["/".join(f"level{i}" for i in range(20)) + "/x"][()], np.arange(3))
        assert len(f["large"]) == 300
        for i in range(300):
            np.testing.assert_array_equal(f[f"large/{i}"][()], np.full(i % 5, i, "float32"))
        assert len(f["many_groups"]) == 60
        assert all(f[f"many_groups/g{i}"].attrs["name"] == f"group {i}" for i in range(60))
        np.testing.assert_array_equal(f["plain/a/b"][()], np.ones(2))
        assert len(f["plain/c"]) == 0


def test_string_attributes_read_back_as_str():
    root = Group(attrs={"name": "model"})
    group = root.require_group("layers/dense/vars")
    group.attrs["name"] = "dense_ünïcode_名前"
    group.attrs["empty"] = ""
    group.attrs["long"] = "x" * 10_000  # larger than the minimum global heap collection
    for i in range(20):
        root.require_group(f"g{i}").attrs["name"] = f"layer_{i}"
    with _read(write_hdf5(root)) as f:
        assert f.attrs["name"] == "model"
        attrs = f["layers/dense/vars"].attrs
        assert attrs["name"] == "dense_ünïcode_名前" and isinstance(attrs["name"], str)
        assert attrs["empty"] == ""
        assert attrs["long"] == "x" * 10_000
        assert [f[f"g{i}"].attrs["name"] for i in range(20)] == [f"layer_{i}" for i in range(20)]
        # Stored as h5py stores a Python str: a variable-length UTF-8 string.
        info = h5py.check_string_dtype(attrs.get_id("name").dtype)
        assert (info.encoding, info.length) == ("utf-8", None)


def test_unusual_names():
    names = ["ünïcode", "with space", "n" * 300, "0"]
    with _read(write_hdf5({name: {"d": np.zeros(1)} for name in names})) as f:
        assert sorted(f) == sorted(names)
        assert all(f[name]["d"].shape == (1,) for name in names)


def test_h5py_can_modify_the_file(tmp_path):
    """The HDF5 library accepts the structures for writing too (it turns a large group dense, frees heap objects)."""
    root = Group()
    group = root.require_group("vars")
    group.attrs["name"] = "before"
    for i in range(10):
        group.create_dataset(str(i), data=np.full(2, i))
    path = tmp_path / "m.h5"
    path.write_bytes(write_hdf5(root))
    with h5py.File(path, "a") as f:
        f["vars"].attrs["name"] = "after"
        f["vars"].create_dataset("10", data=np.arange(4))
        del f["vars/0"]
    with h5py.File(path, "r") as f:
        assert f["vars"].attrs["name"] == "after"
        assert sorted(f["vars"], key=int) == [str(i) for i in range(1, 11)]
        np.testing.assert_array_equal(f["vars/9"][()], [9, 9])


def test_group_api_mirrors_h5py():
    root = Group()
    assert root.require_group("a/b") is root.require_group("a").require_group("b")
    root.create_dataset("a/b/0", data=[1, 2])
    with pytest.raises(ValueError, match="already exists"):
        root.create_dataset("a/b/0", data=[3])
    with pytest.raises(ValueError, match="already a dataset"):
        root.require_group("a/b/0/c")
    with pytest.raises(ValueError, match="Invalid HDF5 path"):
        root.require_group("")


# -- clear errors for what it cannot write --------------------------------------------------------


@pytest.mark.parametrize(
    "value", [np.array(["a", 1], dtype=object), np.array([1 + 2j]), np.array(["text"]), np.array([1], "M8[s]")]
)
def test_unsupported_dtype_is_named(value):
    with pytest.raises(TypeError, match=r"dataset '/layers/x': dtype .* not supported.*astype\('float32'\)") as info:
        write_hdf5({"layers": {"x": value}})
    assert str(value.dtype) in str(info.value)


def test_bad_attribute_and_member_names():
    with pytest.raises(TypeError, match="string attributes only"):
        write_hdf5(Group(attrs={"count": 3}))
    with pytest.raises(TypeError, match="Invalid member name"):
        write_hdf5({"a/b": np.zeros(1)})
    with pytest.raises(TypeError, match="Invalid member name"):
        write_hdf5({"": np.zeros(1)})


# -- models: the pure writer inside gradplay, loaded by gradplay and by real Keras 3 ------------------


def _zoo(k):
    """One functional model of many layer types: convolutions, normalization, recurrent layers, embedding."""
    L = k.layers
    image = L.Input(shape=(8, 8, 2), name="image")
    tokens = L.Input(shape=(6,), name="tokens", dtype="int32")
    a = L.Conv2D(4, 3, activation="relu", padding="same")(image)
    a = L.BatchNormalization()(a)
    a = L.Conv2D(3, 3, strides=2)(a)
    a = L.MaxPooling2D()(a)
    a = L.Flatten()(a)
    b = L.Embedding(20, 4)(tokens)
    b = L.LSTM(5, return_sequences=True)(b)
    b = L.Bidirectional(L.GRU(3))(b)
    h = L.Concatenate()([a, b])
    h = L.Dense(8, activation="tanh")(h)
    h = L.LayerNormalization()(h)
    return k.Model([image, tokens], L.Dense(3, activation="softmax")(h))


def _zoo_data():
    rng = np.random.default_rng(7)
    return [rng.normal(size=(4, 8, 8, 2)).astype("float32"), rng.integers(0, 20, size=(4, 6)).astype("int32")]


def _small_random(model, seed=3):
    rng = np.random.default_rng(seed)
    model.set_weights([(np.abs(rng.normal(size=w.shape)) * 0.5 + 0.1).astype(w.dtype) for w in model.get_weights()])


def _predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


def test_pure_writer_is_used_when_forced(tmp_path, monkeypatch):
    model = _gp_model("mlp")
    model.save_weights(tmp_path / "native.weights.h5")
    assert _superblock_version((tmp_path / "native.weights.h5").read_bytes()) == 0  # h5py's default
    monkeypatch.setenv(weights_h5.PURE_HDF5_ENV, "1")
    model.save_weights(tmp_path / "pure.weights.h5")
    assert _superblock_version((tmp_path / "pure.weights.h5").read_bytes()) == 2


def test_same_tree_as_h5py_writes(tmp_path, monkeypatch):
    """Same groups, attributes, datasets and values as the h5py path, for a model of many layer types."""
    model = _zoo(gk)
    _small_random(model)

    def contents(data):
        out = {}
        with _read(data) as f:
            f.visititems(lambda name, obj: out.update({name: (dict(obj.attrs), getattr(obj, "shape", None))}))
            values = {name: f[name][()] for name, (_, shape) in out.items() if shape is not None}
        return out, values

    native = contents(weights_h5.weights_to_bytes(model))
    monkeypatch.setenv(weights_h5.PURE_HDF5_ENV, "1")
    pure = contents(weights_h5.weights_to_bytes(model))
    assert pure[0] == native[0]
    for name, value in native[1].items():
        np.testing.assert_array_equal(pure[1][name], value)


def test_zoo_keras_file_round_trip_in_gradplay(tmp_path, pure):
    model = _zoo(gk)
    _small_random(model)
    x = _zoo_data()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert _superblock_version(zf.read("model.weights.h5")) == 2
    loaded = gk.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), rtol=1e-6, atol=1e-7)


def test_zoo_keras_file_loads_in_keras(tmp_path, pure, keras):
    model = _zoo(gk)
    _small_random(model)
    x = _zoo_data()
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_files_load_in_gradplay_and_keras(tmp_path, pure, keras, name):
    model = _gp_model(name)
    x = _data(name)
    model.save(tmp_path / "m.keras")
    want = model.predict(x, verbose=0)
    for loaded in (gk.models.load_model(tmp_path / "m.keras"), keras.saving.load_model(tmp_path / "m.keras")):
        got = loaded.predict(x, verbose=0)
        for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("arch", list(ARCHS))
def test_weights_file_loads_in_keras(tmp_path, pure, keras, arch):
    build, data = ARCHS[arch]
    x = data(np.random.default_rng(0))
    model = build(gk)
    _randomize(model, 2)
    path = tmp_path / "g.weights.h5"
    model.save_weights(path)
    assert _superblock_version(path.read_bytes()) == 2
    km = build(keras)
    km.load_weights(str(path))
    np.testing.assert_allclose(_predict(km, x), _predict(model, x), rtol=1e-4, atol=1e-5)


# -- without h5py (as in Pyodide) -----------------------------------------------------------------


def test_save_without_h5py(tmp_path, monkeypatch):
    model = _zoo(gk)
    _small_random(model)
    x = _zoo_data()
    monkeypatch.setitem(sys.modules, "h5py", None)  # `import h5py` now raises ImportError
    with pytest.raises(ImportError):
        importlib.import_module("h5py")
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    # Loading still needs h5py, and says so.
    with pytest.raises(ImportError, match="needs h5py"):
        gk.models.load_model(tmp_path / "m.keras")
    with pytest.raises(ImportError, match="needs h5py"):
        model.load_weights(tmp_path / "m.weights.h5")
    monkeypatch.undo()
    np.testing.assert_allclose(_predict(gk.models.load_model(tmp_path / "m.keras"), x), _predict(model, x))
    other = _zoo(gk)
    other.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(_predict(other, x), _predict(model, x))
