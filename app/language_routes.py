"""The language switch: Bahasa Indonesia or English, kept in a cookie and, when signed in, on the account."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import auth
from app.errors import InvalidInput, safe_next
from app.i18n import LOCALES, _, remember
from app.models import User
from app.web import Form


class LanguageForm(msgspec.Struct):
    bahasa: str
    next: str = "/"


@post("/bahasa", name="switch_language", status_code=303, include_in_schema=False)
async def switch_language(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    user: auth.CurrentUser | None,
    data: Annotated[LanguageForm, Form],
) -> Redirect:
    """Remembered per browser (cookie) and per account (brought back on every sign-in)."""
    code = data.bahasa.strip().lower()
    if code not in LOCALES:
        message = _("Bahasa ini tidak tersedia. Pilih Bahasa Indonesia atau English.")
        raise InvalidInput(message, field_errors={"bahasa": message})
    remember(request.scope, code)
    if user is not None:
        account = await db_session.get(User, user.id)
        if account is not None:
            account.language = code
    return Redirect(path=safe_next(data.next), status_code=303)
