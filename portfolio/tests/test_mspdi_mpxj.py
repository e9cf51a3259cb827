"""MPXJ (the Java library, through the `mpxj` package and JPype) as an independent reader of MSPDI:
every sample file imports with MPXJ's task and link counts, and every file Pilotis exports opens in
MPXJ with the same schedule (tasks, WBS, dates, durations, milestones, links with types and lags).

Needs Java 17 (`java` on the PATH). Without it these tests are skipped with the reason, unless
`PILOTIS_REQUIRE_JAVA=1` (CI sets it), which makes a missing Java a failure.
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from portfolio.scheduling.models import Task, TaskLink
from portfolio.scheduling.mspdi import parse_mspdi
from portfolio.scheduling.mspdi_import import schedule_export, schedule_import
from portfolio.tests.factories import ProjectFactory

# shared/ sits beside the project's checkout (CI lays a copy there too); PILOTIS_MSPDI_SAMPLES overrides.
DATA = Path(
    os.environ.get("PILOTIS_MSPDI_SAMPLES")
    or Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "mspdi"
)
if not DATA.is_dir() and os.environ.get("PILOTIS_REQUIRE_JAVA", "").lower() in {"1", "true", "yes", "on"}:
    raise RuntimeError(f"PILOTIS_REQUIRE_JAVA is set but the MSPDI sample files are not at {DATA}")
FILES = sorted(p.name for p in DATA.glob("*.xml")) if DATA.is_dir() else []
REQUIRE_JAVA = os.environ.get("PILOTIS_REQUIRE_JAVA") == "1"


def _java_missing_reason() -> str | None:
    if shutil.which("java") is None:
        return "Java is not installed (apt-get install default-jre-headless)"
    try:
        import jpype  # noqa: F401, PLC0415
        import mpxj  # noqa: F401, PLC0415
    except ImportError as error:
        return f"the mpxj/JPype1 packages are missing ({error}); pip install '.[dev]'"
    return None


@pytest.fixture(scope="session")
def mpxj_reader():
    reason = _java_missing_reason()
    if reason:
        if REQUIRE_JAVA:
            pytest.fail(f"PILOTIS_REQUIRE_JAVA=1 but {reason}")
        pytest.skip(reason)
    import jpype  # noqa: PLC0415
    import mpxj  # noqa: F401, PLC0415

    if not jpype.isJVMStarted():
        jpype.startJVM()
    from org.mpxj import TimeUnit  # noqa: PLC0415
    from org.mpxj.reader import UniversalProjectReader  # noqa: PLC0415

    def read(data: bytes):
        with tempfile.NamedTemporaryFile(suffix=".xml") as handle:
            handle.write(data)
            handle.flush()
            project = UniversalProjectReader().read(handle.name)
        if project is None:
            raise AssertionError("MPXJ could not read the file")
        return _summary(project, TimeUnit)

    return read


def _day(value) -> datetime.date | None:
    return (
        None
        if value is None
        else datetime.date(value.getYear(), value.getMonthValue(), value.getDayOfMonth())
    )


def _days(duration, properties, time_unit) -> float:
    if duration is None:
        return 0.0
    return float(duration.convertUnits(time_unit.DAYS, properties).getDuration())


def _summary(project, time_unit) -> dict:
    """Plain data from MPXJ's reading: tasks (not the project summary task, not blank rows) and links."""
    properties = project.getProjectProperties()
    tasks = []
    links = []
    for task in project.getTasks():
        if int(task.getUniqueID()) == 0 or bool(task.getNull()) or int(task.getOutlineLevel() or 0) == 0:
            continue
        tasks.append(
            {
                "uid": int(task.getUniqueID()),
                "name": str(task.getName() or ""),
                "outline": str(task.getOutlineNumber() or ""),
                "level": int(task.getOutlineLevel()),
                "start": _day(task.getStart()),
                "finish": _day(task.getFinish()),
                "days": _days(task.getDuration(), properties, time_unit),
                "milestone": bool(task.getMilestone()),
                "summary": bool(task.getSummary()),
            }
        )
        links.extend(
            {
                "predecessor": int(relation.getPredecessorTask().getUniqueID()),
                "successor": int(task.getUniqueID()),
                "type": str(relation.getType()),
                "lag": _days(relation.getLag(), properties, time_unit),
            }
            for relation in task.getPredecessors()
        )
    return {"tasks": tasks, "links": links}


@pytest.mark.skipif(not FILES, reason=f"the MSPDI sample files are not at {DATA}")
@pytest.mark.parametrize("name", FILES)
def test_each_sample_matches_mpxj_counts_names_outline_and_links(mpxj_reader, name):
    data = (DATA / name).read_bytes()
    oracle = mpxj_reader(data)
    parsed = parse_mspdi(data)
    assert len(parsed.tasks) == len(oracle["tasks"])
    assert len(parsed.links) == len(oracle["links"])
    assert [(t.uid, t.name, t.outline_level) for t in parsed.tasks] == [
        (t["uid"], t["name"] or f"Task {t['uid']}", t["level"]) for t in oracle["tasks"]
    ]
    ours = sorted((link.predecessor_uid, link.successor_uid, link.type, link.lag) for link in parsed.links)
    theirs = sorted((x["predecessor"], x["successor"], x["type"], round(x["lag"])) for x in oracle["links"])
    assert ours == theirs
    for task, other in zip(parsed.tasks, oracle["tasks"], strict=True):
        if not task.summary and not task.milestone:
            assert task.duration == max(1, round(other["days"])) or task.duration == round(other["days"]), (
                task.name
            )
        assert task.milestone == (other["milestone"] and not other["summary"])


@pytest.mark.django_db
@pytest.mark.skipif(not FILES, reason=f"the MSPDI sample files are not at {DATA}")
@pytest.mark.parametrize("name", FILES)
def test_import_then_export_opens_in_mpxj_with_the_same_schedule(mpxj_reader, name, manager_user):
    project = ProjectFactory(manager=manager_user, planned_start=None, planned_end=None)
    schedule_import(project=project, data=(DATA / name).read_bytes(), replace=False, actor=manager_user)
    exported = mpxj_reader(schedule_export(project=project))
    tasks = list(Task.objects.filter(project=project))
    tasks.sort(key=lambda t: [int(part) for part in t.wbs.split(".")])
    assert [t["outline"] for t in exported["tasks"]] == [t.wbs for t in tasks]
    assert [t["name"] for t in exported["tasks"]] == [t.name for t in tasks]
    assert [(t["start"], t["finish"]) for t in exported["tasks"]] == [(t.start, t.finish) for t in tasks]
    assert [t["milestone"] for t in exported["tasks"]] == [t.milestone for t in tasks]
    assert [round(t["days"]) for t in exported["tasks"] if not t["summary"]] == [
        t.duration for t in tasks if not t.is_summary
    ]
    wbs_of_uid = {t["uid"]: t["outline"] for t in exported["tasks"]}
    theirs = sorted(
        (wbs_of_uid[x["predecessor"]], wbs_of_uid[x["successor"]], x["type"], round(x["lag"]))
        for x in exported["links"]
    )
    ours = sorted(
        TaskLink.objects.filter(project=project).values_list(
            "predecessor__wbs", "successor__wbs", "type", "lag"
        )
    )
    assert theirs == [tuple(x) for x in ours]
