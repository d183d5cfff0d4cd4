"""Student practice: 每日五分钟口算 (timed drills of generated items, checked on the server), speed/accuracy
curves over days for the student, their parents and their teachers, and streak/personal-best points in
the support ledger. Never a class ranking."""
