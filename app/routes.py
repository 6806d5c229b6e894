"""Login, logout and sign-up (pages and API), the resident's account and profile, memberships."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from app import accounts, auth, cooperatives
from app.errors import DomainError, safe_next
from app.guards import has_producer_account, old_staff_url, provide_cooperative, requires_login, requires_staff
from app.guards import provide_current_user as provide_current_user  # the app's `user` dependency
from app.i18n import _
from app.models import Cooperative, MembershipStatus
from app.schemas import DecisionForm, LoginForm, LoginIn, LoginOut, ProfileForm, SignUpForm
from app.text import mask_nik
from app.web import Form, flash, render

Next = Annotated[str | None, Parameter(query="lanjut", max_length=300)]
IN_COOPERATIVE = {"cooperative": Provide(provide_cooperative)}
# The number just typed on the sign-up form, filled into the login form that follows.
SIGNUP_PHONE_KEY = "signup_phone"


# A page that public links lead to but only members read (the shop links its books): the login page says
# so, and how to become a member, instead of asking for a password without a reason.
_MEMBERS_ONLY = re.compile(r"^/k/(?P<slug>[a-z0-9-]+)/laporan(?:[/?]|$)")


def login_path(target: str) -> str:
    return f"/masuk?lanjut={quote(target, safe='/')}"


def members_only_slug(target: str) -> str | None:
    """The cooperative whose members-only page `target` is, or None for any other page."""
    match = _MEMBERS_ONLY.match(target)
    return match.group("slug") if match else None


def _form_page(
    request: Request[Any, Any, Any],
    template: str,
    form: msgspec.Struct,
    refused: DomainError | None = None,
    **context: Any,
) -> Any:
    """A form page, blank or again after `refused` with its messages and status."""
    wait = refused.extra.get("retry_after") if refused else None
    return render(
        request,
        template,
        status_code=refused.status_code if refused else 200,
        headers={"Retry-After": str(wait)} if isinstance(wait, int) else None,
        form=form,
        errors=refused.field_errors if refused else {},
        error=refused.message if refused else None,
        **context,
    )


class AuthController(Controller):
    include_in_schema = False

    @get("/masuk", name="login")
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        lanjut: Next = None,
    ) -> Any:
        phone = request.session.pop(SIGNUP_PHONE_KEY, "") if request.session else ""
        target = safe_next(lanjut)
        form = LoginForm(phone=str(phone), lanjut=target)
        return _form_page(request, "app/login.html", form, members_only=members_only_slug(target))

    @post("/masuk", name="login_submit", status_code=303)
    async def login_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[LoginForm, Form],
    ) -> Any:
        try:
            user = await auth.authenticate(db_session, data.phone[:40], data.password[:200])
        except DomainError as exc:
            form = LoginForm(phone=data.phone[:40], lanjut=safe_next(data.lanjut))
            return _form_page(request, "app/login.html", form, exc, members_only=members_only_slug(form.lanjut))
        auth.login(request, user)
        flash(request, _("Selamat datang, %(name)s.", name=user.name), "ok")
        current = await auth.load_current_user(db_session, user.id)
        target = safe_next(data.lanjut)
        home = auth.home_path(current)
        if target == "/" and home != "/akun":
            target = home  # operator, pendamping or staff: their work first
        elif target == "/" and await has_producer_account(db_session, user.id):
            target = "/produsen"
        return Redirect(path=target, status_code=303)

    @post("/keluar", name="logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        auth.logout(request)
        return Redirect(path="/", status_code=303)


class AccountController(Controller):
    include_in_schema = False

    @get("/daftar", name="signup")
    async def signup_form(
        self,
        request: Request[Any, Any, Any],
        lanjut: Next = None,
    ) -> Any:
        return _form_page(request, "app/signup.html", SignUpForm(lanjut=safe_next(lanjut)))

    @post("/daftar", name="signup_submit", status_code=303)
    async def signup_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[SignUpForm, Form],
    ) -> Any:
        try:
            await accounts.register(db_session, data)
        except DomainError as exc:
            form = SignUpForm(name=data.name[:120], phone=data.phone[:40], lanjut=safe_next(data.lanjut))
            return _form_page(request, "app/signup.html", form, exc)
        # The same answer whether the number was free or not (see accounts.SIGNED_UP): sign in next.
        request.session[SIGNUP_PHONE_KEY] = data.phone[:40]
        flash(request, accounts.SIGNED_UP, "ok")
        target = safe_next(data.lanjut)
        return Redirect(path=login_path("/akun" if target == "/" else target), status_code=303)

    @get("/akun", name="account", guards=[requires_login])
    async def account(self, request: Request[Any, Any, Any], db_session: AsyncSession, user: auth.CurrentUser) -> Any:
        profile = await accounts.get_user(db_session, user)
        memberships = await accounts.memberships_of(db_session, user.id)
        joined = {m.cooperative_id for m in memberships}
        others = [c for c in await cooperatives.list_cooperatives(db_session) if c.id not in joined]
        return render(
            request,
            "app/account.html",
            profile=profile,
            nik_masked=mask_nik(profile.nik),
            notices=accounts.account_notices(profile),
            memberships=memberships,
            others=others,
            staff_of=[m.cooperative for m in memberships if user.is_staff_of(m.cooperative_id)],
        )

    @get("/akun/profil", name="profile", guards=[requires_login])
    async def profile_form(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        user: auth.CurrentUser,
        lanjut: Next = None,
    ) -> Any:
        profile = await accounts.get_user(db_session, user)
        form = ProfileForm(
            name=profile.name,
            dusun=profile.dusun or "",
            rt=profile.rt or "",
            rw=profile.rw or "",
            landmark=profile.landmark or "",
            lanjut=safe_next(lanjut) if lanjut else "",
        )
        return _form_page(request, "app/profile.html", form, nik_masked=mask_nik(profile.nik))

    @post("/akun/profil", name="profile_submit", status_code=303, guards=[requires_login])
    async def profile_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: Annotated[ProfileForm, Form],
        user: auth.CurrentUser,
    ) -> Any:
        try:
            saved = await accounts.update_profile(db_session, user, data)
        except DomainError as exc:
            await db_session.rollback()
            profile = await accounts.get_user(db_session, user)
            return _form_page(request, "app/profile.html", data, exc, nik_masked=mask_nik(profile.nik))
        if saved.nik_refused:
            # Saved and committed like any save (the attempt is counted); the NIK field says why not.
            flash(request, _("Profil tersimpan.") + " " + _(accounts.NIK_NOT_RECORDED), "error")
            back = f"/akun/profil?lanjut={quote(data.lanjut)}" if data.lanjut else "/akun/profil"
            return Redirect(path=back, status_code=303)
        flash(request, _("Profil tersimpan.") + (" " + _("NIK tercatat.") if saved.nik_recorded else ""), "ok")
        return Redirect(path=safe_next(data.lanjut) if data.lanjut else "/akun", status_code=303)

    @get("/k/{slug:str}/anggota", name="membership", dependencies=IN_COOPERATIVE)
    async def membership_page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser | None,
    ) -> Any:
        membership = await accounts.membership_of(db_session, user.id, cooperative.id) if user else None
        return render(
            request, "app/membership.html", cooperative=cooperative, membership=membership, signed_in=bool(user)
        )

    @post(
        "/k/{slug:str}/anggota",
        name="membership_request",
        status_code=303,
        guards=[requires_login],
        dependencies=IN_COOPERATIVE,
    )
    async def membership_request(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser,
    ) -> Any:
        membership = await accounts.request_membership(db_session, cooperative, user)
        if membership.status == MembershipStatus.PENDING:
            message = _(
                "Permintaan keanggotaan terkirim ke %(cooperative)s. Tunggu persetujuan staf.",
                cooperative=cooperative.short_name,
            )
            flash(request, message, "ok")
        return Redirect(path=f"/k/{cooperative.slug}/anggota", status_code=303)

    staff_members_entry = old_staff_url("/staf/anggota", "anggota", name="staff_members_entry")

    @get(
        "/staf/{slug:str}/anggota",
        name="staff_members",
        guards=[requires_staff],
        dependencies=IN_COOPERATIVE,
    )
    async def staff_members(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        user: auth.CurrentUser,
    ) -> Any:
        applicants = await accounts.pending_memberships(db_session, cooperative, user)
        return render(
            request, "app/staff_members.html", cooperative=cooperative, applicants=applicants, mask_nik=mask_nik
        )

    @post(
        "/staf/{slug:str}/anggota/{membership_id:int}",
        name="staff_member_decision",
        status_code=303,
        guards=[requires_staff],
        dependencies=IN_COOPERATIVE,
    )
    async def staff_member_decision(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        cooperative: Cooperative,
        membership_id: int,
        data: Annotated[DecisionForm, Form],
        user: auth.CurrentUser,
    ) -> Any:
        decided = await accounts.decide_membership(
            db_session, cooperative, user, membership_id, approve=data.decision == "approve"
        )
        verdict = "disetujui" if decided.membership.status == MembershipStatus.APPROVED else "ditolak"
        flash(request, f"Keanggotaan {decided.user.name} {verdict}.", "ok")
        return Redirect(path=f"/staf/{cooperative.slug}/anggota", status_code=303)


class AuthApiController(Controller):
    path = "/api/auth"
    tags = ["akun"]

    @post("/login", name="api_login", status_code=200)
    async def api_login(self, request: Request[Any, Any, Any], db_session: AsyncSession, data: LoginIn) -> LoginOut:
        user = await auth.authenticate(db_session, data.phone[:40], data.password[:200])
        auth.login(request, user)
        current = await auth.load_current_user(db_session, user.id)
        assert current is not None
        return LoginOut(
            id=user.id, name=user.name, phone=user.phone, roles={str(cid): role for cid, role in current.roles.items()}
        )

    @post("/logout", name="api_logout", status_code=204)
    async def api_logout(self, request: Request[Any, Any, Any]) -> None:
        auth.logout(request)
