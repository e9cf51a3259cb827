"""Scheduling: the working calendar and the critical-path scheduler, both pure (no ORM inside).

`calendar` counts working days (weekends, French public holidays, closures); `engine` takes tasks,
links, a calendar and a project start and returns early/late dates, floats and the critical path.
Models, services and views build on them; nothing here reads or writes the database.
"""
