"""EvalSample's logic: a uniform, fixed-size, seeded sample of a split,
read and written through tf.io.gfile (on ram://, as on gs://)."""
import collections

import numpy as np
import pytest
import tensorflow as tf

from components.eval_sample import executor


def test_every_record_is_equally_likely_to_be_kept():
  kept = collections.Counter(r for seed in range(2000) for r in executor.reservoir(range(50), 10, seed))
  shares = np.array([kept[r] for r in range(50)]) / 2000
  # Each record is kept with probability 10/50; 2000 draws: SD about 0.009.
  assert np.all(np.abs(shares - 0.2) < 0.04), shares
  assert sum(kept.values()) == 2000 * 10


def test_a_split_smaller_than_the_sample_is_kept_whole_and_a_seed_repeats_its_sample():
  assert sorted(executor.reservoir(range(7), 10, seed=1)) == list(range(7))
  assert executor.reservoir(range(1000), 5, seed=3) == executor.reservoir(range(1000), 5, seed=3)
  assert executor.reservoir(range(1000), 5, seed=3) != executor.reservoir(range(1000), 5, seed=4)


def _write_split(uri, split, records, files=2):
  tf.io.gfile.makedirs(f"{uri}/Split-{split}")
  for i in range(files):
    with tf.io.TFRecordWriter(f"{uri}/Split-{split}/part-{i}.gz", options="GZIP") as writer:
      for record in records[i::files]:
        writer.write(record)


def test_sample_split_writes_a_bounded_sample_of_one_split_through_gfile():
  records = [f"row {i}".encode() for i in range(500)]
  _write_split("ram://examples", "eval", records)
  _write_split("ram://examples", "train", [b"not me"])
  assert executor.sample_split("ram://examples", "eval", "ram://sample", 120, seed=0) == (120, 500)
  (written,) = tf.io.gfile.glob("ram://sample/Split-eval/*")
  sample = [r.numpy() for r in tf.data.TFRecordDataset(written, compression_type="GZIP")]
  assert len(sample) == len(set(sample)) == 120 and set(sample) <= set(records)
  assert [p.rstrip("/") for p in tf.io.gfile.listdir("ram://sample")] == ["Split-eval"]


def test_a_missing_split_names_the_split_and_the_folder():
  with pytest.raises(FileNotFoundError, match="split 'eval' of the examples at ram://nothing-here"):
    executor.sample_split("ram://nothing-here", "eval", "ram://out", 10, seed=0)
