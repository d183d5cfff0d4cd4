"""Chinese password-change form: children need 6 characters, everyone else Django's validators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError

CHILD_MIN_LENGTH = 6


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        "password_mismatch": "两次输入的新密码不一致，请重新输入。",
        "password_incorrect": "当前密码不正确，请重新输入（首次登录时即凭条上的初始密码）。",
    }

    def __init__(self, user: Any, *args: Any, child: bool = False, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.child = child
        self.fields["old_password"].label = "当前密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再输入一次新密码"
        self.fields["new_password1"].help_text = (
            f"至少 {CHILD_MIN_LENGTH} 个字符，不能和初始密码相同。" if child
            else "至少 8 个字符，不要与用户名相似；不能和当前密码相同。")
        self.fields["new_password2"].help_text = ""
        for f in self.fields.values():
            f.error_messages["required"] = "此项为必填项。"

    def validate_password_for_user(self, user: Any, password_field_name: str = "new_password2") -> None:
        password = self.cleaned_data.get(password_field_name)
        if not password:
            return
        old = self.cleaned_data.get("old_password")
        if old and password == old:
            self.add_error(password_field_name, ValidationError("新密码不能和当前（初始）密码相同。", code="same"))
            return
        if self.child:
            if len(password) < CHILD_MIN_LENGTH:
                self.add_error(password_field_name, ValidationError(
                    f"新密码太短，至少需要 {CHILD_MIN_LENGTH} 个字符。", code="too_short"))
            return
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            self.add_error(password_field_name, [_chinese(e) for e in error.error_list])


def _chinese(error: ValidationError) -> ValidationError:
    """Django 5.2's validator messages lack a zh-hans translation for some codes: say them in Chinese here."""
    params = error.params or {}
    texts = {
        "password_too_short": f"密码太短，至少需要 {params.get('min_length', 8)} 个字符。",
        "password_too_common": "这个密码太常见，请换一个。",
        "password_entirely_numeric": "密码不能全是数字。",
        "password_too_similar": "密码与用户名等个人信息太相似。",
    }
    return ValidationError(texts.get(error.code or "", error.messages[0]), code=error.code)


class SlipsForm(forms.Form):
    include_issued = forms.BooleanField(required=False, label="包括已签发或已登录的账号（将全部重新签发，原密码失效）")
