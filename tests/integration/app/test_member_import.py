"""Member-list import on /staf/{slug}/anggota/impor and POST /api/cooperatives/{slug}/members/import: a preview
with an error per row and field, then every row or none; new members get an invitation link."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import func, select

from app.auth import has_usable_password
from app.models import Cooperative, Membership, MembershipStatus, Role, User
from tests.conftest import Stack
from tests.support import data

SLUG = "telaga-bidadari"
HEADER = "nama,no_hp,nomor_anggota,nik\n"


def _e164(phone: str) -> str:
    return "+62" + phone.lstrip("0")


def _rows(tag: str, phones: list[str], nik: str = "") -> str:
    lines = [f"Anggota {i} {tag},{phone},{tag}-{i:03d},{nik if i == 1 else ''}" for i, phone in enumerate(phones, 1)]
    return HEADER + "\n".join(lines) + "\n"


async def _api(client: httpx.AsyncClient, content: bytes, *, dry_run: bool, slug: str = SLUG) -> httpx.Response:
    return await client.post(
        f"/api/cooperatives/{slug}/members/import",
        data={"dry_run": "true" if dry_run else "false"},
        files={"file": ("anggota.csv", content, "text/csv")},
    )


async def _numbered(stack: Stack, tag: str) -> list[tuple[str, str, str, str]]:
    """(phone, member number, role, status) of the memberships this test's list made."""
    async with stack.db.session() as session:
        rows = await session.execute(
            select(User.phone, Membership.member_number, Membership.role, Membership.status)
            .join(User, User.id == Membership.user_id)
            .where(Membership.member_number.like(f"{tag}-%"))
            .order_by(Membership.member_number)
        )
        return [tuple(r) for r in rows.tuples()]


async def test_a_bad_row_writes_nothing_then_the_fixed_list_makes_five_members_with_working_links(
    stack: Stack,
) -> None:
    tag = uuid.uuid4().hex[:8]
    phones = [data.new_phone() for _ in range(5)]
    nik = data.new_nik()
    bad = _rows(tag, phones, nik).replace(phones[2], "12345")
    staff = await data.staff(stack.url, SLUG)
    try:
        page = await staff.get(f"/staf/{SLUG}/anggota/impor")
        assert page.status_code == 200 and f"/staf/{SLUG}/anggota/impor/templat" in page.text
        template = await staff.get(f"/staf/{SLUG}/anggota/impor/templat")
        assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
        assert template.content.startswith(b"\xef\xbb\xbfnama;no_hp;nomor_anggota;nik")

        refused = await _api(staff, bad.encode(), dry_run=False)
        assert refused.status_code == 200, refused.text
        out = refused.json()
        assert (out["rows"], out["valid"], out["created"], out["invitations"]) == (5, 4, 0, [])
        assert [(e["row"], e["field"]) for e in out["errors"]] == [(3, "no_hp")]
        token = await data.csrf_token(staff, f"/staf/{SLUG}/anggota/impor")
        preview = await staff.post(
            f"/staf/{SLUG}/anggota/impor",
            data={"_csrf_token": token},
            files={"file": ("anggota.csv", bad.encode(), "text/csv")},
        )
        assert preview.status_code == 422 and "Belum ada yang disimpan" in preview.text
        problems = preview.text.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
        assert re.findall(r'<tr><td class="num">(\d+)</td><td>([\w ]+)</td>', problems) == [("3", "Nomor HP")]
        assert 'name="key"' not in preview.text
        assert await _numbered(stack, tag) == []

        fixed = _rows(tag, phones, nik).encode()
        preview = await staff.post(
            f"/staf/{SLUG}/anggota/impor",
            data={"_csrf_token": token},
            files={"file": ("anggota.csv", fixed, "text/csv")},
        )
        assert preview.status_code == 200 and "Tambahkan 5 anggota" in preview.text, preview.text
        assert await _numbered(stack, tag) == []  # a preview writes nothing
        key = re.search(r'name="key" value="([^"]+)"', preview.text)
        assert key
        applied = await staff.post(
            f"/staf/{SLUG}/anggota/impor/terapkan", data={"key": key.group(1), "_csrf_token": token}
        )
        assert applied.status_code == 200, applied.text
        assert "5 anggota dari daftar dicatat" in applied.text
        links = re.findall(r'value="(http[^"]+/undangan/[^"]+)"', applied.text)
        assert len(links) == 5 and applied.text.count("https://wa.me/62") == 5
        again = await staff.post(
            f"/staf/{SLUG}/anggota/impor/terapkan", data={"key": key.group(1), "_csrf_token": token}
        )
        assert again.status_code == 404 and "Unggah berkasnya lagi" in again.text
    finally:
        await staff.aclose()

    made = await _numbered(stack, tag)
    assert made == [
        (_e164(p), f"{tag}-{i:03d}", Role.MEMBER, MembershipStatus.APPROVED) for i, p in enumerate(phones, 1)
    ]
    async with stack.db.session() as session:
        first = await session.scalar(select(User).where(User.phone == _e164(phones[0])))
        assert first is not None and first.nik == nik and not has_usable_password(first.password_hash)

    token = links[0].rsplit("/undangan/", 1)[1]
    async with stack.client() as member:
        page = await member.get(f"/undangan/{token}")
        assert page.status_code == 200 and "<strong>Anggota</strong>" in page.text
        accepted = await member.post("/api/invitations/accept", json={"token": token, "password": "sandi-anggota-1"})
        assert accepted.status_code == 200, accepted.text
        membership = await member.get(f"/k/{SLUG}/anggota")
        assert membership.status_code == 200 and "Anda sudah anggota" in membership.text
        second = await member.post("/api/invitations/accept", json={"token": token, "password": "sandi-anggota-1"})
        assert second.status_code == 410
    async with stack.db.session() as session:
        first = await session.scalar(select(User).where(User.phone == _e164(phones[0])))
        assert first is not None and has_usable_password(first.password_hash)
    assert (await _numbered(stack, tag))[0][1:] == (f"{tag}-001", Role.MEMBER, MembershipStatus.APPROVED)


async def test_a_latin1_semicolon_csv_as_excel_writes_it(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:8]
    phones = [data.new_phone(), data.new_phone()]
    text = (
        "Nama;No HP;Nomor Anggota;NIK\r\n"
        f"Dédé Rohaéni {tag};{phones[0]};{tag}-001;\r\n"
        f"Ahmad Fauzi {tag};{phones[1]};{tag}-002;\r\n"
    )
    staff = await data.staff(stack.url, SLUG)
    try:
        applied = await _api(staff, text.encode("latin-1"), dry_run=False)
        assert applied.status_code == 200, applied.text
        out = applied.json()
        assert (out["rows"], out["valid"], out["created"], out["errors"]) == (2, 2, 2, [])
        assert [i["name"] for i in out["invitations"]] == [f"Dédé Rohaéni {tag}", f"Ahmad Fauzi {tag}"]
        for link in out["invitations"]:
            assert "/undangan/" in link["url"] and link["whatsapp_url"].startswith("https://wa.me/62")
    finally:
        await staff.aclose()
    async with stack.db.session() as session:
        name = await session.scalar(select(User.name).where(User.phone == _e164(phones[0])))
        assert name == f"Dédé Rohaéni {tag}"


async def test_a_phone_twice_in_the_file_is_refused_and_nothing_is_written(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:8]
    phone = data.new_phone()
    dashed = f"{phone[:4]}-{phone[4:8]}-{phone[8:]}"
    text = _rows(tag, [phone, data.new_phone(), dashed])
    staff = await data.staff(stack.url, SLUG)
    try:
        refused = await _api(staff, text.encode(), dry_run=False)
        assert refused.status_code == 200
        assert [(e["row"], e["field"], e["message"]) for e in refused.json()["errors"]] == [
            (3, "no_hp", "Sama dengan baris 1.")
        ]
        assert refused.json()["created"] == 0
    finally:
        await staff.aclose()
    assert await _numbered(stack, tag) == []
    async with stack.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(User).where(User.phone == _e164(phone))) == 0


async def test_existing_accounts_get_the_membership_and_numbered_members_are_refused(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:8]
    joined, signed_up = stack.client(), stack.client()
    phones = [await data.signup(joined), await data.signup(signed_up)]
    await data.make_member(stack.db, phones[0], SLUG)  # a member who joined in the app: no number yet
    staff = await data.staff(stack.url, SLUG)
    try:
        applied = await _api(staff, _rows(tag, phones).encode(), dry_run=False)
        assert applied.status_code == 200, applied.text
        out = applied.json()
        assert (out["created"], out["errors"], out["invitations"]) == (2, [], [])  # both can sign in already
        assert [r[1:] for r in await _numbered(stack, tag)] == [
            (f"{tag}-001", Role.MEMBER, MembershipStatus.APPROVED),
            (f"{tag}-002", Role.MEMBER, MembershipStatus.APPROVED),
        ]
        assert "Anda sudah anggota" in (await signed_up.get(f"/k/{SLUG}/anggota")).text

        again = _rows(f"{tag}b", [phones[0]]).encode()
        refused = await _api(staff, again, dry_run=False)
        assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(1, "no_hp")]
        assert "sudah menjadi anggota" in refused.json()["errors"][0]["message"]
        assert await _numbered(stack, f"{tag}b") == []
    finally:
        for client in (joined, signed_up, staff):
            await client.aclose()


async def test_only_the_pengurus_of_this_cooperative_may_import(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:8]
    content = _rows(tag, [data.new_phone()]).encode()
    other = await data.staff(stack.url, "tabanio")
    resident = await data.resident(stack.url, stack.db, member_of=SLUG)
    try:
        for client in (other, resident):
            assert (await _api(client, content, dry_run=False)).status_code == 403
            assert (await client.get(f"/staf/{SLUG}/anggota/impor")).status_code == 403
        async with stack.client() as visitor:
            assert (await _api(visitor, content, dry_run=False)).status_code == 401
    finally:
        await other.aclose()
        await resident.aclose()
    assert await _numbered(stack, tag) == []
    async with stack.db.session() as session:
        assert await session.scalar(select(Cooperative.id).where(Cooperative.slug == SLUG))
