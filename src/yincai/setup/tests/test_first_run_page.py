"""The first-run page: while no school exists every page leads to /setup/; afterwards /setup/ is gone (404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yincai.accounts.roles import Role, roles_of
from yincai.school.models import School, Term

pytestmark = pytest.mark.usefixtures("empty_school_db")

FORM: dict[str, Any] = {
    "school_name": "阳光小学", "school_code": "2144000001", "term_name": "2026-2027学年第一学期",
    "start_date": "2026-09-01", "end_date": "2027-01-31", "grades": ["1", "2", "3", "4", "5", "6"],
    "subjects": ["chinese", "math", "english"], "admin_username": "zhangxz", "admin_name": "张校长",
    "admin_password": "Yangguang#2026", "admin_password2": "Yangguang#2026",
}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/classes/", "/imports/"])
def test_every_page_leads_to_setup_while_there_is_no_school(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/setup/"


def test_the_health_check_stays_reachable(client: Client) -> None:
    assert client.get("/healthz").status_code == 200


def test_the_setup_page_shows_the_form_in_chinese(client: Client) -> None:
    response = client.get("/setup/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("学校初始化", "学校名称", "开设的学科", "道德与法治", "管理员用户名"):
        assert text in html


def test_posting_the_form_sets_up_the_school_logs_the_admin_in_and_retires_the_page(client: Client) -> None:
    response = client.post("/setup/", FORM)
    assert response.status_code == 302 and response["Location"] == "/"
    school = School.objects.get()
    assert school.name == "阳光小学" and Term.objects.filter(school=school).count() == 1
    home = client.get("/")
    assert home.status_code == 200
    assert Role.ADMIN in roles_of(home.wsgi_request.user)
    assert client.get("/setup/").status_code == 404
    assert Client().get("/setup/").status_code == 404
    assert Client().get("/accounts/login/").status_code == 200


@pytest.mark.parametrize(("change", "message"), [
    ({"end_date": "2026-08-01"}, "学期结束日期必须晚于开始日期"),
    ({"start_date": "2026-13-01"}, "开始日期无效"),
    ({"admin_password2": "Yangguang#2027"}, "两次输入的密码不一致"),
    ({"admin_password": "12345678", "admin_password2": "12345678"}, "密码只包含数字"),
    ({"grades": []}, "请至少选择一个年级"),
    ({"subjects": []}, "请至少选择一个学科"),
    ({"school_code": "阳光"}, "学校代码只能由字母"),
])
def test_bad_input_is_explained_on_the_page_and_nothing_is_written(client: Client, change: dict[str, Any],
                                                                    message: str) -> None:
    response = client.post("/setup/", FORM | change)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "尚未写入任何数据" in html
    assert 'value="阳光小学"' in html  # what was typed is kept
    assert not School.objects.exists()
