from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TrafficConfig(AppConfig):
    """Traffic quality: response codes, countries, referrers and devices ("Audience and errors")."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard.traffic"
    label = "traffic"
    verbose_name = gettext_lazy("Traffic")

    def ready(self) -> None:
        from dashboard.reports import sections
        from dashboard.traffic import section

        sections.register(
            sections.Section(
                name="traffic",
                build=section.build,
                templates={
                    sections.SURFACE_PAGE: "traffic/section.html",
                    sections.SURFACE_SITE: "traffic/section.html",
                    sections.SURFACE_PDF: "traffic/pdf.html",
                    sections.SURFACE_EMAIL: "traffic/email.html",
                    sections.SURFACE_EMAIL_TEXT: "traffic/email.txt",
                },
                slot=sections.SLOT_END,
                order=30,
                snapshot=section.snapshot,
                cached=True,  # response codes, countries, referrers, devices: synced data only
            )
        )
        sections.register_column(
            sections.OverviewColumn(
                name="traffic-5xx",
                header=gettext_lazy("5xx share"),
                build=section.overview_cells,
                template="traffic/overview_cell.html",
                order=30,
            )
        )
        sections.register_csv_columns(
            sections.CsvColumns(name="traffic", headers=section.CSV_HEADERS, build=section.csv_columns, order=30)
        )
