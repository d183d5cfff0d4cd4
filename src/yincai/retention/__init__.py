"""Retention: graduates' sensitive records (家庭情况, 心理辅导记录) are purged after a set period.

PIPL art. 47 and 《儿童个人信息网络保护规定》 art. 20: personal information is deleted once the
purpose is fulfilled. The purpose of family and psychology records is support while the child is at
school, so they go ``YINCAI_RETENTION_DAYS`` (default 365) days after graduation. ``yincai retention
purge --dry-run`` (or the 数据保留 page) lists what would go; the purge itself is audited, and the audit
log is kept (it names students and record types, never the records' content) and exportable.
"""
