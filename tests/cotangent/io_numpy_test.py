# File: tests/cotangent/io_numpy_test.py
# numpy as the oracle of cotangent/io.h (run by io_numpy_test.sh with io_numpy_tool's path).
# Files numpy writes (np.save, np.savez, np.savez_compressed; a .safetensors file laid out by
# its specification) must read in Cotangent as numpy's values under io.h's conversions (i8 and
# i16 to i32, u16 to u32, u64 to i64, big-endian and Fortran order undone); files
# Cotangent
# writes must load in numpy, and in Python's zipfile with its CRC check, as the values that
# io_numpy_tool.cc saved.
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

try:
    import numpy as np
except ImportError:
    sys.exit("io_numpy_test: numpy is missing: install python3-numpy (bash tools/setup.sh)")

TOOL = sys.argv[1]
TMP = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def run(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True)


def read(path):
    """What Cotangent reads from path: {name: (dtype, shape, values)}."""
    result = run("read", path)
    if result.returncode != 0:
        failures.append(f"{path}: io_numpy_tool failed: {result.stderr.strip()}")
        return {}
    out = {}
    for line in result.stdout.splitlines():
        name, dtype, shape, *values = line.split(" ")
        dims = tuple(int(d) for d in shape.strip("[]").split(",") if d)
        # integers print exactly; complex numbers as their two parts
        number = float if dtype in ("f16", "f32", "f64", "c64", "c128") else int
        out[name] = (dtype, dims, [number(v) for v in values])
    return out


def expected(a):
    """Cotangent's view of numpy array a under cotangent/io.h's conversions."""
    kind, size = a.dtype.kind, a.dtype.itemsize
    if kind in "iub":
        dtype = ("bool" if kind == "b" else "i64" if size == 8
                 else "u8" if (kind, size) == ("u", 1) else "u32" if kind == "u" else "i32")
        return dtype, a.shape, [int(v) for v in a.ravel(order="C")]
    if kind == "c":
        parts = np.asarray(a, np.complex128).ravel(order="C")
        return ({8: "c64", 16: "c128"}[size], a.shape,
                [float(v) for z in parts for v in (z.real, z.imag)])
    floating = {2: "f16", 4: "f32", 8: "f64"}[size]
    return floating, a.shape, [float(v) for v in np.asarray(a, np.float64).ravel(order="C")]


ARRAYS = {
    "f32": np.array([[1.5, -0.0], [np.inf, 1e-40]], np.float32),
    "f64": np.array([np.pi, -1e300, 5e-324]),
    "i64": np.arange(-3, 3),  # numpy's default integer
    "i64_wide": np.array([-2**63, 2**53 + 1, 2**63 - 1], np.int64),
    "u64": np.array([0, 2**63 - 1], np.uint64),
    "u16": np.array([0, 65535], np.uint16),
    "i32": np.array([-2**31, 2**31 - 1], np.int32),
    "u8": np.array([0, 255], np.uint8),
    "i16": np.array([-32768, 32767], np.int16),
    "u32": np.array([0, 2**32 - 1], np.uint32),
    "f16": np.array([1, -2, 65504, 2**-24], np.float16),
    "bool": np.array([[True], [False]]),
    "scalar": np.array(2.5),
    "empty": np.zeros((2, 0, 3), np.float32),
    "fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "transposed": np.arange(12.0).reshape(3, 4).T,
    "big_endian": np.array([1.5, -3], dtype=">f4"),
    "c64": np.array([1.5 - 2j, 3e38j], np.complex64),
    "c128": np.array([[np.pi + 1e-300j, complex(-0.0, -np.inf)]]),
}


def compare(path, got, arrays):
    check(sorted(got) == sorted(arrays), f"{path}: names {sorted(got)} != {sorted(arrays)}")
    for name, a in arrays.items():
        if name in got:
            check(got[name] == expected(a), f"{path}: {name}: {got[name]} != {expected(a)}")


# numpy -> Cotangent.
for writer in (np.savez, np.savez_compressed):
    path = os.path.join(TMP, f"numpy_{writer.__name__}.npz")
    writer(path, **ARRAYS)
    compare(path, read(path), ARRAYS)
for name in ("fortran", "transposed", "big_endian", "scalar", "i64", "c64", "c128"):
    path = os.path.join(TMP, f"numpy_{name}.npy")
    np.save(path, ARRAYS[name])
    compare(path, {name: read(path).get("arr")}, {name: ARRAYS[name]})

SAFETENSORS_DTYPES = {"float32": "F32", "float64": "F64", "int64": "I64", "int32": "I32",
                      "uint8": "U8", "int16": "I16", "uint32": "U32", "float16": "F16",
                      "bool": "BOOL", "uint64": "U64", "uint16": "U16"}
header, data = {"__metadata__": {"format": "np"}}, b""
SAFETENSORS_ARRAYS = {k: a for k, a in ARRAYS.items() if a.dtype.name in SAFETENSORS_DTYPES}
for name, a in SAFETENSORS_ARRAYS.items():
    raw = np.ascontiguousarray(a, a.dtype.newbyteorder("<")).tobytes()
    header[name] = {"dtype": SAFETENSORS_DTYPES[a.dtype.name], "shape": list(a.shape),
                    "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
path = os.path.join(TMP, "python.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
compare(path, read(path), SAFETENSORS_ARRAYS)

# What Cotangent cannot represent is an error naming it, not a crash or a wrong value.
for name, a, message in [("complex_be", np.array([1j], ">c8"), "has no Cotangent dtype"),
                         ("too_big", np.array([2**63], np.uint64), "does not fit in i64")]:
    path = os.path.join(TMP, f"numpy_{name}.npz")
    np.savez(path, x=a)
    result = run("read", path)
    check(result.returncode == 1 and message in result.stderr,
          f"{path}: expected an error with '{message}', got {result.returncode} {result.stderr}")

# Cotangent -> numpy: the values of io_numpy_tool.cc's Known().
KNOWN = {
    "f32": np.array([[0.5, -1.25], [3e38, 1e-45]], np.float32),
    "f64": np.array([0.1, -2.5e-300]),
    "f16": np.array([0.1, -65504, 6e-8], np.float16),
    "i32": np.array([[-2**31], [7], [2**31 - 1]], np.int32),
    "u8": np.array([0, 200, 255], np.uint8),
    "u32": np.array([0, 2**32 - 1], np.uint32),
    "i64": np.array([-2**63, 2**53 + 1, 2**63 - 1], np.int64),
    "bool": np.array([True, False]),
    "scalar": np.array(-4.0),
    "empty": np.zeros((0, 3), np.int32),
    "dir/leaf": np.arange(6.0, 0.0, -1.0, dtype=np.float32),
}
# .npz holds complex arrays too (.safetensors has no complex dtype).
KNOWN_NPZ = dict(KNOWN, c64=np.array([1.5 - 2j, 3e38j], np.complex64),
                 c128=np.array([[0.1 - 1e-300j]]))
result = run("write", TMP)
if result.returncode != 0:
    sys.exit(f"io_numpy_tool write failed: {result.stderr}")


def same(name, got, want):
    check(got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want),
          f"{name}: {got!r} != {want!r}")


for member in ("cotangent.npz", "cotangent_compressed.npz"):
    path = os.path.join(TMP, member)
    check(zipfile.ZipFile(path).testzip() is None, f"{path}: zipfile finds a bad CRC")
    with np.load(path) as npz:
        check(sorted(npz.files) == sorted(KNOWN_NPZ), f"{path}: names {npz.files}")
        for name, want in KNOWN_NPZ.items():
            same(f"{path}: {name}", npz[name], want)
same("cotangent.npy", np.load(os.path.join(TMP, "cotangent.npy")), KNOWN["f32"])
with open(os.path.join(TMP, "cotangent.safetensors"), "rb") as f:
    blob = f.read()
(length,) = struct.unpack("<Q", blob[:8])
check(length % 8 == 0, f"safetensors header length {length} is not a multiple of 8")
header = json.loads(blob[8:8 + length])
check(header.pop("__metadata__", None) == {"written_by": "cotangent"}, "safetensors metadata")
DTYPES = {v: k for k, v in SAFETENSORS_DTYPES.items()}
for name, want in KNOWN.items():
    entry = header.get(name, {})
    begin, end = entry.get("data_offsets", (0, 0))
    got = np.frombuffer(blob[8 + length + begin:8 + length + end],
                        DTYPES.get(entry.get("dtype"), "V1")).reshape(entry.get("shape", -1))
    same(f"cotangent.safetensors: {name}", got, want)

for failure in failures:
    print("FAIL:", failure)
print(f"io_numpy_test: {len(failures)} failures")
sys.exit(1 if failures else 0)
