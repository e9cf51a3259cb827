from django.urls import include, path

from portfolio import import_views, reference_views, sheet_views, views
from portfolio.scheduling import baseline_views, board_views, gantt_views, mspdi_views
from portfolio.scheduling import views as schedule_views

app_name = "portfolio"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/export/<str:fmt>/", views.project_export, name="project_export"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/import/", import_views.project_import, name="project_import"),
    path("board/", board_views.portfolio_board, name="portfolio_board"),
    path("board/cards/", board_views.portfolio_board_cards, name="portfolio_board_cards"),
    path("projects/<int:pk>/board/", board_views.task_board, name="task_board"),
    path("projects/<int:pk>/board/cards/", board_views.task_board_cards, name="task_board_cards"),
    path("projects/<int:pk>/board/limits/", board_views.task_board_limits, name="task_board_limits"),
    path(
        "projects/<int:pk>/board/cards/<int:task_pk>/move/",
        board_views.task_board_move,
        name="task_board_move",
    ),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/schedule/import/", mspdi_views.schedule_import_page, name="schedule_import"),
    path("projects/<int:pk>/transition/", views.project_transition, name="project_transition"),
    path("projects/<int:pk>/sheet/", sheet_views.project_sheet_request, name="project_sheet_request"),
    path("projects/<int:pk>/gantt/", gantt_views.project_gantt, name="project_gantt"),
    path("roadmap/", gantt_views.roadmap, name="roadmap"),
    path("projects/<int:pk>/sheet/status/", sheet_views.project_sheet_status, name="project_sheet_status"),
    path(
        "projects/<int:pk>/sheet/download/", sheet_views.project_sheet_download, name="project_sheet_download"
    ),
    path("projects/<int:pk>/tasks/", schedule_views.project_tasks, name="project_tasks"),
    path("tasks/<int:pk>/edit/", schedule_views.task_row_edit, name="task_row_edit"),
    path("projects/<int:pk>/tasks/add/", schedule_views.task_add, name="task_add"),
    path("tasks/<int:pk>/delete/", schedule_views.task_delete_view, name="task_delete"),
    path("", include((reference_views.urlpatterns, "reference"))),
    # Baselines and calendar feeds (portfolio.scheduling.baseline_views)
    path("projects/<int:pk>/baselines/", baseline_views.project_baselines, name="project_baselines"),
    path("projects/<int:pk>/baselines/take/", baseline_views.baseline_take, name="baseline_take"),
    path("baselines/<int:baseline_pk>/rename/", baseline_views.baseline_rename, name="baseline_rename"),
    path("baselines/<int:baseline_pk>/delete/", baseline_views.baseline_delete, name="baseline_delete"),
    path("baselines/", baseline_views.portfolio_baselines, name="portfolio_baselines"),
    path("baselines/take/", baseline_views.portfolio_baseline_take, name="portfolio_baseline_take"),
    path(
        "baselines/portfolio/<int:baseline_pk>/delete/",
        baseline_views.portfolio_baseline_delete,
        name="portfolio_baseline_delete",
    ),
    path("calendar-feeds/", baseline_views.feed_token_create, name="feed_token_create"),
    path("calendar-feeds/<int:token_pk>/revoke/", baseline_views.feed_token_revoke, name="feed_token_revoke"),
    path("calendar/<str:token>.ics", baseline_views.calendar_feed, name="calendar_feed"),
]
