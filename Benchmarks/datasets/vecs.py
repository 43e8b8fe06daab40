"""Small helpers to read and write .fvecs/.ivecs files (row = int32 length + values)."""
import numpy as np


def write_fvecs(path, array):
    array = np.ascontiguousarray(array, dtype=np.float32)
    n, d = array.shape
    out = np.empty((n, d + 1), dtype=np.float32)
    out[:, 0] = np.array([d], dtype=np.int32).view(np.float32)[0]
    out[:, 1:] = array
    out.tofile(path)


def write_ivecs(path, array):
    array = np.ascontiguousarray(array, dtype=np.int32)
    n, d = array.shape
    out = np.empty((n, d + 1), dtype=np.int32)
    out[:, 0] = d
    out[:, 1:] = array
    out.tofile(path)


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].copy().view(np.float32)


def read_ivecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].copy()


def exact_ground_truth(base, queries, k, metric):
    """Exact top-k ids by blocked matrix products (cosine: on normalised vectors)."""
    base = base.astype(np.float32)
    queries = queries.astype(np.float32)
    if metric == "cosine":
        base = base / np.linalg.norm(base, axis=1, keepdims=True)
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    norms = (base * base).sum(axis=1) if metric == "l2" else None
    out = np.empty((len(queries), k), dtype=np.int32)
    for start in range(0, len(queries), 256):
        q = queries[start:start + 256]
        scores = q @ base.T
        dist = norms[None, :] - 2 * scores if metric == "l2" else -scores
        part = np.argpartition(dist, k, axis=1)[:, :k]
        order = np.take_along_axis(dist, part, axis=1).argsort(axis=1)
        out[start:start + len(q)] = np.take_along_axis(part, order, axis=1)
    return out
