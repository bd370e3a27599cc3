"""imagery: Panoramax provider, licence and attribution on panoramas, resumable searches

Revision ID: 0005_imagery
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_imagery"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "'equirect', 'google', 'mapillary'"
_NEW = f"{_OLD}, 'panoramax'"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_panoramas_provider"), "panoramas", type_="check")
    op.create_check_constraint(op.f("ck_panoramas_provider"), "panoramas", f"provider IN ({_NEW})")
    op.add_column("panoramas", sa.Column("licence", sa.String(length=64), nullable=True))
    op.add_column("panoramas", sa.Column("attribution", sa.String(length=300), nullable=True))
    op.add_column("panoramas", sa.Column("creator", sa.String(length=200), nullable=True))
    op.add_column("panoramas", sa.Column("page_url", sa.String(length=2000), nullable=True))
    op.add_column(
        "panoramas",
        sa.Column("osm_compatible", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "panoramas",
        sa.Column("image_tiles", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    # What is already stored: Mapillary imagery is CC BY-SA 4.0 with OSM permission; Google's
    # terms forbid derived databases; equirect images stay unknown until a coordinator says.
    op.execute(
        "UPDATE panoramas SET licence = 'CC-BY-SA-4.0', attribution = 'Mapillary, CC BY-SA 4.0', "
        "osm_compatible = true WHERE provider = 'mapillary'"
    )
    op.execute(
        "UPDATE panoramas SET licence = 'LicenseRef-Google-Maps-Terms', "
        "attribution = 'Google Street View' WHERE provider = 'google'"
    )
    op.create_table(
        "imagery_searches",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "provider",
            sa.Enum(
                "equirect",
                "google",
                "mapillary",
                "panoramax",
                name="provider",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("location_id", sa.BigInteger(), nullable=True),
        sa.Column("tile", sa.String(length=100), nullable=True),
        sa.Column("panorama_id", sa.BigInteger(), nullable=True),
        sa.Column("found", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "searched_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(location_id IS NULL) <> (tile IS NULL)",
            name=op.f("ck_imagery_searches_location_or_tile"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_imagery_searches_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_imagery_searches_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panorama_id"],
            ["panoramas.id"],
            name=op.f("fk_imagery_searches_panorama_id_panoramas"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imagery_searches")),
        sa.UniqueConstraint(
            "campaign_id",
            "provider",
            "location_id",
            name=op.f("uq_imagery_searches_campaign_id_provider_location_id"),
        ),
        sa.UniqueConstraint(
            "campaign_id",
            "provider",
            "tile",
            name=op.f("uq_imagery_searches_campaign_id_provider_tile"),
        ),
    )
    # Deleting a location or a panorama finds its searches without a scan.
    for column in ("location_id", "panorama_id"):
        op.create_index(op.f(f"ix_imagery_searches_{column}"), "imagery_searches", [column])


def downgrade() -> None:
    op.drop_table("imagery_searches")
    for column in (
        "image_tiles",
        "osm_compatible",
        "page_url",
        "creator",
        "attribution",
        "licence",
    ):
        op.drop_column("panoramas", column)
    # Panoramax panoramas cannot be described under the old vocabulary.
    op.execute("DELETE FROM panoramas WHERE provider = 'panoramax'")
    op.drop_constraint(op.f("ck_panoramas_provider"), "panoramas", type_="check")
    op.create_check_constraint(op.f("ck_panoramas_provider"), "panoramas", f"provider IN ({_OLD})")
