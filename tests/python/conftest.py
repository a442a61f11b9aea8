"""Every test starts from the same global torch seed, so the tests that draw with the default generator
(torch.rand without a generator=) see the same numbers on every run and in any order or subset."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _fixed_torch_seed():
    torch.manual_seed(0)
    yield
