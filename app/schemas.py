"""The account forms and the login API's bodies, each defined once and handed to `app.accounts` as is."""

from __future__ import annotations

import msgspec


class LoginForm(msgspec.Struct):
    phone: str = ""
    password: str = ""
    lanjut: str = ""


class SignUpForm(msgspec.Struct):
    name: str = ""
    phone: str = ""
    password: str = ""
    lanjut: str = ""


class ProfileForm(msgspec.Struct):
    name: str = ""
    dusun: str = ""
    rt: str = ""
    rw: str = ""
    landmark: str = ""
    nik: str = ""
    lanjut: str = ""


class PasswordChangeForm(msgspec.Struct):
    current_password: str = ""
    new_password: str = ""
    confirm: str = ""


class DecisionForm(msgspec.Struct):
    decision: str = ""


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    phone: str
    password: str


class LoginOut(msgspec.Struct):
    id: int
    name: str
    phone: str
    roles: dict[str, str]
