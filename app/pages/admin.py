"""Admin (users with ``is_admin``): every analysis with its latest run, run history and reruns; partners."""

import uuid

import streamlit as st

from app import admin, studio
from app.session import require_user, services
from services.embed_snippets import embed_snippets

svc = services()
user = require_user()
st.title("Admin")
if not user.is_admin:  # navigation hides the page from non-admins; a typed URL still gets a refusal
    st.error("This page is for admins.")
    st.stop()

FLASH = "admin_flash"
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))


def _when(value) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def analyses_tab() -> None:
    rows = admin.all_analyses(svc, user)
    if not rows:
        st.info("No analyses yet.")
        return
    st.dataframe(
        [
            {
                "clip": r.filename,
                "owner": r.owner_email or "(embed, no account)",
                "status": r.status,
                "created (UTC)": _when(r.created_at),
                "latest run": r.latest_run_number,
                "run status": r.latest_run_status or "",
                "error": r.error or "",
            }
            for r in rows
        ],
        hide_index=True,
        key="admin_analyses",
    )
    by_id = {str(r.id): r for r in rows}
    picked = st.selectbox(
        "Analysis",
        list(by_id),
        format_func=lambda i: f"{by_id[i].filename or 'clip'} · {by_id[i].owner_email or 'embed'} · {by_id[i].status}",
        key="admin_analysis",
    )
    row = by_id[picked]
    st.markdown(f"#### Runs of {row.filename or 'this analysis'}")
    runs = admin.run_history(svc, user, uuid.UUID(picked))
    if runs:
        st.dataframe(
            [
                {
                    "run": r.run_number,
                    "status": r.status,
                    "error": r.error or "",
                    "queued (UTC)": _when(r.created_at),
                    "started": _when(r.started_at),
                    "finished": _when(r.finished_at),
                    "worker": r.worker or "",
                    "pipeline": r.pipeline_version or "",
                    "frames": r.num_frames,
                }
                for r in runs
            ],
            hide_index=True,
            key="admin_runs",
        )
    else:
        st.caption("No runs yet (the clip is still being uploaded or waits for its box).")
    if st.button("Rerun", key="admin_rerun", disabled=row.status not in studio.FINISHED):
        try:
            admin.rerun(svc, user, row.id)
        except (studio.RerunError, studio.NotFoundError) as exc:  # changed since the table was read
            st.warning(str(exc))
        else:
            st.session_state[FLASH] = f"Run {len(runs) + 1} of {row.filename or 'the analysis'} is queued."
            st.rerun()


def partners_tab() -> None:
    partners = admin.list_partners(svc, user)
    if partners:
        st.dataframe(
            [
                {
                    "slug": p.slug,
                    "name": p.name,
                    "domains": ", ".join(p.domains),
                    "active": p.active,
                    "contact": p.contact_email or "",
                }
                for p in partners
            ],
            hide_index=True,
            key="admin_partners",
        )
    else:
        st.caption("No partners yet.")
    with st.form("partner_create_form", clear_on_submit=False):
        st.markdown("#### New partner")
        slug = st.text_input("Slug (in embed URLs)", key="partner_slug", placeholder="snow-shop")
        name = st.text_input("Name", key="partner_name", placeholder="Snow Shop")
        domains = st.text_area("Allowed domains (one a line)", key="partner_domains_new")
        email = st.text_input("Contact email (optional)", key="partner_email")
        if st.form_submit_button("Create partner", key="partner_create"):
            try:
                made = admin.create_partner(svc, user, slug=slug, name=name, domains=domains, contact_email=email)
            except admin.PartnerError as exc:
                st.error(str(exc))
            else:
                st.session_state[FLASH] = f"Partner {made.slug} created."
                st.rerun()
    if not partners:
        return
    st.markdown("#### Edit a partner")
    by_slug = {p.slug: p for p in partners}
    slug = st.selectbox("Partner", list(by_slug), key="partner_pick")
    partner = by_slug[slug]
    # One text area per partner, so switching partners shows that partner's domains.
    text = st.text_area("Allowed domains", "\n".join(partner.domains), key=f"partner_domains-{slug}")
    st.markdown("Put the widget on the partner's site (any one of these):")
    for tab, (kind, code) in zip(
        st.tabs(["Script tag", "iframe", "React"]), embed_snippets(svc.settings.api_url, slug).items(), strict=True
    ):
        tab.code(code, language="jsx" if kind == "react" else "html")
    save, toggle = st.columns(2)
    if save.button("Save domains", key="partner_save_domains"):
        try:
            admin.set_domains(svc, user, slug, text)
        except admin.PartnerError as exc:
            st.error(str(exc))
        else:
            st.session_state[FLASH] = f"Domains of {slug} saved."
            st.session_state.pop(f"partner_domains-{slug}", None)  # show the stored (normalised) form
            st.rerun()
    if toggle.button("Deactivate" if partner.active else "Activate", key="partner_toggle"):
        admin.set_active(svc, user, slug, not partner.active)
        st.session_state[FLASH] = f"{slug} is now {'inactive' if partner.active else 'active'}."
        st.rerun()


analyses, partner_tab = st.tabs(["Analyses", "Partners"])
with analyses:
    analyses_tab()
with partner_tab:
    partners_tab()
