"""Pages and API endpoints of the governance app's steering part, in the permissions matrix (see
tests/matrix_governance.py for the targets and tests/matrix.py for Endpoint)."""

PAGES: list = []
API: list = []
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
