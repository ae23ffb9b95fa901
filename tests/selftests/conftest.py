import pytest

KERNELS = ("6.1", "6.12", "7.1")


@pytest.fixture(params=KERNELS)
def kernel(request):
    return request.param


def xfail_on(request, kernels, reason: str) -> None:
    """Mark this run as an expected (strict) failure on some profiles."""
    if request.node.callspec.params.get("kernel") in kernels:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
