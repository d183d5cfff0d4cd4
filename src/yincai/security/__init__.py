"""Login protection and password rules.

- Lockout (django-axes, ``lockout.py``): an account is locked after ``AXES_FAILURE_LIMIT`` (default 5)
  wrong passwords; an IP address only after ``YINCAI_LOGIN_IP_FAILURE_LIMIT`` (default 100) wrong
  passwords across all accounts, because a whole school often reaches the server through one address
  and a child mistyping must not lock out the class. Locks lift after ``AXES_COOLOFF_TIME`` (default
  30 minutes) or when 教导处 unlocks them (``/security/lockouts/`` or the Django admin); every lock
  and every unlock is written to the audit log.
- Passwords (``passwords.py``): staff need strong passwords; students and parents, who get passwords
  generated and printed by the school, need at least 6 characters.
"""
