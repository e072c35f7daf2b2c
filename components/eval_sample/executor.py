"""EvalSample's logic: a uniform random sample of fixed size from a split's
gzipped TFRecord files, read and written through tf.io.gfile."""
import os
import random

import tensorflow as tf

SPLIT_PREFIX = "Split-"
SAMPLE_FILE = "sample.tfrecord.gz"
_READ_BATCH = 4096


def reservoir(records, size: int, seed: int) -> list:
  """`size` items of `records` (all of them if there are fewer), each item
  equally likely to be kept, in one pass (Algorithm R)."""
  rng = random.Random(seed)
  kept = []
  for seen, record in enumerate(records):
    if seen < size:
      kept.append(record)
    else:
      slot = rng.randint(0, seen)
      if slot < size:
        kept[slot] = record
  return kept


def split_files(examples_uri: str, split: str) -> list:
  files = sorted(tf.io.gfile.glob(os.path.join(examples_uri, SPLIT_PREFIX + split, "*")))
  if not files:
    raise FileNotFoundError(f"no files in split '{split}' of the examples at {examples_uri}")
  return files


def sample_split(examples_uri: str, split: str, target_uri: str, rows: int, seed: int) -> tuple:
  """Writes at most `rows` records of `split`, drawn uniformly, to the same
  split of `target_uri`; returns (rows written, rows in the split)."""
  records = tf.data.TFRecordDataset(split_files(examples_uri, split), compression_type="GZIP")
  total = 0

  def counted():
    nonlocal total
    for batch in records.batch(_READ_BATCH).as_numpy_iterator():  # tf.data's cost is per element
      for record in batch:
        total += 1
        yield record

  kept = reservoir(counted(), rows, seed)
  folder = os.path.join(target_uri, SPLIT_PREFIX + split)
  tf.io.gfile.makedirs(folder)
  with tf.io.TFRecordWriter(os.path.join(folder, SAMPLE_FILE), options="GZIP") as writer:
    for record in kept:
      writer.write(record)
  return len(kept), total
