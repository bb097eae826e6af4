"""The demo tenant: a utility company with Sales, Support and Collections, in Spanish.

`seed_demo(store)` creates it once (it does nothing if it exists) through the same actions
the API uses, so the demo's data and its events are exactly what a real center would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from centralita.clock import utcnow
from centralita.schemas import CampaignSpec, ContactSpec, FormField, QueueSpec
from centralita.store import actions
from centralita.store.db import Store, Tx
from centralita.store.models import Tenant

DEMO_TENANT = "energia-del-valle"
DEMO_PASSWORD = "centralita-demo"
ACTOR = "demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    skills: dict[str, int]


DEMO_USERS = (
    DemoUser("admin", "Administración", "administrator", {}),
    DemoUser("supervisora", "Marta Gómez (supervisora)", "supervisor", {}),
    DemoUser("calidad", "Jorge Ruiz (calidad)", "quality_analyst", {}),
    DemoUser("cliente", "Energía del Valle (cliente)", "client_viewer", {}),
    DemoUser("ana", "Ana Restrepo", "agent", {"ventas": 5, "soporte": 3}),
    DemoUser("carlos", "Carlos Pérez", "agent", {"ventas": 3, "ingles": 4}),
    DemoUser("diana", "Diana Castro", "agent", {"soporte": 5, "ingles": 5}),
    DemoUser("esteban", "Esteban Mora", "agent", {"soporte": 4, "cobranzas": 2}),
    DemoUser("felipe", "Felipe Ortiz", "agent", {"cobranzas": 5}),
    DemoUser("gloria", "Gloria Vélez", "agent", {"cobranzas": 4, "ventas": 2}),
)

PAUSES = (
    ("break", "Break", "Descanso", 15 * 60),
    ("lunch", "Lunch", "Almuerzo", 60 * 60),
    ("training", "Training", "Capacitación", None),
    ("back_office", "Back office", "Back office", None),
    ("meeting", "Meeting", "Reunión", 30 * 60),
)

DISPOSITIONS = {
    "Ventas": (
        ("sale", "Sale", "Venta", "success"),
        ("not_interested", "Not interested", "No interesado", "no_success"),
        ("call_back", "Call back", "Volver a llamar", "callback"),
    ),
    "Soporte": (
        ("solved", "Solved", "Solucionado", "success"),
        ("visit", "Technician visit", "Visita técnica", "success"),
        ("pqr", "Complaint filed (PQR)", "Queja radicada (PQR)", "other"),
    ),
    "Cobranzas": (
        ("payment_promise", "Payment promise", "Promesa de pago", "success"),
        ("paid", "Already paid", "Ya pagó", "success"),
        ("refused", "Refused to pay", "Se niega a pagar", "no_success"),
    ),
}


def _campaigns() -> list[CampaignSpec]:
    document = FormField(
        name="document",
        label_en="ID document",
        label_es="Cédula",
        type="text",
        required=True,
        max_length=20,
    )
    return [
        CampaignSpec(
            name="Ventas",
            direction="inbound",
            kind="sales",
            queue="Ventas",
            numbers=["6015550100"],
            form=[
                document,
                FormField(
                    name="plan",
                    label_en="Plan",
                    label_es="Plan",
                    type="choice",
                    required=True,
                    choices=["Básico", "Hogar", "Empresarial"],
                ),
            ],
        ),
        CampaignSpec(
            name="Soporte",
            direction="inbound",
            kind="service",
            queue="Soporte",
            numbers=["6015550200", "018000110200"],
            form=[
                document,
                FormField(
                    name="account",
                    label_en="Account number",
                    label_es="Número de cuenta",
                    type="text",
                    required=True,
                ),
                FormField(
                    name="issue",
                    label_en="Issue",
                    label_es="Motivo",
                    type="choice",
                    required=True,
                    choices=["Sin servicio", "Factura", "Medidor", "Otro"],
                ),
            ],
        ),
        CampaignSpec(
            name="Cobranzas",
            direction="inbound",
            kind="collections",
            queue="Cobranzas",
            numbers=["6015550300"],
            form=[
                document,
                FormField(
                    name="promise_date",
                    label_en="Promise date",
                    label_es="Fecha de promesa",
                    type="date",
                ),
                FormField(
                    name="promise_amount",
                    label_en="Promised amount",
                    label_es="Valor prometido",
                    type="money",
                ),
            ],
        ),
    ]


def seed_demo(store: Store) -> bool:
    """Create the demo tenant; False (and nothing written) if it already exists."""
    with store.transaction() as tx:
        if tx.session.scalars(select(Tenant).where(Tenant.slug == DEMO_TENANT)).first():
            return False
        _seed(tx)
    return True


def _seed(tx: Tx) -> None:
    at = utcnow()
    kw: dict[str, Any] = {"at": at, "actor": ACTOR}
    tenant = actions.do_create_tenant(
        tx, slug=DEMO_TENANT, name="Energía del Valle S.A. E.S.P.", **kw
    )
    tid = tenant.id
    site = actions.do_create_site(tx, tenant_id=tid, name="Bogotá", timezone="America/Bogota", **kw)
    skills = {
        name: actions.do_create_skill(tx, tenant_id=tid, name=name, **kw).id
        for name in ("ventas", "soporte", "cobranzas", "ingles")
    }
    for code, en, es, max_seconds in PAUSES:
        actions.do_create_pause_reason(
            tx, tenant_id=tid, code=code, label_en=en, label_es=es, max_seconds=max_seconds, **kw
        )
    actions.do_create_queue(
        tx,
        tenant_id=tid,
        spec=QueueSpec(
            name="Soporte Nivel 2", service_level_seconds=30, settings={"skills": {"soporte": 4}}
        ),
        **kw,
    )
    for name, skill, sl in (
        ("Ventas", "ventas", 20),
        ("Soporte", "soporte", 30),
        ("Cobranzas", "cobranzas", 20),
    ):
        actions.do_create_queue(
            tx,
            tenant_id=tid,
            spec=QueueSpec(
                name=name,
                service_level_seconds=sl,
                max_wait_seconds=300,
                overflow_queue="Soporte Nivel 2" if name == "Soporte" else None,
                overflow_destination=None if name == "Soporte" else "voicemail",
                settings={"skills": {skill: 1}},
            ),
            **kw,
        )
    for spec in _campaigns():
        campaign = actions.do_create_campaign(tx, tenant_id=tid, spec=spec, **kw)
        for code, en, es, category in DISPOSITIONS[spec.name]:
            actions.do_create_disposition(
                tx,
                tenant_id=tid,
                campaign_id=campaign.id,
                code=code,
                label_en=en,
                label_es=es,
                category=category,
                **kw,
            )
    users = {}
    for demo_user in DEMO_USERS:
        user = actions.do_create_user(
            tx,
            tenant_id=tid,
            username=demo_user.username,
            display_name=demo_user.display_name,
            role=demo_user.role,
            password=DEMO_PASSWORD,
            site_id=site.id,
            **kw,
        )
        users[demo_user.username] = user.id
        for skill, level in demo_user.skills.items():
            actions.do_set_agent_skill(
                tx, user_id=user.id, skill_id=skills[skill], level=level, **kw
            )
    team = actions.do_create_team(
        tx, tenant_id=tid, name="Equipo Bogotá", supervisor_id=users["supervisora"], **kw
    )
    for demo_user in DEMO_USERS:
        if demo_user.role == "agent":
            actions.do_add_team_member(tx, team_id=team.id, user_id=users[demo_user.username], **kw)
    for i, (name, segment) in enumerate(
        (
            ("María Fernanda López", "vip"),
            ("José Rodríguez", None),
            ("Luz Marina Cárdenas", "riesgo_alto"),
            ("Andrés Felipe Gil", None),
            ("Paula Andrea Suárez", "vip"),
        )
    ):
        actions.do_create_contact(
            tx,
            tenant_id=tid,
            spec=ContactSpec(
                name=name,
                phones=[f"+5730012345{i:02d}"],
                document=f"10203040{i}",
                segment=segment,
                custom={"account": f"CTA-{1000 + i}", "stratum": 3},
            ),
            **kw,
        )
