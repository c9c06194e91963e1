"""Issue 17 item 7: the store's chunks read and written directly are zarr's own, both ways."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec

from seisview.io.store_chunks import ChunkFiles, ShardFiles, chunk_files

LZ4 = (BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),)
# one Blosc block per inline's part of a chunk (8 traces x 37 samples), as the survey's
# amplitudes: an inline is decoded from its own blocks (io.blosc_calls)
LZ4_INLINE_BLOCKS = (BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", blocksize=8 * 37 * 4),)
# (name, shards, inner chunks, transpose to time-major, codec): edges cut chunks and shards
LAYOUTS = [("sharded", (16, 24, 37), (8, 8, 37), False, LZ4), ("plain", None, (8, 8, 37), False, LZ4),
           ("time-major", (40, 16, 24), (8, 16, 24), True, LZ4),
           ("sharded, a block per inline", (16, 24, 37), (8, 8, 37), False, LZ4_INLINE_BLOCKS)]
KEYS = [(slice(3, 4), slice(None), slice(None)), (slice(None), slice(17, 18), slice(None)),
        (slice(5, 40), slice(2, 50), slice(3, 30)), (slice(44, 45), slice(50, 51), slice(36, 37))]


@pytest.fixture(scope="module")
def cube():
    x = np.cumsum(np.random.default_rng(1).standard_normal((45, 51, 37)), axis=2).astype(np.float32)
    return x


def _array(root, name, data, shards, inner, codec=LZ4):
    g = zarr.open_group(store=str(root), mode="a")
    return g.create_array(name, shape=data.shape, shards=shards, chunks=inner, dtype="float32",
                          fill_value=0, compressors=codec)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: x[0])
def test_written_directly_zarr_reads_the_same(tmp_path, cube, layout):
    name, shards, inner, tm, codec = layout
    data = np.ascontiguousarray(cube.transpose(2, 0, 1)) if tm else cube
    files = chunk_files(_array(tmp_path, name, data, shards, inner, codec))
    assert isinstance(files, ShardFiles if shards else ChunkFiles)
    step = shards or inner
    for i in range(0, data.shape[0], step[0]):
        for j in range(0, data.shape[1], step[1]):
            files.write_region((i, j, 0), data[i:i + step[0], j:j + step[1]])
    back = zarr.open_array(store=str(tmp_path), path=name, mode="r")
    assert np.array_equal(back[...], data)
    for key in KEYS:
        assert np.array_equal(files.read_region(key), data[key])
    with pytest.raises(ValueError, match="whole chunks"):
        files.write_region((1, 0, 0), data[1:2, :step[1]])


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: x[0])
def test_zarr_written_chunks_read_directly_missing_ones_as_fill(tmp_path, cube, layout):
    name, shards, inner, tm, codec = layout
    data = np.ascontiguousarray(cube.transpose(2, 0, 1)) if tm else cube
    whole = _array(tmp_path, name, data, shards, inner, codec)
    whole[...] = data
    assert np.array_equal(chunk_files(whole).read_region((slice(None),) * 3), data)
    part = _array(tmp_path, name + "_part", data, shards, inner, codec)
    part[:8, :8] = data[:8, :8]  # one chunk of one shard: the rest was never written
    files = chunk_files(part)
    for key in (*KEYS, (slice(None),) * 3):
        assert np.array_equal(files.read_region(key), part[key])


def test_other_encodings_go_through_zarr(tmp_path, cube):
    g = zarr.open_group(store=str(tmp_path), mode="w")
    zstd = g.create_array("z", shape=cube.shape, chunks=(8, 8, 37), dtype="float32",
                          compressors=(zarr.codecs.ZstdCodec(),))
    raw = g.create_array("r", shape=cube.shape, chunks=(8, 8, 37), dtype="float32", compressors=None)
    assert chunk_files(zstd) is None and chunk_files(raw) is None
    mem = zarr.create_array(store=zarr.storage.MemoryStore(), shape=(4, 4), chunks=(2, 2), dtype="f4",
                            compressors=LZ4)
    assert chunk_files(mem) is None


def test_an_inline_decodes_only_its_blocks(tmp_path, cube, monkeypatch):
    """With a block per inline's part, one inline's read hands Blosc only its range, and the
    frames carry the block size asked for (c-blosc would enlarge it to 64 KB when it splits)."""
    from seisview.io import blosc_calls

    files = chunk_files(_array(tmp_path, "a", cube, (16, 24, 37), (8, 8, 37), LZ4_INLINE_BLOCKS))
    files.write_region((0, 0, 0), cube[:16, :24])
    raw = files.path((0, 0, 0)).read_bytes()
    assert int(np.frombuffer(raw, "<u4", 1, 8)[0]) == 8 * 37 * 4  # the first frame's block size
    ranges = []
    real = blosc_calls.decode_range
    monkeypatch.setattr(blosc_calls, "decode_range", lambda raw, a, n, out: ranges.append((a, n)) or real(
        raw, a, n, out))
    assert np.array_equal(files.read_region((slice(11, 12), slice(0, 24), slice(None))), cube[11:12, :24])
    assert ranges == [(3 * 8 * 37, 8 * 37)] * 3  # inline 3 of its chunk row, in each of 3 chunks


@pytest.mark.parametrize("layout", [*LAYOUTS[:1], *LAYOUTS[3:], (
    "sharded, a block per two inlines", (16, 24, 37), (8, 8, 37), False,
    (BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", blocksize=2 * 8 * 37 * 4),))], ids=lambda x: x[0])
def test_inline_reads_equal_zarr_with_missing_chunks(tmp_path, cube, layout):
    name, shards, inner, _, codec = layout
    arr = _array(tmp_path, name, cube, shards, inner, codec)
    arr[...] = cube
    files = chunk_files(arr)
    for i in (0, 11, 44):
        assert np.array_equal(files.read_inline(i), cube[i])
    part = _array(tmp_path, name + "_part", cube, shards, inner, codec)
    part[:8, :8] = cube[:8, :8]  # the rest of the shard and the other shards never written
    files = chunk_files(part)
    for i in (0, 7, 8, 44):
        assert np.array_equal(files.read_inline(i), part[i])


def test_whole_shards_read_as_regions(tmp_path, cube):
    arr = _array(tmp_path, "s", cube, (16, 24, 37), (8, 8, 37), LZ4_INLINE_BLOCKS)
    arr[:40] = cube[:40]  # the last row of shards never written
    files = chunk_files(arr)
    for key in ((0, 0, 0), (1, 2, 0), (2, 1, 0)):
        region = tuple(slice(k * s, min((k + 1) * s, n)) for k, s, n in zip(key, files.shard, cube.shape,
                                                                             strict=True))
        assert np.array_equal(files.read_shard(key), arr[region])


def test_partial_decodes_from_many_threads_are_right(cube):
    """The sections' shards are decoded on a thread pool: blosc_getitem keeps no shared state."""
    import threading

    from numcodecs import Blosc

    from seisview.io import blosc_calls

    blosc_calls.unsplit_blocks()
    chunks = [np.ascontiguousarray(cube[i:i + 8, j:j + 8]) for i in range(0, 40, 8) for j in range(0, 48, 8)]
    frames = [Blosc("lz4", 5, Blosc.SHUFFLE, blocksize=8 * 37 * 4).encode(c) for c in chunks]
    wrong = []

    def work(seed):
        rng = np.random.default_rng(seed)
        for _ in range(400):
            n, a = int(rng.integers(len(chunks))), int(rng.integers(8))
            out = np.empty(8 * 37, np.float32)
            if not blosc_calls.decode_range(frames[n], a * 8 * 37, 8 * 37, out) or \
                    not np.array_equal(out, chunks[n][a].ravel()):
                wrong.append((n, a))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


def test_survey_blocks_hold_whole_inline_parts():
    from seisview.io.store import survey_compressors

    def block(shape):
        return survey_compressors(shape, 4)[0].blocksize

    assert block((651, 951, 462)) == 8 * 462 * 4  # F3: one inline's part of an 8 x 8 chunk
    assert block((18, 52, 226)) == 2 * 8 * 226 * 4  # under 8 KB: two inlines' parts
    assert block((5, 5, 50)) == 0  # even four would be tiny: Blosc's own choice
