"""Labelled fire-imagery datasets: sharded, resumable, COCO and YOLO.

Public API::

    from wildfire_gym.datasets import DatasetJob, load_dataset_config, make_dataset, run_shard
    job = DatasetJob(load_dataset_config("default"), frames=1000, out="out/ds")
    make_dataset(job, workers=2)            # or run_shard(i, n, job) anywhere (pool, Ray, a pod)

Files and conventions: :mod:`.frames` (per frame), :mod:`.writers` (COCO, YOLO, card),
:mod:`.shard` (manifests, resume). :mod:`.torch_data` reads a dataset for training;
:mod:`.mix` merges it with real labelled images.
"""

from __future__ import annotations

from .config import DatasetConfig, dataset_config_from_dict, load_dataset_config
from .runner import make_dataset, shard_index_from_env
from .shard import DatasetJob, run_shard

__all__ = ["DatasetConfig", "DatasetJob", "dataset_config_from_dict", "load_dataset_config", "make_dataset",
           "run_shard", "shard_index_from_env"]
