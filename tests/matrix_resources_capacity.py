"""Pages and API endpoints of the resources app's capacity part, in the permissions matrix (see
tests/matrix_resources.py for the targets and tests/matrix.py for Endpoint)."""

PAGES: list = []
API: list = []
SAME_AS: dict[str, str] = {}
NOT_RULED: set[str] = set()
