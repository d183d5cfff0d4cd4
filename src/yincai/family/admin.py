from __future__ import annotations

from django.contrib import admin

from yincai.family.models import Announcement, FamilySettings, Outbox

# Settings and the outbound queue are the school's; threads, messages, home notes, shared entries and
# notifications are private between a family and its teachers, so the admin does not show them
# (tests/test_admin.py lists them as deliberately private).
admin.site.register(FamilySettings)
admin.site.register(Announcement, list_display=["__str__"], raw_id_fields=["author", "school_class"])
admin.site.register(Outbox, list_display=["__str__"])
