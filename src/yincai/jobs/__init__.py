"""Background work on django-tasks: the enqueue API for every app, and the `yincai worker` process.

Apps declare tasks with `django_tasks.task` in their own `tasks.py` and queue them with
`yincai.jobs.api.enqueue(task, ...)` (after the surrounding transaction commits). Jobs live in the database
(django-tasks-db), so they survive a server restart; a worker that dies mid-job leaves a RUNNING row that the
next worker re-queues (up to `MAX_ATTEMPTS` runs, then the job is marked failed and the app is told through
django-tasks' `task_finished` signal).
"""
