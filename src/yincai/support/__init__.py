"""培优辅差 support workflow (issue 7): what teachers do after the diagnosis.

- 一人一案 `SupportPlan`: causes (the seeds' student/family/school categories), KP goals whose progress is
  measured from item scores (`selectors.goal_progress`), measures, responsible teacher, reviews, status and the
  转化记载簿 (`ProgressEntry`); created from `services.plan_template` (diagnosed weak & root-cause KPs when the
  insight recompute has run, else the lowest KP score rates). Families see goals, measures and the note to
  them; the cause analysis only when shared.
- 导师制 (`school.MentorAssignment`), `TutoringSession` log, week view, caseload, overdue reviews.
- `PeerPair` (一帮一/多帮一, student wishes) and `Grouping` (CP-SAT, `engine.grouping`) with history.
- `Program` & events with attendance; `Observation` quick entry; `LearningProfile`.
- `PointsEntry` ledger, `Reward` catalogue & `Redemption`, `Award` (荣誉墙) from measured progress, `SelfGoal`.
- `Meeting` with `ActionItem`s.
"""
