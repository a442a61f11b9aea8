"""Locating and loading ``libbraintorch.so`` (the C++ operators and their autograd).

Search order:

1. the environment variable ``BRAINTORCH_LIBRARY`` (a path to the shared library);
2. ``<repo>/build/lib/libbraintorch.so``, relative to this file (``python_shim/braintorch/``).

Loading registers the ``torch.ops.braintorch`` operators (their CPU/CUDA kernels and their autograd,
which live in C++). The library is loaded at most once per process: a ``TORCH_LIBRARY`` namespace can be
registered only once, so if the operators already exist (e.g. the library was loaded by another path)
nothing is loaded again.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

_REPO_ROOT = Path(__file__).resolve().parents[2]
_DEFAULT_LIBRARY = _REPO_ROOT / "build" / "lib" / "libbraintorch.so"

_loaded_path: str | None = None


def library_path() -> Path:
    """The path ``load()`` would use (env ``BRAINTORCH_LIBRARY``, else the repository build)."""
    env = os.environ.get("BRAINTORCH_LIBRARY")
    if env:
        return Path(env)
    return _DEFAULT_LIBRARY


def _ops_registered() -> bool:
    # torch.ops.<ns>.<op> raises AttributeError when the operator is not registered.
    return hasattr(torch.ops.braintorch, "event_csr_matvec")


def load() -> str | None:
    """Loads the library once; returns the path loaded (None if the operators were already present)."""
    global _loaded_path
    if _loaded_path is not None:
        return _loaded_path
    if _ops_registered():
        return None
    path = library_path()
    if not path.is_file():
        raise ImportError(
            f"braintorch: cannot find the C++ library at {path}. Build it with `bash scripts/setup.sh` "
            "or point the environment variable BRAINTORCH_LIBRARY at libbraintorch.so."
        )
    torch.ops.load_library(str(path))
    _loaded_path = str(path)
    return _loaded_path


def check_same_device(op: str, **tensors: torch.Tensor) -> None:
    """For the fake (meta) kernels: every tensor argument on the device of the first, as the C++ kernels
    require (otherwise a CPU tensor mixed with a meta one would get an uninitialised CPU result)."""
    (first_name, first), *rest = tensors.items()
    for name, t in rest:
        torch._check(t.device == first.device,
                     lambda name=name, t=t: f"{op}: {name} is on {t.device} but {first_name} is on {first.device}; "
                                            "all tensors must be on the same device")


def check_grad_out(op: str, grad_out: torch.Tensor, x: torch.Tensor, n_out) -> None:
    """For the backward fake kernels: grad_out is floating point, with the forward output's shape
    (x.shape[:-1] + (n_out,)) and x's device, as the C++ backward kernels require."""
    torch._check(grad_out.dtype.is_floating_point,
                 lambda: f"{op}: grad_out must be floating point, got {grad_out.dtype}")
    expected = (*x.shape[:-1], n_out)
    torch._check(len(grad_out.shape) == len(expected) and all(a == b for a, b in zip(grad_out.shape, expected)),
                 lambda: f"{op}: grad_out must have the output shape {tuple(expected)}, got {tuple(grad_out.shape)}")
    torch._check(grad_out.device == x.device,
                 lambda: f"{op}: grad_out is on {grad_out.device} but the input is on {x.device}")
